-- Payments: one PaymentIntent per booking, a ledger of every money movement, and the Stripe events seen
-- (recorded in the same transaction as their effect, so a duplicate changes nothing twice).

CREATE TYPE payment_status AS ENUM (
    'requires_payment', 'authorized', 'captured', 'canceled', 'failed', 'partially_refunded', 'refunded');

CREATE TABLE payment (
    booking_id     uuid PRIMARY KEY REFERENCES booking,
    intent_id      text UNIQUE,
    status         payment_status NOT NULL DEFAULT 'requires_payment',
    amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
    currency       char(3) NOT NULL,
    manual_capture boolean NOT NULL,
    client_secret  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payment_ledger (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id       uuid NOT NULL REFERENCES booking,
    kind             text NOT NULL CHECK (kind IN ('authorization', 'capture', 'cancellation', 'failure', 'refund', 'dispute')),
    amount_minor     bigint NOT NULL,
    currency         char(3) NOT NULL,
    stripe_object_id text,
    stripe_event_id  text,
    raw              jsonb,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_ledger_booking ON payment_ledger (booking_id, id);

CREATE TABLE stripe_event (
    id          text PRIMARY KEY,
    type        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
