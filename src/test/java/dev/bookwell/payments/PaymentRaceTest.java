package dev.bookwell.payments;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;
import static dev.bookwell.db.Tables.SEAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.PaymentStatus;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.FakeStripe;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Webhooks, hold expiry and cancellations racing on the same bookings. Whatever the interleaving, every booking
 * ends confirmed and captured, or released and uncaptured, or refunded, and the ledger agrees with Stripe.
 */
class PaymentRaceTest {

  static final String SECRET = "whsec_race";

  @Test
  void everyBookingEndsPaidAndSeatedOrWithTheMoneyBack() {
    try (FakeStripe stripe = new FakeStripe();
         TestApp app = TestApp.start("openapi.yaml", Map.of("STRIPE_SECRET_KEY", "sk_test_race",
             "STRIPE_API_BASE", stripe.apiBase(), "STRIPE_WEBHOOK_SECRET", SECRET,
             "BOOKWELL_HOLD_SWEEP_INTERVAL", "1h"))) {
      var world = new World(app, "UTC");
      String service = world.service(new JsonObject().put("name", "Race").put("priceMinor", 6000)
          .put("seatsPerSlot", 60));
      String slot = world.session(service, world.providerId,
          OffsetDateTime.now(ZoneOffset.UTC).plusDays(5).truncatedTo(ChronoUnit.HOURS), 60);

      var bookings = new ArrayList<JsonObject>();
      for (int i = 0; i < 30; i++) {
        var hold = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
            .put("guest", new JsonObject().put("name", "R" + i).put("email", UUID.randomUUID() + "@example.org")), null);
        assertEquals(201, hold.statusCode(), hold.bodyAsString());
        bookings.add(hold.bodyAsJsonObject());
      }
      var racing = new ArrayList<Future<?>>();
      for (int i = 0; i < bookings.size(); i++) {
        var booking = bookings.get(i);
        UUID id = UUID.fromString(booking.getString("id"));
        if (i % 3 == 0) {  // this hold has run out of time
          var past = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1);
          Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.HOLD_EXPIRES_AT, past).where(BOOKING.ID.eq(id))));
          Wait.on(app.db.update(Sql.DSL.update(SEAT).set(SEAT.HELD_UNTIL, past).where(SEAT.BOOKING_ID.eq(id))));
        }
        var intent = stripe.authorize(booking.getJsonObject("payment").getString("intentId"));
        var event = stripe.event("payment_intent.amount_capturable_updated", intent, SECRET,
            System.currentTimeMillis() / 1000);
        racing.add(app.client.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json")
            .putHeader("Stripe-Signature", event.signature()).sendBuffer(Buffer.buffer(event.payload())));
        if (i % 2 == 0) {
          racing.add(app.client.post("/v1/bookings/" + id + "/cancel")
              .putHeader("X-Booking-Token", booking.getString("accessToken")).send());
        }
        if (i % 5 == 0) {  // Stripe delivers some events twice
          racing.add(app.client.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json")
              .putHeader("Stripe-Signature", event.signature()).sendBuffer(Buffer.buffer(event.payload())));
        }
      }
      Wait.on(Future.join(racing));
      // Settlements run after the webhooks' answers: wait until every payment reached a final state.
      dev.bookwell.support.Eventually.until("every payment settled", () -> Wait.on(app.db.fetchOne(Sql.DSL
          .selectCount().from(PAYMENT).where(PAYMENT.STATUS.in(PaymentStatus.requires_payment,
              PaymentStatus.authorized)))).value1() == 0);

      int confirmed = 0;
      for (var booking : bookings) {
        UUID id = UUID.fromString(booking.getString("id"));
        var status = Wait.on(app.db.fetchOne(Sql.DSL.select(BOOKING.STATUS).from(BOOKING).where(BOOKING.ID.eq(id))))
            .value1();
        var payment = Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(PAYMENT).where(PAYMENT.BOOKING_ID.eq(id))));
        var intent = stripe.intent(payment.getIntentId());
        long captured = sum(app, id, "capture");
        long refunded = sum(app, id, "refund");
        String story = id + ": booking " + status + ", payment " + payment.getStatus() + ", Stripe " + intent;
        if (status == BookingStatus.confirmed) {
          confirmed++;
          assertEquals(PaymentStatus.captured, payment.getStatus(), story);
          assertEquals("succeeded", intent.getString("status"), story);
          assertEquals(6000L, captured - refunded, story);
        } else {
          assertTrue(status == BookingStatus.cancelled || status == BookingStatus.expired, story);
          assertTrue(payment.getStatus() == PaymentStatus.canceled && intent.getString("status").equals("canceled")
              || payment.getStatus() == PaymentStatus.refunded && intent.getLong("amount_refunded") == 6000L, story);
          assertEquals(0L, captured - refunded, story);
        }
      }
      assertTrue(confirmed > 0 && confirmed < bookings.size(), "the race produced both outcomes: " + confirmed);
      int seatsTaken = Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT)
          .where(SEAT.SLOT_ID.eq(UUID.fromString(slot))).and(SEAT.BOOKING_ID.isNotNull()))).value1();
      assertEquals(confirmed, seatsTaken, "a seat for every confirmed booking, none for the others");
    }
  }

  private static long sum(TestApp app, UUID bookingId, String kind) {
    var total = Wait.on(app.db.fetchOne(Sql.DSL.select(org.jooq.impl.DSL.sum(PAYMENT_LEDGER.AMOUNT_MINOR))
        .from(PAYMENT_LEDGER).where(PAYMENT_LEDGER.BOOKING_ID.eq(bookingId)).and(PAYMENT_LEDGER.KIND.eq(kind))))
        .value1();
    return total == null ? 0 : total.longValue();
  }
}
