-- Issue 17: calendar import. A provider registers external ICS URLs (their own calendar); Bookwell polls them and
-- keeps their busy times, which remove the provider's free rule-made slots that overlap them (never booked ones).
CREATE TABLE calendar_import (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id     uuid NOT NULL REFERENCES provider ON DELETE CASCADE,
    url             text NOT NULL CHECK (length(url) <= 2000),
    created_by      uuid NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_poll_at    timestamptz NOT NULL DEFAULT now(),
    polled_at       timestamptz,
    etag            text,
    last_modified   text,
    last_status     text,                          -- ok, not-modified, or the failure in a few words
    busy_digest     bytea,                         -- what the busy times were last time: unchanged ones change nothing
    busy_count      int NOT NULL DEFAULT 0
);
CREATE INDEX calendar_import_provider ON calendar_import (provider_id);
CREATE INDEX calendar_import_due ON calendar_import (next_poll_at);

CREATE TABLE calendar_busy (
    import_id    uuid NOT NULL REFERENCES calendar_import ON DELETE CASCADE,
    provider_id  uuid NOT NULL,
    during       tstzrange NOT NULL CHECK (NOT isempty(during))
);
CREATE INDEX calendar_busy_import ON calendar_busy (import_id);
CREATE INDEX calendar_busy_provider ON calendar_busy USING gist (provider_id, during);

-- nothing reads waitlist offers by expiry (the round finds them through their bookings)
DROP INDEX waitlist_offers;
