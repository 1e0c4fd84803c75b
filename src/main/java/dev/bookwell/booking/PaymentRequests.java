package dev.bookwell.booking;

import dev.bookwell.db.enums.WaitlistStatus;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import io.vertx.core.Future;
import dev.bookwell.payments.PaymentsClient;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * Asks the payments area for a held booking's PaymentIntent. Never fails: when the processor cannot be reached,
 * the answer says so and names the retry, and the hold stands.
 */
final class PaymentRequests {

  private final Db db;
  private final PaymentsClient payments;
  private final BookingReads reads;

  PaymentRequests(Db db, PaymentsClient payments, BookingReads reads) {
    this.db = db;
    this.payments = payments;
    this.reads = reads;
  }

  /**
   * A booking that awaits the client's card (a hold, or a priced one waiting for staff: authorized now, captured on
   * confirmation) gets its payment intent, asked for after its transaction committed; if Stripe is down it stands.
   */
  Future<ApiReply> attach(ApiReply reply) {
    var booking = (JsonObject) reply.body();
    boolean awaitsPayment = "held".equals(booking.getString("status"))
        || "pending_confirmation".equals(booking.getString("status"))
        && booking.getJsonObject("amount").getLong("total") > 0;
    if (!awaitsPayment) {
      return Future.succeededFuture(reply);
    }
    return request(booking).map(payment -> {
      booking.put("payment", payment);
      return reply;
    });
  }

  Future<JsonObject> request(JsonObject booking) {
    // waiting for staff: authorize only, whatever the capture mode; captured when they confirm
    return payments.intent(UUID.fromString(booking.getString("id")),
            UUID.fromString(booking.getString("organizationId")), booking.getString("reference"),
            booking.getJsonObject("amount").getLong("total"), booking.getJsonObject("amount").getString("currency"),
            "pending_confirmation".equals(booking.getString("status")))
        .otherwise(e -> new JsonObject().put("status", "unavailable")
            .put("retry", "POST /v1/bookings/" + booking.getString("id") + "/payment"));
  }

  /** GET /v1/bookings/{id}/payments: the payment and its ledger, for whoever may see the booking. */
  Future<ApiReply> ledger(ApiRequest request) {
    return reads.visible(request).compose(booking -> payments.ledger(booking.getId()).map(ApiReply::ok));
  }

  /**
   * POST /v1/dev/payments/{id}/succeed|fail (simulated payments only): plays the customer's card for a booking the
   * caller may act on (the booker, the guest's token, staff); anyone else gets 404 as for any booking.
   */
  Future<ApiReply> simulate(ApiRequest request, String outcome) {
    return reads.visible(request).compose(booking -> payments.simulate(booking.getId(), outcome).map(ApiReply::ok));
  }

  /** POST /v1/bookings/{id}/payment: the intent again (the same one), for a hold that still stands. */
  Future<ApiReply> retry(ApiRequest request) {
    return reads.visible(request).compose(record -> {
      var booking = BookingJson.of(record);
      if (!"held".equals(booking.getString("status")) && !("pending_confirmation".equals(booking.getString("status"))
          && booking.getJsonObject("amount").getLong("total") > 0)) {
        throw Problem.of("illegal-transition", 409, "Nothing to pay",
            "The booking is " + booking.getString("status") + "; only a standing hold is paid.").toException();
      }
      return Waitlists.offerHold(db, record.getId(), WaitlistStatus.offered).compose(offer -> {
        if (offer) {
          throw Problem.of("offer-not-accepted", 409, "Accept the offer first", "This hold is a waitlist offer: "
              + "accept it (POST /v1/waitlist/{entryId}/accept), which answers with its payment.").toException();
        }
        return request(booking).map(payment -> ApiReply.ok(booking.put("payment", payment)));
      });
    });
  }
}
