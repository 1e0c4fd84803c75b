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
    String policy = Refunds.refundKey(payment, 2250, 0);
    assertEquals(policy, Refunds.refundKey(payment, 2250, 0), "a retry reuses it");
    assertNotEquals(policy, Refunds.refundKey(payment, 4500, 0), "a full refund is another refund");
    assertNotEquals(policy, Refunds.refundKey(payment, 2250, 2250), "so is a second one of the same amount");
  }
}
