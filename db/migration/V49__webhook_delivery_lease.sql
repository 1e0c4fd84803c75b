SET lock_timeout = '5s';

-- A delivery's sender holds it until leased_until (Dispatcher's lease, also the token its outcome is recorded
-- against); next_at alone could not tell that lease from a wait before the next retry, so a redelivery of a
-- delivery waiting to retry (up to the maximum backoff, hours) was refused as if it were being sent. Cleared when
-- the attempt's outcome is recorded. Rows leased by nodes of an earlier version (during a rolling upgrade) have
-- none: a redelivery takes them at once, and at worst a delivery is sent twice, which receivers dedupe by event id.
ALTER TABLE webhook_delivery ADD COLUMN leased_until timestamptz;
