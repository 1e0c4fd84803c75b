-- The hold transaction Bookwell runs, as a pgbench script: slot facts, one free seat taken with
-- FOR UPDATE SKIP LOCKED, the booking row, the seat marked held, the outbox event. The slot is drawn at random
-- from bench_slot (n = 1..:slots): one row for the hot slot, thousands for the spread scenario.
\set n random(1, :slots)
SELECT quote_literal(slot_id::text) AS slot FROM bench_slot WHERE n = :n \gset
BEGIN;
SELECT s.id, v.price_minor, p.status FROM slot s JOIN service v ON v.id = s.service_id
  JOIN provider p ON p.id = s.provider_id WHERE s.id = :slot;
WITH picked AS (
  SELECT id FROM seat WHERE slot_id = :slot AND state = 'free' ORDER BY seat_no LIMIT 1 FOR UPDATE SKIP LOCKED),
booked AS (
  INSERT INTO booking (id, reference, status, slot_id, organization_id, provider_id, service_id, one_to_one,
                       starts_at, ends_at, during, guest, seats, subtotal_minor, total_minor, currency,
                       full_refund_hours, late_refund_percent, hold_expires_at)
  SELECT gen_random_uuid(), 'BW-' || upper(substr(md5(random()::text), 1, 6)), 'held', s.id, s.organization_id,
         s.provider_id, s.service_id, false, s.starts_at, s.ends_at, s.occupied, '{"name": "b", "email": "b@x"}',
         1, 1000, 1000, 'EUR', 24, 0, now() + interval '10 minutes'
  FROM slot s WHERE s.id = :slot AND EXISTS (SELECT 1 FROM picked)
  ON CONFLICT (reference) DO NOTHING  -- a rare clash of random references: this attempt takes nothing
  RETURNING id)
UPDATE seat SET state = 'held', booking_id = booked.id, held_until = now() + interval '10 minutes'
  FROM picked, booked WHERE seat.id = picked.id;
INSERT INTO outbox_event (type, aggregate_type, aggregate_id, payload) VALUES ('bench.held', 'booking', 'x', '{}');
COMMIT;
