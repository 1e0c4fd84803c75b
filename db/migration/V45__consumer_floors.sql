-- Issue 19: where each internal consumer's rounds start. A round looked at every event of its types in its whole
-- window (one to seven days) to find the few it had not handled: with 300,000 events in a day that was a 280 ms
-- scan per round, every second or two, for each consumer on each node, even with nothing to do. Below its floor a
-- consumer has handled every event (OutboxConsumer keeps it, and sweeps the whole window now and then as well).
CREATE TABLE consumer_floor (
    consumer   text PRIMARY KEY,
    seq        bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
