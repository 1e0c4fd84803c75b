-- Issue 14 (first part): the notifications area. Events it handled (at-least-once delivery: a redelivered event
-- finds its row and sends nothing), and the email log, which is also the queue: a row per message, sent by the
-- mailer when due, retried with backoff. A row names what to say (template + ids), never a token: links with
-- tokens are asked of the owning area when the message is rendered, so no secret rests in this table.
CREATE TABLE notification_event (
    consumer   text NOT NULL,
    event_id   uuid NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE TYPE email_status AS ENUM ('queued', 'sent', 'failed');

CREATE TABLE email_message (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id        uuid NOT NULL,
    template        text NOT NULL,
    params          jsonb NOT NULL DEFAULT '{}',
    recipient       text NOT NULL,
    status          email_status NOT NULL DEFAULT 'queued',
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX email_message_due ON email_message (next_attempt_at) WHERE status = 'queued';
