package dev.bookwell.payments;

import dev.bookwell.db.enums.PaymentStatus;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.UUID;

/**
 * POST /v1/dev/payments/{bookingId}/succeed|fail: in simulated mode only, plays the part of the customer and of
 * Stripe's webhook, so the offline demo runs the same authorize, secure, capture path. The booking area checks
 * who asks (the booking's owner, its guest token, staff) and then asks here over the bus ({@code payments.simulate}).
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

  /** {bookingId, outcome: succeed | fail} -> {bookingId, paymentStatus} */
  Future<JsonObject> simulate(JsonObject request) {
    UUID bookingId = UUID.fromString(request.getString("bookingId"));
    return "succeed".equals(request.getString("outcome")) ? succeed(bookingId) : fail(bookingId);
  }

  private Future<JsonObject> succeed(UUID bookingId) {
    return move(bookingId, EnumSet.of(PaymentStatus.requires_payment, PaymentStatus.failed), PaymentStatus.authorized,
        "authorization")
        .compose(payment -> settlement.settle(payment).map(payment.getBookingId()))
        .compose(this::outcome);
  }

  private Future<JsonObject> fail(UUID bookingId) {
    return move(bookingId, EnumSet.of(PaymentStatus.requires_payment), PaymentStatus.failed, "failure")
        .compose(payment -> outcome(payment.getBookingId()));
  }

  private Future<dev.bookwell.db.tables.records.PaymentRecord> move(UUID bookingId, EnumSet<PaymentStatus> from,
                                                                    PaymentStatus to, String kind) {
    if (!enabled) {
      throw Problem.notFound("The simulated payment endpoints exist only with BOOKWELL_PAYMENTS=simulated.")
          .toException();
    }
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

  private Future<JsonObject> outcome(UUID bookingId) {
    return PaymentJson.read(db, bookingId);
  }
}
