-- Issue 18: the payments-by-status gauge counts payments changed in the last day, every 15 s, off this index.
CREATE INDEX payment_updated ON payment (updated_at);
