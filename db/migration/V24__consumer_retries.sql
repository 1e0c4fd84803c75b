-- An internal consumer's events that failed: tried again with backoff (not every round), and given up after a
-- number of attempts (recorded as consumed with that outcome), so one bad event never blocks the ones after it.
CREATE TABLE consumer_retry (
    consumer   text NOT NULL,
    event_id   uuid NOT NULL,
    attempts   int NOT NULL,
    next_at    timestamptz NOT NULL,
    last_error text,
    PRIMARY KEY (consumer, event_id)
);
ALTER TABLE consumed_event ADD COLUMN outcome text NOT NULL DEFAULT 'handled'
    CHECK (outcome IN ('handled', 'gone', 'given_up'));
