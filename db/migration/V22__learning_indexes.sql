-- Issue 15 review: a quiz's attempts are found by the quiz (staff listings, "was it ever attempted").
CREATE INDEX quiz_attempt_lesson ON quiz_attempt (lesson_id, started_at DESC);

-- A promo code's use may be a course order's (the booking area counts it for the learning area): the use names its
-- subject, a booking or an order, so its foreign key to booking goes.
ALTER TABLE promo_use DROP CONSTRAINT promo_use_booking_id_fkey;

-- What a promo code took off a course order.
ALTER TABLE course_order ADD COLUMN discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0);
ALTER TABLE course_order DROP CONSTRAINT course_order_amount_minor_check;
ALTER TABLE course_order ADD CONSTRAINT course_order_amount_minor_check CHECK (amount_minor >= 0);
