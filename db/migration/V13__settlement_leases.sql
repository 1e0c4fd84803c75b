-- Settlement that survives a lost step: a captured payment whose seat was never checked (the check after the
-- webhook's answer failed or the process stopped) is checked again by the reconciler from settle_after; payments
-- waiting for staff are looked at again only later. retry_at doubles as a lease: whoever sets it ahead owns the
-- payment's refunds until then.
ALTER TABLE payment ADD COLUMN settle_after timestamptz;
CREATE INDEX payment_settle ON payment (settle_after) WHERE settle_after IS NOT NULL;
