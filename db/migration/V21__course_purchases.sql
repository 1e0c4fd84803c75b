-- Issue 15: priced self-paced courses are bought through the payments flow. A payment now pays for a subject: a
-- booking (as before) or a course order; payment.booking_id holds the subject's id, so its foreign key to booking
-- goes (the subject column says which area answers for it).
ALTER TABLE payment DROP CONSTRAINT payment_booking_id_fkey;
ALTER TABLE payment_ledger DROP CONSTRAINT payment_ledger_booking_id_fkey;
ALTER TABLE payment ADD COLUMN subject text NOT NULL DEFAULT 'booking' CHECK (subject IN ('booking', 'course_order'));

-- A purchase of a course: pending until its payment is secured, then paid (and the buyer enrolled, once).
CREATE TABLE course_order (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id       uuid NOT NULL REFERENCES course,
    organization_id uuid NOT NULL,
    user_id         uuid NOT NULL,
    amount_minor    bigint NOT NULL CHECK (amount_minor > 0),
    currency        char(3) NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'refunded')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    paid_at         timestamptz
);
-- one open order per person and course: buying twice pays once
CREATE UNIQUE INDEX course_order_pending ON course_order (course_id, user_id) WHERE status = 'pending';

-- Refund policy of a priced course: withdrawing within this many days of paying refunds in full, later nothing.
ALTER TABLE course ADD COLUMN refund_days int NOT NULL DEFAULT 14 CHECK (refund_days BETWEEN 0 AND 365);
ALTER TABLE enrollment ADD COLUMN order_id uuid REFERENCES course_order;
