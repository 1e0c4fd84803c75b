-- Issue 14: reminders are rows, not timers, so a restart loses none. Each is claimed when due with SKIP LOCKED
-- and turned into a queued email in the same transaction (several instances never send one twice).
CREATE TYPE reminder_status AS ENUM ('scheduled', 'queued', 'dropped');

CREATE TABLE reminder (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    booking_id  uuid NOT NULL,
    due_at      timestamptz NOT NULL,
    starts_at   timestamptz NOT NULL,
    recipient   text NOT NULL,
    timezone    text NOT NULL,
    status      reminder_status NOT NULL DEFAULT 'scheduled',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (booking_id, due_at)
);
CREATE INDEX reminder_due ON reminder (due_at) WHERE status = 'scheduled';

-- Per organization: how long before the start reminders go out (minutes); no row means 24 h and 1 h.
CREATE TABLE notification_settings (
    organization_id  uuid PRIMARY KEY,
    reminder_minutes int[] NOT NULL CHECK (cardinality(reminder_minutes) <= 5),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
