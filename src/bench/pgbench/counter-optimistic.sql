-- Optimistic concurrency: read the version, write only if it did not change. A lost race is a failed attempt
-- (the client would have to retry); pgbench counts it as a transaction that changed nothing.
SELECT taken, version FROM bench_counter WHERE id = :counter \gset
BEGIN;
UPDATE bench_counter SET taken = :taken + 1, version = :version + 1
  WHERE id = :counter AND version = :version AND taken < capacity;
INSERT INTO outbox_event (type, aggregate_type, aggregate_id, payload) VALUES ('bench.held', 'booking', 'x', '{}');
COMMIT;
