-- A delivery's sender holds it until leased_until (Dispatcher's lease); next_at alone could not tell that lease
-- from a wait before the next retry, so a redelivery of a delivery waiting to retry (up to the maximum backoff,
-- hours) was refused as if it were being sent. Cleared when the attempt's outcome is recorded.
ALTER TABLE webhook_delivery ADD COLUMN leased_until timestamptz;
