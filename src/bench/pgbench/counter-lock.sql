-- The design many booking systems use: one capacity counter row per slot, taken under a plain row lock.
-- Every client queues on the same row; :counter picks the row.
BEGIN;
UPDATE bench_counter SET taken = taken + 1 WHERE id = :counter AND taken < capacity;
INSERT INTO outbox_event (type, aggregate_type, aggregate_id, payload) VALUES ('bench.held', 'booking', 'x', '{}');
COMMIT;
