-- Scheduling: organizations, providers, venues, services, weekly availability, and the slots people book,
-- each slot materialised as seat rows for the booking area's FOR UPDATE SKIP LOCKED reservation.

CREATE TYPE organization_kind AS ENUM ('clinic', 'training_centre');
CREATE TYPE provider_status AS ENUM ('pending_approval', 'approved', 'rejected', 'active', 'suspended');
CREATE TYPE slot_origin AS ENUM ('rule', 'session');
CREATE TYPE slot_status AS ENUM ('open', 'cancelled');
CREATE TYPE seat_state AS ENUM ('free', 'held', 'booked');

CREATE TABLE organization (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind          organization_kind NOT NULL,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    timezone      text NOT NULL,
    currency      char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    contact_email text,
    contact_phone text,
    created_by    uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz
);

CREATE TABLE provider (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL UNIQUE,           -- the account (identity area); one profile per account
    display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    bio           text NOT NULL DEFAULT '',
    specialties   text[] NOT NULL DEFAULT '{}',
    languages     text[] NOT NULL DEFAULT '{}',
    photo_url     text,
    timezone      text NOT NULL,
    status        provider_status NOT NULL DEFAULT 'pending_approval',
    decided_by    uuid,                           -- who approved or rejected, and when
    decided_at    timestamptz,
    decision_note text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz
);
CREATE INDEX provider_specialties ON provider USING gin (specialties);
CREATE INDEX provider_languages ON provider USING gin (languages);

CREATE TABLE provider_organization (
    provider_id     uuid NOT NULL REFERENCES provider ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organization ON DELETE CASCADE,
    PRIMARY KEY (provider_id, organization_id)
);
CREATE INDEX provider_organization_org ON provider_organization (organization_id);

CREATE TABLE venue (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organization,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address         text NOT NULL DEFAULT '',
    capacity        int NOT NULL CHECK (capacity > 0),
    facilities      jsonb NOT NULL DEFAULT '{}',
    online          boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);

CREATE TABLE service (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id       uuid NOT NULL REFERENCES organization,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    duration_minutes      int NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
    price_minor           bigint NOT NULL CHECK (price_minor >= 0),
    currency              char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    seats_per_slot        int NOT NULL DEFAULT 1 CHECK (seats_per_slot BETWEEN 1 AND 10000),
    buffer_before_minutes int NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 240),
    buffer_after_minutes  int NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 240),
    min_notice_minutes    int NOT NULL DEFAULT 0 CHECK (min_notice_minutes >= 0),
    horizon_days          int NOT NULL DEFAULT 60 CHECK (horizon_days BETWEEN 1 AND 730),
    requires_confirmation boolean NOT NULL DEFAULT false,
    guests_allowed        boolean NOT NULL DEFAULT true,
    full_refund_hours     int NOT NULL DEFAULT 24 CHECK (full_refund_hours >= 0),  -- full refund up to H hours before
    late_refund_percent   int NOT NULL DEFAULT 0 CHECK (late_refund_percent BETWEEN 0 AND 100),  -- then P percent
    created_at            timestamptz NOT NULL DEFAULT now(),
    deleted_at            timestamptz
);

-- Weekly hours in the provider's time zone: on ISO weekday W, from start_time to end_time local.
CREATE TABLE availability_rule (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id     uuid NOT NULL REFERENCES provider ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organization,
    weekday         int NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_time      time NOT NULL,
    end_time        time NOT NULL CHECK (end_time > start_time),
    service_ids     uuid[] NOT NULL CHECK (cardinality(service_ids) > 0),
    venue_id        uuid REFERENCES venue,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX availability_rule_provider ON availability_rule (provider_id);

-- A date that does not follow the weekly rules: blocked entirely, or with custom hours instead.
CREATE TABLE availability_exception (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id     uuid NOT NULL REFERENCES provider ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organization,
    day             date NOT NULL,
    start_time      time,                           -- both null: the day is blocked
    end_time        time,
    service_ids     uuid[],
    venue_id        uuid REFERENCES venue,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((start_time IS NULL AND end_time IS NULL) OR (end_time > start_time AND cardinality(service_ids) > 0))
);
CREATE INDEX availability_exception_provider_day ON availability_exception (provider_id, day);

CREATE TABLE slot (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organization,
    service_id      uuid NOT NULL REFERENCES service,
    provider_id     uuid NOT NULL REFERENCES provider,
    venue_id        uuid REFERENCES venue,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
    occupied        tstzrange NOT NULL,             -- starts_at - buffer before .. ends_at + buffer after
    capacity        int NOT NULL CHECK (capacity > 0),
    origin          slot_origin NOT NULL,
    status          slot_status NOT NULL DEFAULT 'open',
    created_at      timestamptz NOT NULL DEFAULT now(),
    cancelled_at    timestamptz,
    -- One venue hosts one provider at a time, buffers included. (One provider's alternative slots for different
    -- services may overlap; the booking area keeps a provider out of two overlapping bookings.)
    CONSTRAINT slot_venue_no_overlap EXCLUDE USING gist (venue_id WITH =, provider_id WITH <>, occupied WITH &&)
        WHERE (status = 'open' AND venue_id IS NOT NULL)
);
CREATE UNIQUE INDEX slot_unique_open ON slot (provider_id, service_id, starts_at) WHERE status = 'open';
CREATE INDEX slot_provider_time ON slot (provider_id, starts_at) WHERE status = 'open';
CREATE INDEX slot_service_time ON slot (service_id, starts_at) WHERE status = 'open';
CREATE INDEX slot_organization_time ON slot (organization_id, starts_at) WHERE status = 'open';
CREATE INDEX slot_venue_time ON slot (venue_id, starts_at) WHERE status = 'open';

CREATE TABLE seat (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slot_id    uuid NOT NULL REFERENCES slot ON DELETE CASCADE,
    seat_no    int NOT NULL,
    state      seat_state NOT NULL DEFAULT 'free',
    held_until timestamptz,                         -- a held seat whose hold has passed counts as free
    booking_id uuid,
    UNIQUE (slot_id, seat_no),
    CHECK ((state = 'free') = (booking_id IS NULL)),
    CHECK ((state = 'held') = (held_until IS NOT NULL))
);
-- Seats a booking can take: free ones first (the lowest free seat is the first entry of its slot, however full
-- the slot is), then held ones whose hold has expired.
CREATE INDEX seat_free ON seat (slot_id, seat_no) WHERE state = 'free';
CREATE INDEX seat_held ON seat (slot_id, held_until) WHERE state = 'held';
