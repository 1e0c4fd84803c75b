-- Identity: accounts, sessions with rotating refresh tokens, password resets, login throttling and
-- organization memberships with explicit permissions.

CREATE TYPE platform_role AS ENUM ('client', 'provider', 'admin');
CREATE TYPE org_role AS ENUM ('owner', 'admin', 'staff');
CREATE TYPE org_permission AS ENUM (
    'manage_providers', 'manage_bookings', 'manage_availability', 'manage_staff', 'manage_billing', 'view_reports');

CREATE TABLE app_user (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email          text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    password_hash  text NOT NULL,                        -- Argon2id, PHC string format
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    phone          text CHECK (length(phone) <= 40),
    timezone       text NOT NULL DEFAULT 'UTC',
    roles          platform_role[] NOT NULL DEFAULT '{client}',
    failed_logins  int NOT NULL DEFAULT 0,               -- consecutive failures since the last success or lockout
    lockouts       int NOT NULL DEFAULT 0,               -- lockouts in a row: each one lasts twice as long
    locked_until   timestamptz,
    deactivated_at timestamptz,
    deleted_at     timestamptz,                          -- soft delete: the email stays taken until an admin purge
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX app_user_email_key ON app_user (email);

-- A session is one login on one device. Its refresh tokens rotate on every use; presenting a token that was
-- already rotated means it was copied, and the whole session is revoked.
CREATE TABLE user_session (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES app_user ON DELETE CASCADE,
    user_agent     text,
    client_address text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text
);
CREATE INDEX user_session_active ON user_session (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_token (
    token_hash bytea PRIMARY KEY,                        -- SHA-256 of the token; the token itself is never stored
    session_id uuid NOT NULL REFERENCES user_session ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    rotated_at timestamptz
);
CREATE INDEX refresh_token_session ON refresh_token (session_id);

CREATE TABLE password_reset (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES app_user ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- Login attempts per client address per minute, shared by every instance.
CREATE TABLE login_throttle (
    client_address text        NOT NULL,
    window_start   timestamptz NOT NULL,
    attempts       int         NOT NULL,
    PRIMARY KEY (client_address, window_start)
);

-- Who belongs to which organization, in which role, with which permissions. The organization itself belongs
-- to the scheduling area, so there is no foreign key to it.
CREATE TABLE organization_member (
    organization_id uuid NOT NULL,
    user_id         uuid NOT NULL REFERENCES app_user ON DELETE CASCADE,
    role            org_role NOT NULL,
    permissions     org_permission[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_member_user ON organization_member (user_id);
