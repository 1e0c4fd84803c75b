package dev.bookwell.booking;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** How other areas reach the booking area: the only place that knows its bus addresses and message shapes. */
public final class BookingClient {

  static final String PAYMENT_SECURED = "booking.payment-secured";
  static final String HOUSEKEEPING = "booking.housekeeping";
  static final String WAITLIST_ROUND = "booking.waitlist-round";
  /** Request {@code {bookingId, letter}}; reply {@code {booking, ics, userId, guest?, guestToken?}}, or facts. */
  static final String DELIVERY = "booking.delivery";
  static final String PROMO_REDEEM = "booking.promo-redeem";
  static final String PROMO_RELEASE = "booking.promo-release";

  private BookingClient() {
  }

  /**
   * The payments area says a booking's card is authorized: {@code {confirmed, awaitingConfirmation, refundPercent}}
   * says whether the seat is secured and, only if not, what is owed back. Fails with the problem
   * {@code booking-moved} when the booking was rescheduled meanwhile (ask again for the booking the payment now
   * names).
   */
  public static Future<JsonObject> paymentSecured(EventBus bus, UUID bookingId) {
    return bus.<JsonObject>request(PAYMENT_SECURED, new JsonObject().put("bookingId", bookingId.toString()))
        .map(answer -> answer.body());
  }

  /**
   * What a notification sender needs about a booking: {@code {booking, ics, userId, guest?, guestToken?}} (the
   * guest's address and view-link token for a guest booking); 404 for an unknown one.
   */
  public static Future<JsonObject> delivery(EventBus bus, UUID bookingId) {
    return delivery(bus, bookingId, true);
  }

  /**
   * What a caller deciding who hears of a booking needs: {@code {booking, userId, guest}} (the guest's address, for
   * a guest booking), without the letter's calendar entry, meeting link and guest token; 404 for an unknown one.
   */
  public static Future<JsonObject> facts(EventBus bus, UUID bookingId) {
    return delivery(bus, bookingId, false);
  }

  private static Future<JsonObject> delivery(EventBus bus, UUID bookingId, boolean letter) {
    return bus.<JsonObject>request(DELIVERY, new JsonObject().put("bookingId", bookingId.toString())
        .put("letter", letter)).map(answer -> answer.body());
  }

  /**
   * An organization's promo code applied to a purchase of {@code subtotal} by {@code userKey} (a course order,
   * {@code subjectId}); its use is counted at once. Gives the discount in minor units; fails with the problem
   * {@code promo-code-invalid} (422) or {@code promo-code-exhausted} (409).
   */
  public static Future<Long> redeemPromo(EventBus bus, UUID organizationId, String code, long subtotal,
                                         String userKey, UUID subjectId) {
    return bus.<JsonObject>request(PROMO_REDEEM, new JsonObject().put("organizationId", organizationId.toString())
            .put("code", code).put("subtotal", subtotal).put("userKey", userKey)
            .put("subjectId", subjectId.toString()))
        .map(answer -> answer.body().getLong("discountMinor"));
  }

  /** Gives back the promo use recorded under {@code subjectId} (the purchase did not happen or was refunded). */
  public static Future<Void> releasePromo(EventBus bus, UUID subjectId) {
    return bus.request(PROMO_RELEASE, new JsonObject().put("subjectId", subjectId.toString())).mapEmpty();
  }

  /** One waitlist round now (offers settled, freed seats offered): {@code {closed, offered}}; tests use it. */
  public static Future<JsonObject> waitlistRound(EventBus bus) {
    return bus.<JsonObject>request(WAITLIST_ROUND, new JsonObject()).map(answer -> answer.body());
  }

  /** One housekeeping round now (releases asked again, unconfirmed bookings lapsed); tests and operators use it. */
  public static Future<JsonObject> housekeeping(EventBus bus) {
    return bus.<JsonObject>request(HOUSEKEEPING, new JsonObject()).map(answer -> answer.body());
  }
}
