-- Issue 16: reports. Booking figures come from a daily rollup per organization, local day (of the booking's start, in
-- the organization's time zone) and service, provider, venue and currency, recomputed for the days that changed:
-- every booking, payment and slot event marks its (organization, day) dirty; the reporting round recomputes
-- dirty days from the source rows, in the transaction that clears the mark. Seats offered roll up the same way for
-- past days; today and later are read live (regeneration keeps changing future slots). A one-year report then reads
-- a few thousand rollup rows instead of a million bookings.

CREATE TABLE report_dirty (
    organization_id uuid NOT NULL,
    day             date NOT NULL,
    marked_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, day)
);

CREATE TABLE report_booking_day (
    organization_id uuid NOT NULL,
    day             date NOT NULL,
    service_id      uuid NOT NULL,
    provider_id     uuid NOT NULL,
    venue_id        uuid,
    currency        char(3) NOT NULL,
    bookings        int NOT NULL,
    held            int NOT NULL,
    pending         int NOT NULL,
    confirmed       int NOT NULL,
    declined        int NOT NULL,
    expired         int NOT NULL,
    cancelled       int NOT NULL,
    completed       int NOT NULL,
    no_show         int NOT NULL,
    seats_booked    int NOT NULL,               -- seats of pending, confirmed, completed and no-show bookings
    lead_minutes    bigint NOT NULL,            -- booking to start, summed over those that went ahead
    lead_count      int NOT NULL,
    captured_minor  bigint NOT NULL,
    refunded_minor  bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (organization_id, day, service_id, provider_id, venue_id, currency)
);

CREATE TABLE report_slot_day (
    organization_id uuid NOT NULL,
    day             date NOT NULL,
    service_id      uuid NOT NULL,
    provider_id     uuid NOT NULL,
    venue_id        uuid,
    slots           int NOT NULL,
    seats_offered   bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (organization_id, day, service_id, provider_id, venue_id)
);

-- Page and funnel events from clients (anonymous allowed), kept for the analytics retention.
CREATE TABLE analytics_event (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_.]{0,63}$'),
    organization_id uuid,
    session_id      text CHECK (length(session_id) <= 100),
    user_id         uuid,
    path            text CHECK (length(path) <= 500),
    properties      jsonb NOT NULL DEFAULT '{}',
    at              timestamptz NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analytics_event_organization ON analytics_event (organization_id, name, at) WHERE organization_id IS NOT NULL;
CREATE INDEX analytics_event_received ON analytics_event (received_at);

-- the live part of reports: learning figures and future seats by organization and time
CREATE INDEX course_order_organization ON course_order (organization_id, paid_at) WHERE paid_at IS NOT NULL;
