-- Issue 17, from review: a delivery gives up on its own deadline (set at its first failure), so one payload a
-- receiver always refuses cannot hold a booking's later events for ever while other deliveries succeed.
ALTER TABLE webhook_delivery ADD COLUMN retry_until timestamptz;
CREATE INDEX webhook_delivery_finished ON webhook_delivery (created_at) WHERE status <> 'pending';
