-- Issue 16: a certificate's holder is reminded once, 30 days before it expires.
ALTER TABLE certificate ADD COLUMN expiry_reminded_at timestamptz;
CREATE INDEX certificate_expiring ON certificate (expires_at)
    WHERE expiry_reminded_at IS NULL AND revoked_at IS NULL AND expires_at IS NOT NULL;
