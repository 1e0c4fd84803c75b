-- Invitations to join an organization: sent by email (through the notifications area), accepted by the invited
-- person once signed in with that email. The token is stored hashed.
CREATE TABLE organization_invitation (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash      bytea NOT NULL UNIQUE,
    organization_id uuid NOT NULL,
    email           text NOT NULL CHECK (email = lower(email)),
    role            org_role NOT NULL,
    permissions     org_permission[] NOT NULL,
    invited_by      uuid NOT NULL REFERENCES app_user ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    accepted_at     timestamptz,
    accepted_by     uuid REFERENCES app_user ON DELETE SET NULL
);
CREATE INDEX organization_invitation_org ON organization_invitation (organization_id);
