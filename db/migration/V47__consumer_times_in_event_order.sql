-- The outbox consumers of notifications and webhooks handle a batch of events in one transaction
-- (OutboxConsumer.roundTogether), where now() is the same for every event: the rows they write would tie on their
-- times, and a booking's "confirmed" and "cancelled" messages could list in either order. These columns take the
-- time each row is written instead, which follows the events' order within the transaction.
ALTER TABLE notification ALTER COLUMN created_at SET DEFAULT clock_timestamp();
ALTER TABLE outgoing_message ALTER COLUMN created_at SET DEFAULT clock_timestamp();
ALTER TABLE outgoing_message ALTER COLUMN next_attempt_at SET DEFAULT clock_timestamp();
ALTER TABLE webhook_delivery ALTER COLUMN created_at SET DEFAULT clock_timestamp();
ALTER TABLE webhook_delivery ALTER COLUMN next_at SET DEFAULT clock_timestamp();
