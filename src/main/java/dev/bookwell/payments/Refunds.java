package dev.bookwell.payments;

import dev.bookwell.db.enums.PaymentStatus;
import dev.bookwell.db.tables.records.PaymentRecord;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Db;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.UUID;

/**
 * Money back when a booking ends early: an authorization not yet captured is released; a captured payment is
 * refunded by the percentage the booking area decided (the service's policy, or 100 when staff cancel). Partial
 * refunds are tracked as {@code partially_refunded}; reason and who asked go into the ledger.
 */
final class Refunds {

  private final Db db;
  private final PaymentGateway gateway;

  Refunds(Db db, PaymentGateway gateway) {
    this.db = db;
    this.gateway = gateway;
  }

  /** {bookingId, refundPercent, reason, by} -> {paymentStatus, refunded} */
  Future<JsonObject> release(JsonObject request) {
    UUID bookingId = UUID.fromString(request.getString("bookingId"));
    int percent = request.getInteger("refundPercent");
    String note = new JsonObject().put("reason", request.getString("reason")).put("by", request.getString("by"))
        .encode();
    return Payments.byBooking(db, bookingId).compose(found -> {
      if (found.isEmpty() || found.get().getIntentId() == null) {
        return Future.succeededFuture(outcome("none", 0));
      }
      var payment = found.get();
      return switch (payment.getStatus()) {
        case requires_payment, failed, authorized -> gateway.cancel(payment.getIntentId(), "release-" + bookingId)
            .compose(x -> db.transaction(tx -> Payments.move(tx, payment,
                EnumSet.of(PaymentStatus.requires_payment, PaymentStatus.failed, PaymentStatus.authorized),
                PaymentStatus.canceled, "cancellation", null, note)))
            .map(outcome("canceled", 0))
            // Stripe refuses to cancel an intent that a concurrent settlement has just captured: refund it instead.
            .recover(e -> gateway.retrieve(payment.getIntentId()).compose(intent -> {
              if (!"succeeded".equals(intent.status())) {
                return Future.failedFuture(e);
              }
              return db.transaction(tx -> Payments.move(tx, payment, EnumSet.of(PaymentStatus.authorized),
                      PaymentStatus.captured, "capture", null, null))
                  .compose(x -> refund(payment, percent, note));
            }));
        case captured -> refund(payment, percent, note);
        default -> Future.succeededFuture(outcome(payment.getStatus().getLiteral(), 0));
      };
    });
  }

  private Future<JsonObject> refund(PaymentRecord payment, int percent, String note) {
    long amount = payment.getAmountMinor() * percent / 100;
    if (amount == 0) {
      return Future.succeededFuture(outcome("captured", 0));
    }
    PaymentStatus to = amount == payment.getAmountMinor() ? PaymentStatus.refunded : PaymentStatus.partially_refunded;
    return gateway.refund(payment.getIntentId(), amount, refundKey(payment, amount, note))
        .compose(refundId -> db.transaction(tx -> Payments.move(tx, payment, EnumSet.of(PaymentStatus.captured),
            to, "refund", amount, refundId, null, note)))
        .map(outcome(to.getLiteral(), amount));
  }

  /**
   * One refund, one key: the same refund asked again (a retry) reuses it, and Stripe answers as before; a refund of
   * another amount or for another reason gets its own (Stripe refuses a key reused with other parameters).
   */
  static String refundKey(PaymentRecord payment, long amount, String reason) {
    return "refund-" + payment.getBookingId() + "-" + amount + "-"
        + java.util.HexFormat.of().formatHex(SecretTokens.digest(reason), 0, 6);
  }

  private static JsonObject outcome(String status, long refunded) {
    return new JsonObject().put("paymentStatus", status).put("refunded", refunded);
  }
}
