-- Issue 17: provider requirements. Types are the platform's (organization_id null: every provider) or an
-- organization's (its providers); providers upload documents (kept in PostgreSQL, served only to the provider and
-- the type's reviewers) and reviewers approve or reject them. A provider is approved by the platform, and starts
-- working for an organization, only with every applicable type approved and unexpired; a link whose requirements
-- lapse (a document expired) stops being bookable until a new one is approved.
CREATE TABLE requirement_type (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid REFERENCES organization,          -- null: a platform requirement
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    expires         boolean NOT NULL,                       -- documents of it carry an expiry date
    created_by      uuid NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    archived_at     timestamptz
);
CREATE INDEX requirement_type_owner ON requirement_type (organization_id) WHERE archived_at IS NULL;

CREATE TYPE document_status AS ENUM ('submitted', 'approved', 'rejected');
CREATE TABLE provider_document (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id         uuid NOT NULL REFERENCES provider,
    requirement_type_id uuid NOT NULL REFERENCES requirement_type,
    file_name           text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    media_type          text NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size_bytes          int NOT NULL CHECK (size_bytes > 0),
    content             bytea NOT NULL,
    expires_on          date,
    status              document_status NOT NULL DEFAULT 'submitted',
    reason              text CHECK (length(reason) <= 1000),
    reviewed_by         uuid,
    reviewed_at         timestamptz,
    uploaded_by         uuid NOT NULL,
    uploaded_at         timestamptz NOT NULL DEFAULT now(),
    expiry_warned_at    timestamptz
);
CREATE INDEX provider_document_provider ON provider_document (provider_id, requirement_type_id, uploaded_at DESC);
CREATE INDEX provider_document_expiring ON provider_document (expires_on)
    WHERE status = 'approved' AND expiry_warned_at IS NULL AND expires_on IS NOT NULL;

ALTER TABLE provider_organization ADD COLUMN requirements_lapsed_at timestamptz;
