-- Issue 17: outgoing webhooks. Organizations register endpoints for event types; each matching outbox event becomes
-- one delivery per endpoint (made once, by an internal consumer), sent at least once, in order per aggregate and
-- endpoint, retried with backoff and jitter for three days; every attempt is logged.

CREATE TYPE webhook_endpoint_status AS ENUM ('active', 'disabled');
CREATE TYPE webhook_delivery_status AS ENUM ('pending', 'delivered', 'failed');

CREATE TABLE webhook_endpoint (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id       uuid NOT NULL,
    url                   text NOT NULL CHECK (length(url) <= 2000),
    description           text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    event_types           text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 50),
    secret                text NOT NULL,        -- signs deliveries; shown once, at creation and rotation
    previous_secret       text,                 -- still signs (a second v1) until previous_expires_at
    previous_expires_at   timestamptz,
    status                webhook_endpoint_status NOT NULL DEFAULT 'active',
    disabled_reason       text,
    failing_since         timestamptz,          -- the first failure of the current run of failures
    created_by            uuid NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    deleted_at            timestamptz
);
CREATE INDEX webhook_endpoint_organization ON webhook_endpoint (organization_id) WHERE deleted_at IS NULL;

CREATE TABLE webhook_delivery (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint GENERATED ALWAYS AS IDENTITY,   -- order within an endpoint and aggregate
    endpoint_id     uuid NOT NULL REFERENCES webhook_endpoint,
    organization_id uuid NOT NULL,
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    aggregate_id    text NOT NULL,
    payload         jsonb NOT NULL,                        -- the catalogue event as sent
    status          webhook_delivery_status NOT NULL DEFAULT 'pending',
    attempts        int NOT NULL DEFAULT 0,
    next_at         timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_at) WHERE status = 'pending';
CREATE INDEX webhook_delivery_order ON webhook_delivery (endpoint_id, aggregate_id, seq) WHERE status = 'pending';
CREATE INDEX webhook_delivery_endpoint ON webhook_delivery (endpoint_id, created_at DESC, id DESC);

CREATE TABLE webhook_attempt (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id     uuid NOT NULL REFERENCES webhook_delivery ON DELETE CASCADE,
    at              timestamptz NOT NULL DEFAULT now(),
    status_code     int,                                  -- null: no answer (refused, timed out, address refused)
    latency_ms      int NOT NULL,
    response        text CHECK (length(response) <= 1000),
    error           text CHECK (length(error) <= 500)
);
CREATE INDEX webhook_attempt_delivery ON webhook_attempt (delivery_id, id);
