package dev.bookwell.booking;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * Asks the payments area for a held booking's PaymentIntent. Never fails: when the processor cannot be reached,
 * the answer says so and names the retry, and the hold stands.
 */
final class PaymentRequests {

  static final String INTENT = "payments.intent";
  /** Capture an authorized card, once staff confirmed the booking it pays for. */
  static final String CAPTURE = "payments.capture";

  private final EventBus bus;
  private final BookingReads reads;

  PaymentRequests(EventBus bus, BookingReads reads) {
    this.bus = bus;
    this.reads = reads;
  }

  Future<JsonObject> request(JsonObject booking) {
    var ask = new JsonObject()
        .put("bookingId", booking.getString("id"))
        .put("reference", booking.getString("reference"))
        .put("amount", booking.getJsonObject("amount").getLong("total"))
        .put("currency", booking.getJsonObject("amount").getString("currency"))
        // waiting for staff: authorize only, whatever the capture mode; captured when they confirm
        .put("manualCapture", "pending_confirmation".equals(booking.getString("status")) ? Boolean.TRUE : null);
    return bus.<JsonObject>request(INTENT, ask, new DeliveryOptions().setSendTimeout(20_000))
        .map(answer -> answer.body())
        .otherwise(e -> new JsonObject().put("status", "unavailable")
            .put("retry", "POST /v1/bookings/" + booking.getString("id") + "/payment"));
  }

  /** GET /v1/bookings/{id}/payments: the payment and its ledger, for whoever may see the booking. */
  Future<ApiReply> ledger(ApiRequest request) {
    return reads.get(request).compose(reply -> bus.<JsonObject>request("payments.ledger",
            new JsonObject().put("bookingId", ((JsonObject) reply.body()).getString("id")))
        .map(answer -> ApiReply.ok(answer.body())));
  }

  /**
   * POST /v1/dev/payments/{id}/succeed|fail (simulated payments only): plays the customer's card for a booking the
   * caller may act on (the booker, the guest's token, staff); anyone else gets 404 as for any booking.
   */
  Future<ApiReply> simulate(ApiRequest request, String outcome) {
    return reads.get(request).compose(reply -> bus.<JsonObject>request("payments.simulate",
            new JsonObject().put("bookingId", ((JsonObject) reply.body()).getString("id")).put("outcome", outcome))
        .map(answer -> ApiReply.ok(answer.body())));
  }

  /** POST /v1/bookings/{id}/payment: the intent again (the same one), for a hold that still stands. */
  Future<ApiReply> retry(ApiRequest request) {
    return reads.get(request).compose(reply -> {
      var booking = (JsonObject) reply.body();
      if (!"held".equals(booking.getString("status")) && !("pending_confirmation".equals(booking.getString("status"))
          && booking.getJsonObject("amount").getLong("total") > 0)) {
        throw Problem.of("illegal-transition", 409, "Nothing to pay",
            "The booking is " + booking.getString("status") + "; only a standing hold is paid.").toException();
      }
      return request(booking).map(payment -> ApiReply.ok(booking.put("payment", payment)));
    });
  }
}
