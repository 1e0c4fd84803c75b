-- Platform plumbing shared by every area: extensions, the transactional outbox, idempotency keys.

CREATE EXTENSION IF NOT EXISTS btree_gist;  -- exclusion constraints mixing = and && (no overlapping bookings)
CREATE EXTENSION IF NOT EXISTS pgcrypto;    -- digest() for hashing tokens in SQL

-- Events leave through this table: written in the same transaction as the change they describe,
-- published on the event bus by OutboxRelayVerticle after commit, then marked published.
-- Delivery is at-least-once; consumers deduplicate on id.
CREATE TABLE outbox_event (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- relay order
    id             uuid        NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    type           text        NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),  -- e.g. booking.held
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    payload        jsonb       NOT NULL,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz
);
CREATE INDEX outbox_event_unpublished ON outbox_event (seq) WHERE published_at IS NULL;

-- Idempotency-Key support for unsafe requests: the first request with a key stores its response,
-- a repeat with the same body gets that response back, a repeat with another body is refused.
CREATE TABLE idempotency_key (
    scope           text        NOT NULL,  -- who asked: a user id, or a guest fingerprint
    key             text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash    text        NOT NULL,
    response_status int,                   -- null while the first request is still in flight
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_key_expiry ON idempotency_key (expires_at);
