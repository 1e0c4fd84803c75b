-- Every hold looks up the holder's own live bookings of the slot: a guest's seats under one email (the per-guest
-- cap) or a user's booking (no stacking). booking_slot_guest (V44) was meant for the guest's, but the planner chose
-- booking_slot (slot_id) instead whenever its statistics said the slot had about one booking: always so for a
-- course that opens to a rush, whose bookings all arrive before the next ANALYZE. Both indexes then look equally
-- cheap, and booking_slot read every booking of the slot on every hold (the 5,000th hold 5,000 rows; measured at
-- 16 ms of a 17 ms hold in the open-loop benchmark). One index leading with slot_id leaves it no worse choice:
-- (slot, who booked): the user's id, or 'guest:' and the guest's email in lower case (HoldGuards.BOOKER writes the
-- same expression; the prefix keeps a guest who types a user's id apart from that user). It also serves every
-- query by slot alone. Building it locks out writes to booking while it runs; on a large table, create it
-- CONCURRENTLY by hand before upgrading (the same statement with CONCURRENTLY, outside a transaction) and this
-- finds it there. The old indexes are dropped only once the new one is valid: a failed concurrent build leaves an
-- invalid index of this name, and the migration then stops here (drop it and build again).
CREATE INDEX IF NOT EXISTS booking_slot_booker
    ON booking (slot_id, coalesce(user_id::text, 'guest:' || lower(guest ->> 'email')));
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE i.indrelid = 'booking'::regclass AND c.relname = 'booking_slot_booker' AND i.indisvalid) THEN
        RAISE EXCEPTION 'booking_slot_booker is not valid (a failed CREATE INDEX CONCURRENTLY?): drop it and migrate again';
    END IF;
END $$;
DROP INDEX IF EXISTS booking_slot_guest;
DROP INDEX IF EXISTS booking_slot;
