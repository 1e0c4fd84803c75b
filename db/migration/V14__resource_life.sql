-- Issue 13: resources have their full life. A revoked invitation can no longer be accepted or delivered; a
-- deactivated promo code no longer applies (bookings that used it keep their discount).
ALTER TABLE organization_invitation ADD COLUMN revoked_at timestamptz;
ALTER TABLE promo_code ADD COLUMN deactivated_at timestamptz;
