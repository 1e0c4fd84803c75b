-- The hold transaction Bookwell runs since round two (issue 19), as a pgbench script, statement for statement:
-- the slot's facts with the guest's advisory lock joined in (one round trip), then one data-modifying statement
-- that picks a free seat with FOR UPDATE SKIP LOCKED (nobody waiting, the slot still bookable; among the 64 seat
-- numbers from a random one first, then after them, then before), inserts the booking only if a seat was found
-- and the guest stays within the per-slot cap, gives it the seat and writes the outbox event. BEGIN, two
-- statements, COMMIT. hold.sql is round one's transaction (the old ceiling), which had no guest cap, waitlist or
-- bookability checks and took four statements.
\set n random(1, :slots)
SELECT quote_literal(slot_id::text) AS slot, quote_literal(gen_random_uuid()::text || '@example.org') AS email,
       quote_literal(gen_random_uuid()::text) AS booking FROM bench_slot WHERE n = :n \gset
BEGIN;
SELECT s.id, s.status, s.starts_at, v.price_minor, v.seats_per_slot, v.guests_allowed, p.status,
       s.starts_at >= now() + make_interval(mins => v.min_notice_minutes) AS notice_ok,
       EXISTS (SELECT 1 FROM provider_organization po WHERE po.provider_id = s.provider_id
               AND po.organization_id = s.organization_id AND po.status = 'active'
               AND po.requirements_lapsed_at IS NULL) AS works_there
  FROM slot s JOIN service v ON v.id = s.service_id JOIN provider p ON p.id = s.provider_id
  CROSS JOIN (SELECT pg_advisory_xact_lock(hashtextextended(:slot || '/' || :email, 0))) AS guest_lock
  WHERE s.id = :slot AND v.deleted_at IS NULL;
-- (the pick's three parts repeat its conditions: each locks its own rows)
WITH picked AS MATERIALIZED (
WITH start AS MATERIALIZED (
  SELECT 1 + floor(random() * max(seat_no))::int AS seat_no FROM seat WHERE slot_id = :slot),
near AS MATERIALIZED (
  SELECT seat.id FROM seat JOIN slot ON slot.id = seat.slot_id
  WHERE seat.slot_id = :slot AND seat.state = 'free'
    AND seat.seat_no >= (SELECT seat_no FROM start) AND seat.seat_no < (SELECT seat_no FROM start) + 64
    AND NOT EXISTS (SELECT 1 FROM waitlist_entry w WHERE w.slot_id = :slot AND w.status = 'waiting')
    AND slot.status = 'open'
    AND EXISTS (SELECT 1 FROM provider_organization po WHERE po.provider_id = slot.provider_id
                AND po.organization_id = slot.organization_id AND po.status = 'active'
                AND po.requirements_lapsed_at IS NULL)
    AND (slot.origin <> 'rule' OR NOT EXISTS (SELECT 1 FROM calendar_busy b WHERE b.provider_id = slot.provider_id
                                              AND b.during && slot.occupied))
  ORDER BY seat.seat_no LIMIT 1 FOR UPDATE OF seat SKIP LOCKED),
after AS MATERIALIZED (
  SELECT seat.id FROM seat JOIN slot ON slot.id = seat.slot_id
  WHERE seat.slot_id = :slot AND seat.state = 'free' AND seat.seat_no >= (SELECT seat_no FROM start) + 64
    AND NOT EXISTS (SELECT 1 FROM waitlist_entry w WHERE w.slot_id = :slot AND w.status = 'waiting')
    AND slot.status = 'open'
    AND EXISTS (SELECT 1 FROM provider_organization po WHERE po.provider_id = slot.provider_id
                AND po.organization_id = slot.organization_id AND po.status = 'active'
                AND po.requirements_lapsed_at IS NULL)
    AND (slot.origin <> 'rule' OR NOT EXISTS (SELECT 1 FROM calendar_busy b WHERE b.provider_id = slot.provider_id
                                              AND b.during && slot.occupied))
  ORDER BY seat.seat_no LIMIT 1 - (SELECT count(*) FROM near) FOR UPDATE OF seat SKIP LOCKED),
before AS MATERIALIZED (
  SELECT seat.id FROM seat JOIN slot ON slot.id = seat.slot_id
  WHERE seat.slot_id = :slot AND seat.state = 'free' AND seat.seat_no < (SELECT seat_no FROM start)
    AND NOT EXISTS (SELECT 1 FROM waitlist_entry w WHERE w.slot_id = :slot AND w.status = 'waiting')
    AND slot.status = 'open'
    AND EXISTS (SELECT 1 FROM provider_organization po WHERE po.provider_id = slot.provider_id
                AND po.organization_id = slot.organization_id AND po.status = 'active'
                AND po.requirements_lapsed_at IS NULL)
    AND (slot.origin <> 'rule' OR NOT EXISTS (SELECT 1 FROM calendar_busy b WHERE b.provider_id = slot.provider_id
                                              AND b.during && slot.occupied))
  ORDER BY seat.seat_no LIMIT 1 - (SELECT count(*) FROM near) - (SELECT count(*) FROM after) FOR UPDATE OF seat SKIP LOCKED)
SELECT id FROM near UNION ALL SELECT id FROM after UNION ALL SELECT id FROM before),
made AS (
  INSERT INTO booking (id, reference, status, slot_id, organization_id, provider_id, service_id, one_to_one,
                       starts_at, ends_at, during, guest, seats, subtotal_minor, discount_minor, total_minor, currency,
                       full_refund_hours, late_refund_percent, hold_expires_at)
  SELECT :booking, (SELECT 'BW-' || string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ',
                                                 1 + floor(random() * 32)::int, 1), '')
                    FROM generate_series(1, 6)), 'held', s.id, s.organization_id,
         s.provider_id, s.service_id, false, s.starts_at, s.ends_at, s.occupied,
         jsonb_build_object('name', 'Bench', 'email', :email), 1, 1000, 0, 1000, 'EUR', 24, 0,
         now() + interval '10 minutes'
  FROM slot s WHERE s.id = :slot AND (SELECT count(*) FROM picked) = 1
    AND (SELECT coalesce(sum(seats), 0) FROM booking WHERE slot_id = :slot
         AND coalesce(user_id::text, 'guest:' || lower(guest ->> 'email')) = 'guest:' || lower(:email)
         AND (status IN ('pending_confirmation', 'confirmed') OR status = 'held' AND hold_expires_at > now())) + 1 <= 4
  ON CONFLICT (reference) DO NOTHING  -- a clash of references (32^6 of them, as the service draws): nothing taken
  RETURNING *),
given AS (
  UPDATE seat SET booking_id = :booking, state = 'held', held_until = now() + interval '10 minutes'
  WHERE seat.id = ANY (ARRAY(SELECT id FROM picked)) AND EXISTS (SELECT 1 FROM made) RETURNING seat.id),
written AS (
  INSERT INTO outbox_event (type, aggregate_type, aggregate_id, payload)
  SELECT 'booking.held', 'booking', :booking, '{"status": "held"}' WHERE EXISTS (SELECT 1 FROM made)
  RETURNING id)
SELECT id, reference, status FROM made;
COMMIT;
