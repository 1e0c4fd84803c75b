package dev.bookwell.payments;

import static dev.bookwell.scheduling.World.at;
import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.SEAT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.FakeStripe;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** BOOKWELL_CAPTURE=automatic: the money is taken at once; if the seat is gone by then, it all goes back. */
class AutomaticCaptureTest {

  static final String SECRET = "whsec_auto";
  static FakeStripe stripe;
  static TestApp app;
  static World world;
  static String service;

  @BeforeAll
  static void start() {
    stripe = new FakeStripe();
    app = TestApp.start("openapi.yaml", Map.of("STRIPE_SECRET_KEY", "sk_test_auto", "STRIPE_API_BASE",
        stripe.apiBase(), "STRIPE_WEBHOOK_SECRET", SECRET, "BOOKWELL_CAPTURE", "automatic",
        "BOOKWELL_HOLD_SWEEP_INTERVAL", "1h"));
    world = new World(app, "UTC");
    service = world.service(new JsonObject().put("name", "Auto").put("priceMinor", 7000));
  }

  @AfterAll
  static void stop() {
    app.close();
    stripe.close();
  }

  @Test
  void aPaymentConfirmsTheBooking() {
    var booking = hold(world.session(service, world.providerId, at(2), 1));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    assertEquals("automatic", stripe.intent(intentId).getString("capture_method"));
    webhook(stripe.pay(intentId));
    dev.bookwell.support.Eventually.until("confirmed", () -> "confirmed".equals(bookingStatus(booking)));
    assertEquals(List.of("capture"), ledger(booking));
  }

  @Test
  void aLatePaymentWhoseSeatIsGoneIsRefundedInFull() {
    String slot = world.session(service, world.providerId, at(3), 1);
    var late = hold(slot);
    var past = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1);
    UUID id = UUID.fromString(late.getString("id"));
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.HOLD_EXPIRES_AT, past).where(BOOKING.ID.eq(id))));
    Wait.on(app.db.update(Sql.DSL.update(SEAT).set(SEAT.HELD_UNTIL, past).where(SEAT.BOOKING_ID.eq(id))));
    hold(slot);  // the seat goes to someone else

    String intentId = late.getJsonObject("payment").getString("intentId");
    webhook(stripe.pay(intentId));
    dev.bookwell.support.Eventually.until("refunded", () -> stripe.intent(intentId).getLong("amount_refunded", 0L) == 7000L
        && "refunded".equals(Wait.on(app.db.fetchOne(Sql.DSL.select(PAYMENT.STATUS).from(PAYMENT)
            .where(PAYMENT.BOOKING_ID.eq(id)))).value1().getLiteral()));
    assertEquals("expired", bookingStatus(late));
    assertEquals(7000L, stripe.intent(intentId).getLong("amount_refunded"));
    assertEquals("refunded", Wait.on(app.db.fetchOne(Sql.DSL.select(PAYMENT.STATUS).from(PAYMENT)
        .where(PAYMENT.BOOKING_ID.eq(id)))).value1().getLiteral());
    assertEquals(List.of("capture", "refund"), ledger(late));
  }

  private static void webhook(JsonObject intent) {
    var event = stripe.event("payment_intent.succeeded", intent, SECRET, System.currentTimeMillis() / 1000);
    var response = Wait.on(app.client.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json")
        .putHeader("Stripe-Signature", event.signature()).sendBuffer(Buffer.buffer(event.payload())));
    assertEquals(200, response.statusCode(), response.bodyAsString());
  }

  private static JsonObject hold(String slot) {
    var response = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
        .put("guest", new JsonObject().put("name", "A").put("email", UUID.randomUUID() + "@example.org")), null);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  private static String bookingStatus(JsonObject booking) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(BOOKING.STATUS).from(BOOKING)
        .where(BOOKING.ID.eq(UUID.fromString(booking.getString("id")))))).value1().getLiteral();
  }

  private static List<String> ledger(JsonObject booking) {
    return LedgerRows.kinds(app.db, booking);
  }

}
