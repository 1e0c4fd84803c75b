-- Issue 14: in-app notifications, per person. Read ones sort after unread ones (is_read first in the index).
CREATE TABLE notification (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL,
    event_id    uuid NOT NULL,
    category    text NOT NULL,
    title       text NOT NULL,
    message     text NOT NULL,
    link        text,
    is_read     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, event_id)
);
CREATE INDEX notification_inbox ON notification (user_id, is_read, created_at DESC, id DESC);
