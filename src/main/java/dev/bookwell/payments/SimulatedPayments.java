package dev.bookwell.payments;

import dev.bookwell.db.enums.PaymentStatus;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.UUID;

/**
 * POST /v1/dev/payments/{bookingId}/succeed|fail: in simulated mode only, plays the part of the customer and of
 * Stripe's webhook, so the offline demo runs the same authorize, secure, capture path.
 */
final class SimulatedPayments {

  private final Db db;
  private final Settlement settlement;
  private final boolean enabled;

  SimulatedPayments(Db db, Settlement settlement, boolean enabled) {
    this.db = db;
    this.settlement = settlement;
    this.enabled = enabled;
  }

  Future<ApiReply> succeed(ApiRequest request) {
    return move(request, EnumSet.of(PaymentStatus.requires_payment, PaymentStatus.failed), PaymentStatus.authorized,
        "authorization")
        .compose(payment -> settlement.settle(payment.getIntentId()).map(payment.getBookingId()))
        .compose(this::outcome);
  }

  Future<ApiReply> fail(ApiRequest request) {
    return move(request, EnumSet.of(PaymentStatus.requires_payment), PaymentStatus.failed, "failure")
        .compose(payment -> outcome(payment.getBookingId()));
  }

  private Future<dev.bookwell.db.tables.records.PaymentRecord> move(ApiRequest request, EnumSet<PaymentStatus> from,
                                                                    PaymentStatus to, String kind) {
    if (!enabled) {
      throw Problem.notFound("The simulated payment endpoints exist only without STRIPE_SECRET_KEY.").toException();
    }
    UUID bookingId = UUID.fromString(request.path().getString("bookingId"));
    return db.transaction(tx -> Payments.byBooking(tx, bookingId).compose(found -> {
      var payment = found.orElseThrow(() -> Problem.notFound("No payment for booking " + bookingId + ".")
          .toException());
      return Payments.move(tx, payment, from, to, kind, "sim_" + UUID.randomUUID(), null).map(moved -> {
        if (!moved) {
          throw Problem.of("illegal-transition", 409, "Illegal transition",
              "The payment is " + payment.getStatus().getLiteral() + ".").toException();
        }
        return payment;
      });
    }));
  }

  private Future<ApiReply> outcome(UUID bookingId) {
    return Payments.byBooking(db, bookingId).map(payment -> ApiReply.ok(new JsonObject()
        .put("bookingId", bookingId.toString())
        .put("paymentStatus", payment.orElseThrow().getStatus().getLiteral())));
  }
}
