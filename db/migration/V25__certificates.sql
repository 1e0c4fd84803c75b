-- Issue 16 (first part): certificates, issued once per completed enrollment. The PDF is kept in the row (bytes in
-- PostgreSQL: one source of truth, backed up with everything else; a certificate is a few kilobytes).
CREATE TABLE certificate (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number            text NOT NULL UNIQUE,
    enrollment_id     uuid NOT NULL UNIQUE REFERENCES enrollment,
    course_id         uuid NOT NULL REFERENCES course,
    organization_id   uuid NOT NULL,
    user_id           uuid NOT NULL,
    holder_name       text NOT NULL,          -- as on the account at issue time
    course_title      text NOT NULL,
    organization_name text NOT NULL,
    issued_at         timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz,            -- from the course's validity years; null: does not expire
    revoked_at        timestamptz,
    revoked_reason    text,
    revoked_by        uuid,
    pdf               bytea NOT NULL
);
CREATE INDEX certificate_user ON certificate (user_id, issued_at DESC);
CREATE INDEX certificate_organization ON certificate (organization_id, issued_at DESC);
