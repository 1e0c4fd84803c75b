-- What is owed back when a booking ends early, kept on both sides so the reconciler can enforce it: the booking
-- decides the share (its policy, or all of it), the payment remembers it (from the booking's event or the release
-- request) and retries the refund with backoff until the money back matches.
ALTER TABLE booking ADD COLUMN refund_percent int CHECK (refund_percent BETWEEN 0 AND 100);
ALTER TABLE payment
    ADD COLUMN refund_percent int CHECK (refund_percent BETWEEN 0 AND 100),
    ADD COLUMN attempts int NOT NULL DEFAULT 0,
    ADD COLUMN retry_at timestamptz;
CREATE INDEX payment_owed ON payment (retry_at) WHERE refund_percent IS NOT NULL;
