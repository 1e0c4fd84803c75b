-- Issue 17: private calendar feeds. A client's feed lists their bookings, a provider's feed the bookings with them;
-- the URL carries a token (only its digest is stored), one live feed per owner, revocable.
CREATE TABLE calendar_feed (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_kind  text NOT NULL CHECK (owner_kind IN ('client', 'provider')),
    owner_id    uuid NOT NULL,                  -- the client's account, or the provider
    token_hash  bytea NOT NULL UNIQUE,
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE UNIQUE INDEX calendar_feed_live ON calendar_feed (owner_kind, owner_id) WHERE revoked_at IS NULL;
CREATE INDEX booking_provider_start ON booking (provider_id, starts_at);
