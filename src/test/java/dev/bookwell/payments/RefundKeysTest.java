package dev.bookwell.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.bookwell.db.tables.records.PaymentRecord;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Stripe refuses an idempotency key reused with other parameters: each refund has its own key, retries share it. */
class RefundKeysTest {

  @Test
  void aKeyPerAmountAndReasonTheSameForARetry() {
    var payment = new PaymentRecord().setBookingId(UUID.randomUUID());
    String policy = Refunds.refundKey(payment, 2250, "cancelled by the client");
    assertEquals(policy, Refunds.refundKey(payment, 2250, "cancelled by the client"), "a retry reuses it");
    assertNotEquals(policy, Refunds.refundKey(payment, 4500, "cancelled by the client"));
    assertNotEquals(policy, Refunds.refundKey(payment, 2250, "paid after the seat was gone"));
  }
}
