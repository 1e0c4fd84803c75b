-- Issue 15 review (money): a course order's refund is owed until payments acknowledges it, and an order left
-- unpaid ends (its intent voided, its promo use given back). Promo codes apply to courses only when created so.
ALTER TABLE course_order DROP CONSTRAINT course_order_status_check;
ALTER TABLE course_order ADD CONSTRAINT course_order_status_check
    CHECK (status IN ('pending', 'paid', 'refunded', 'cancelled'));
ALTER TABLE course_order ADD COLUMN release_acknowledged_at timestamptz;
CREATE INDEX course_order_unsettled ON course_order (created_at)
    WHERE status = 'pending' OR (status IN ('refunded', 'cancelled') AND release_acknowledged_at IS NULL);
ALTER TABLE promo_code ADD COLUMN courses boolean NOT NULL DEFAULT false;
