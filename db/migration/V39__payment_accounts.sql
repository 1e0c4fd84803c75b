-- Issue 17: each organization is paid into its own Stripe account (Connect, direct charges: Stripe-Account on every
-- call), with an application fee the platform sets per organization (basis points; null: the platform default).
CREATE TABLE organization_payment_account (
    organization_id     uuid PRIMARY KEY REFERENCES organization,
    stripe_account      text UNIQUE CHECK (stripe_account ~ '^acct_[A-Za-z0-9]{1,64}$'),
    application_fee_bps int CHECK (application_fee_bps BETWEEN 0 AND 5000),
    connected_by        uuid,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Where each payment's intent lives (null: the platform's own account) and the fee taken on it: captures, releases
-- and refunds go to that account whatever the organization connects later.
ALTER TABLE payment ADD COLUMN stripe_account text,
                    ADD COLUMN application_fee_minor bigint NOT NULL DEFAULT 0 CHECK (application_fee_minor >= 0);
