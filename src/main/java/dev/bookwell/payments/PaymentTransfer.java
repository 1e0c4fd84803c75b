package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import java.util.UUID;

/**
 * Money follows the booking: when a booking is replaced by another (a reschedule), its payment and ledger move to
 * the new booking in the transaction that replaces it, so cancelling the new booking refunds what was paid for the
 * old one. The booking area calls this with its own transaction: a bus request could not share it.
 */
final class PaymentTransfer {

  private PaymentTransfer() {
  }

  /** Moves the payment of {@code from} (if any) and its ledger to {@code to}, which must already exist. */
  static Future<Void> move(Sql tx, UUID from, UUID to) {
    return tx.update(Sql.DSL.update(PAYMENT).set(PAYMENT.BOOKING_ID, to).set(PAYMENT.UPDATED_AT, SqlTime.now())
            .where(PAYMENT.BOOKING_ID.eq(from)))
        .compose(x -> tx.update(Sql.DSL.update(PAYMENT_LEDGER).set(PAYMENT_LEDGER.BOOKING_ID, to)
            .where(PAYMENT_LEDGER.BOOKING_ID.eq(from))))
        .mapEmpty();
  }
}
