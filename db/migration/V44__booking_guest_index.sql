-- A guest's live seats of a slot are counted on every guest hold (the per-guest cap). With only booking_slot that
-- count read every booking of the slot, so a course of 5,000 seats cost the 5,000th hold 5,000 rows. This finds
-- the guest's own bookings of the slot directly. Building it locks out writes to booking while it runs; on a
-- large table, create it CONCURRENTLY by hand before upgrading (the same statement with CONCURRENTLY, outside a
-- transaction) and this migration finds it there; if that build failed, it left an invalid index of this name
-- (pg_index.indisvalid is false): drop it and build again, or this migration skips it. Not CONCURRENTLY here: Flyway's migration lock is held in a
-- transaction, which a concurrent index build would wait for forever.
CREATE INDEX IF NOT EXISTS booking_slot_guest ON booking (slot_id, lower(guest ->> 'email')) WHERE guest IS NOT NULL;
