-- Releasing or confirming a booking's seats looks them up by booking; without this every cancel, confirm and expiry
-- scanned the seat table.
CREATE INDEX seat_booking ON seat (booking_id) WHERE booking_id IS NOT NULL;
