package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;

import dev.bookwell.db.tables.records.PaymentRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * One PaymentIntent per booking, created on request of the booking area after a priced hold commits. Asking again
 * (a retry after Stripe was down) returns the same intent: the payment row and Stripe's idempotency key both
 * derive from the booking.
 */
final class Intents {

  private final Db db;
  private final PaymentGateway gateway;
  private final boolean manualCapture;
  private final int defaultFeeBps;

  Intents(Db db, PaymentGateway gateway, boolean manualCapture, int defaultFeeBps) {
    this.db = db;
    this.gateway = gateway;
    this.manualCapture = manualCapture;
    this.defaultFeeBps = defaultFeeBps;
  }

  /**
   * {bookingId, organizationId, reference, amount, currency} -> {status, intentId, clientSecret}. The account the
   * organization is paid into, and the platform's fee, are decided once, with the payment's row.
   */
  Future<JsonObject> forBooking(JsonObject request) {
    UUID bookingId = UUID.fromString(request.getString("bookingId"));
    long amount = request.getLong("amount");
    String currency = request.getString("currency");
    UUID organizationId = request.getString("organizationId") == null ? null
        : UUID.fromString(request.getString("organizationId"));
    return db.transaction(tx -> Accounts.of(tx, organizationId).compose(account -> tx.update(Sql.DSL.insertInto(PAYMENT)
                .set(PAYMENT.BOOKING_ID, bookingId)
                .set(PAYMENT.STRIPE_ACCOUNT, account.stripeAccount())
                .set(PAYMENT.APPLICATION_FEE_MINOR, account.fee(amount, defaultFeeBps))
                .set(PAYMENT.SUBJECT, request.getString("subject", PaymentsClient.BOOKING))
                .set(PAYMENT.AMOUNT_MINOR, amount)
                .set(PAYMENT.CURRENCY, currency)
                .set(PAYMENT.MANUAL_CAPTURE, manualCapture || Boolean.TRUE.equals(request.getBoolean("manualCapture")))
                .onConflictDoNothing()))
            .compose(x -> Payments.byBooking(tx, bookingId)))
        .compose(found -> {
          var payment = found.orElseThrow();
          if (payment.getIntentId() != null) {
            return Future.succeededFuture(json(payment, payment.getIntentId(), payment.getClientSecret()));
          }
          return gateway.createIntent(bookingId, request.getString("reference"), payment.getAmountMinor(), currency,
                  payment.getManualCapture(), payment.getStripeAccount(), payment.getApplicationFeeMinor())
              .compose(intent -> db.update(Sql.DSL.update(PAYMENT)
                      .set(PAYMENT.INTENT_ID, intent.id()).set(PAYMENT.CLIENT_SECRET, intent.clientSecret())
                      .where(PAYMENT.BOOKING_ID.eq(bookingId)).and(PAYMENT.INTENT_ID.isNull()))
                  .map(json(payment, intent.id(), intent.clientSecret())));
        });
  }

  /** A fresh intent has nothing refunded; the payer gets the client secret to pay with. */
  private static JsonObject json(PaymentRecord payment, String intentId, String clientSecret) {
    return PaymentJson.of(payment, 0).put("intentId", intentId).put("clientSecret", clientSecret);
  }
}
