package dev.bookwell.payments;

import dev.bookwell.db.tables.records.PaymentRecord;
import dev.bookwell.platform.api.Money;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * The one shape of a booking's payment, wherever it is shown (the hold, the booking, a cancel, the ledger):
 * {@code {status, amount, refunded, intentId}} with money as {@code {amountMinor, currency}}; the payer's
 * {@code clientSecret} is added where the payer asks for the intent, {@code pending} where money is still to move.
 */
final class PaymentJson {

  private PaymentJson() {
  }

  static JsonObject of(PaymentRecord payment, long refundedMinor) {
    return new JsonObject()
        .put("status", payment.getStatus().getLiteral())
        .put("amount", Money.json(payment.getAmountMinor(), payment.getCurrency()))
        .put("refunded", Money.json(refundedMinor, payment.getCurrency()))
        .put("intentId", payment.getIntentId())
        // the payer's Stripe.js needs it to find an intent made on the organization's own account
        .put("stripeAccountId", payment.getStripeAccount());
  }

  /** The payment of a booking as it is now (refunded: net of refunds Stripe failed); {@code status: none} if none. */
  static Future<JsonObject> read(Sql sql, UUID bookingId) {
    return Payments.byBooking(sql, bookingId).compose(found -> found.isEmpty()
        ? Future.succeededFuture(new JsonObject().put("status", "none"))
        : Refunds.refundedSoFar(sql, bookingId).map(refunded -> of(found.get(), refunded.net())));
  }
}
