-- A booking that ended early with money to give back asks the payments area to do it; until that area has taken
-- the request, the booking area asks again (the bus request may have failed: release-pending).
ALTER TABLE booking ADD COLUMN release_acknowledged_at timestamptz;
CREATE INDEX booking_release_pending ON booking (updated_at)
    WHERE release_acknowledged_at IS NULL AND refund_percent IS NOT NULL AND status IN ('cancelled', 'declined');
