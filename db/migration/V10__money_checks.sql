-- Money (issue 12): a ledger row for a Stripe event whose amount or currency is not the payment's (recorded, never
-- acted on), and prices Stripe can charge (at most 99,999,999 minor units per payment).
ALTER TABLE payment_ledger DROP CONSTRAINT payment_ledger_kind_check;
ALTER TABLE payment_ledger ADD CONSTRAINT payment_ledger_kind_check
    CHECK (kind IN ('authorization', 'capture', 'cancellation', 'failure', 'refund', 'dispute', 'mismatch'));
ALTER TABLE service ADD CONSTRAINT service_price_max CHECK (price_minor <= 99999999) NOT VALID;  -- new rows
ALTER TABLE promo_code ADD CONSTRAINT promo_code_value_max CHECK (value <= 99999999) NOT VALID;
