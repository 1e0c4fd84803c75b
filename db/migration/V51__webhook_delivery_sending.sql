SET lock_timeout = '5s';

-- What is being sent to each endpoint (leased, by any instance): a round counts it against the endpoint's share of
-- the batch. Small: a lease is cleared when its attempt's outcome is recorded.
CREATE INDEX webhook_delivery_sending ON webhook_delivery (endpoint_id) WHERE leased_until IS NOT NULL;
