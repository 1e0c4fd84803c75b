-- Issue 14 (second part): the email log becomes the log of every outgoing message, whatever its channel (email,
-- SMS, push); people choose their channels per category; addresses that refused mail for good, or asked for no
-- more of a kind, are remembered.
ALTER TABLE email_message RENAME TO outgoing_message;
ALTER INDEX email_message_due RENAME TO outgoing_message_due;
ALTER TYPE email_status RENAME TO message_status;
-- bounced: the server refused the address for good (5xx); skipped: not sent because the address bounced before
ALTER TYPE message_status ADD VALUE 'bounced';
ALTER TYPE message_status ADD VALUE 'skipped';

ALTER TABLE outgoing_message
    ADD COLUMN channel text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms', 'push')),
    ADD COLUMN category text NOT NULL DEFAULT 'account',
    ADD COLUMN locale text NOT NULL DEFAULT 'en',
    ADD COLUMN organization_id uuid;        -- whose staff may read the row; null for account messages
CREATE INDEX outgoing_message_org ON outgoing_message (organization_id, created_at DESC, id DESC)
    WHERE organization_id IS NOT NULL;

-- Reminders go to a person on their channels, in their language.
ALTER TABLE reminder
    ADD COLUMN user_id uuid,
    ADD COLUMN reference text,
    ADD COLUMN name text,
    ADD COLUMN phone text,
    ADD COLUMN locale text NOT NULL DEFAULT 'en',
    ADD COLUMN organization_id uuid;

-- Per person: channels per category, overriding the defaults ({"reminder": ["email", "sms"], ...}).
CREATE TABLE notification_preference (
    user_id    uuid PRIMARY KEY,
    channels   jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Per organization: which booking events its staff may opt in to (new bookings and cancellations by default).
ALTER TABLE notification_settings
    ADD COLUMN staff_events text[] NOT NULL DEFAULT '{booking.confirmed,booking.cancelled}';

-- An address whose server refused it for good: later mail to it is skipped (and logged as skipped).
CREATE TABLE email_suppression (
    address    text PRIMARY KEY,
    reason     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One-click unsubscribes (RFC 8058), by address and category, so guests can leave too.
CREATE TABLE email_unsubscribe (
    address    text NOT NULL,
    category   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (address, category)
);

-- The locale a person reads messages in.
ALTER TABLE app_user ADD COLUMN locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'de'));
