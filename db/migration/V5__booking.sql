-- Booking: a booking takes seats of one slot. Seats are taken with FOR UPDATE SKIP LOCKED and held until
-- hold_expires_at; a hold whose time has passed counts as free at read time, so correctness never waits for the
-- sweeper, which only tidies up.

CREATE TYPE booking_status AS ENUM (
    'held', 'pending_confirmation', 'confirmed', 'declined', 'expired', 'cancelled', 'completed', 'no_show');

CREATE TABLE booking (
    id                uuid PRIMARY KEY,
    reference         text NOT NULL UNIQUE CHECK (reference ~ '^BW-[0-9A-Z]{6}$'),
    status            booking_status NOT NULL,
    slot_id           uuid NOT NULL REFERENCES slot,
    organization_id   uuid NOT NULL,
    provider_id       uuid NOT NULL,
    service_id        uuid NOT NULL,
    one_to_one        boolean NOT NULL,               -- a one-seat service: the provider is busy for its time
    starts_at         timestamptz NOT NULL,           -- what the client booked
    ends_at           timestamptz NOT NULL,
    during            tstzrange NOT NULL,             -- the slot's occupied time, buffers included
    user_id           uuid,                           -- null for a guest
    guest             jsonb,                          -- {name, email, phone} for a guest
    access_token_hash bytea,                          -- a guest's capability to view and cancel this booking
    seats             int NOT NULL CHECK (seats BETWEEN 1 AND 100),
    notes             text CHECK (length(notes) <= 2000),
    subtotal_minor    bigint NOT NULL CHECK (subtotal_minor >= 0),
    discount_minor    bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    total_minor       bigint NOT NULL CHECK (total_minor >= 0),
    currency          char(3) NOT NULL,
    full_refund_hours int NOT NULL,                   -- the service's cancellation policy when this was booked
    late_refund_percent int NOT NULL,
    hold_expires_at   timestamptz,
    rescheduled_from  uuid REFERENCES booking,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (guest IS NULL)),
    CHECK (status <> 'held' OR hold_expires_at IS NOT NULL),
    -- A provider is never in two overlapping one-to-one bookings that hold or keep time.
    CONSTRAINT booking_provider_no_overlap EXCLUDE USING gist (provider_id WITH =, during WITH &&)
        WHERE (one_to_one AND status IN ('held', 'pending_confirmation', 'confirmed'))
);
CREATE INDEX booking_user ON booking (user_id, created_at DESC) WHERE user_id IS NOT NULL;
CREATE INDEX booking_slot ON booking (slot_id);
CREATE INDEX booking_held_expiry ON booking (hold_expires_at) WHERE status = 'held';
CREATE INDEX booking_organization ON booking (organization_id, starts_at);
