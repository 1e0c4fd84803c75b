-- Trust between organizations (issue 11): a provider works for an organization only after agreeing to,
-- exceptions belong to the organization that wrote them, one rate-limit table for every per-client limit,
-- and indexes for the retention purge.

-- A link starts as the organization's request; the provider (or a platform admin) accepts or declines it.
-- Either side can end an accepted link. Links made before this migration were working links: they stay active.
CREATE TYPE provider_link_status AS ENUM ('requested', 'active', 'declined', 'ended');
ALTER TABLE provider_organization
    ADD COLUMN status       provider_link_status NOT NULL DEFAULT 'active',
    ADD COLUMN requested_by uuid,
    ADD COLUMN requested_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN decided_by   uuid,
    ADD COLUMN decided_at   timestamptz;
ALTER TABLE provider_organization ALTER COLUMN status SET DEFAULT 'requested';

-- An exception with an organization changes only that organization's slots. One without is the provider's own
-- "I am away" block: it applies everywhere, and only blocks (custom hours always belong to an organization).
ALTER TABLE availability_exception ALTER COLUMN organization_id DROP NOT NULL;
ALTER TABLE availability_exception
    ADD CONSTRAINT availability_exception_provider_block CHECK (organization_id IS NOT NULL OR start_time IS NULL);

-- Hits per client per limit per minute, shared by every instance (login, registration, resets, guest holds).
CREATE TABLE rate_limit (
    bucket       text        NOT NULL,
    client       text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         int         NOT NULL,
    PRIMARY KEY (bucket, client, window_start)
);
CREATE INDEX rate_limit_window ON rate_limit (window_start);
DROP TABLE login_throttle;

-- What the retention purge looks for.
CREATE INDEX outbox_event_published ON outbox_event (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX stripe_event_received ON stripe_event (received_at);
CREATE INDEX password_reset_expiry ON password_reset (expires_at);
CREATE INDEX refresh_token_rotated ON refresh_token (rotated_at) WHERE rotated_at IS NOT NULL;
CREATE INDEX user_session_expiry ON user_session (expires_at);
CREATE INDEX organization_invitation_expiry ON organization_invitation (expires_at);

-- Reset and invitation tokens no longer travel in events: the token is derived from the row's id with a server
-- key, so the notification sender asks the identity area for it by id, and nothing secret is stored in clear.
ALTER TABLE password_reset ADD COLUMN id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid();
CREATE INDEX user_session_revoked ON user_session (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX organization_invitation_accepted ON organization_invitation (accepted_at) WHERE accepted_at IS NOT NULL;

-- Secrets written before this migration: tokens out of stored events, guest tokens out of stored replies.
UPDATE outbox_event SET payload = payload - 'token'
 WHERE type IN ('identity.password_reset_requested', 'identity.invitation_created') AND payload ? 'token';
UPDATE idempotency_key SET response_body = jsonb_set(response_body, '{body}', (response_body -> 'body') - 'accessToken')
 WHERE response_body -> 'body' ? 'accessToken';
