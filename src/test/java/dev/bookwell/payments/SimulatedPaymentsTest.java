package dev.bookwell.payments;

import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The offline demo: without a Stripe key the simulated gateway runs the same path, driven by dev endpoints. */
class SimulatedPaymentsTest {

  static TestApp app;
  static World world;
  static String service;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    world = new World(app, "UTC");
    service = world.service(new JsonObject().put("name", "Paid").put("priceMinor", 3000).put("seatsPerSlot", 2));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aSimulatedPaymentConfirmsAndTheLedgerShowsIt() {
    String token = world.userToken();
    var booking = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(service, world.providerId, at(2), 2)), token).bodyAsJsonObject();
    String id = booking.getString("id");
    assertEquals("requires_payment", booking.getJsonObject("payment").getString("status"));

    String stranger = world.userToken();
    assertEquals(404, app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, null).statusCode(),
        "nobody marks another's hold paid");
    assertEquals(404, app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, stranger).statusCode());
    assertEquals("requires_payment", app.call(HttpMethod.GET, "/v1/bookings/" + id + "/payments", null, token)
        .bodyAsJsonObject().getString("status"), "nothing changed");
    var paid = app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token);
    assertEquals(200, paid.statusCode(), paid.bodyAsString());
    assertEquals("captured", paid.bodyAsJsonObject().getString("status"));
    assertEquals("confirmed", app.call(HttpMethod.GET, "/v1/bookings/" + id, null, token).bodyAsJsonObject()
        .getString("status"));

    var ledger = app.call(HttpMethod.GET, "/v1/bookings/" + id + "/payments", null, token);
    assertEquals(200, ledger.statusCode());
    assertEquals(List.of("authorization", "capture"), ledger.bodyAsJsonObject().getJsonArray("movements").stream()
        .map(m -> ((JsonObject) m).getString("kind")).toList());
    assertEquals(404, app.call(HttpMethod.GET, "/v1/bookings/" + id + "/payments", null, world.userToken())
        .statusCode(), "not for strangers");
    assertEquals(409, app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token).statusCode());
  }

  @Test
  void aDeclinedCardLeavesTheHoldStanding() {
    String token = world.userToken();
    String id = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(service, world.providerId, at(3), 2)), token).bodyAsJsonObject().getString("id");
    var failed = app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/fail", null, token);
    assertEquals("failed", failed.bodyAsJsonObject().getString("status"));
    assertEquals("held", app.call(HttpMethod.GET, "/v1/bookings/" + id, null, token).bodyAsJsonObject()
        .getString("status"));
    assertEquals("captured", app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token)
        .bodyAsJsonObject().getString("status"), "a second card works");
  }


  /** A priced service that needs confirmation: the card is authorized at once, captured when staff confirm. */
  @Test
  void aPricedBookingThatNeedsConfirmationIsAuthorizedThenCapturedOnConfirm() {
    String vetted = world.service(new JsonObject().put("name", "Vetted").put("priceMinor", 6000)
        .put("seatsPerSlot", 2).put("requiresConfirmation", true));
    String token = world.userToken();
    var booking = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(vetted, world.providerId, at(4), 2)), token).bodyAsJsonObject();
    String id = booking.getString("id");
    assertEquals("pending_confirmation", booking.getString("status"));
    assertEquals("requires_payment", booking.getJsonObject("payment").getString("status"), booking.encode());

    var tooSoon = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/confirm", null, world.owner);
    assertEquals(409, tooSoon.statusCode(), tooSoon.bodyAsString());
    assertEquals("https://bookwell.dev/problems/payment-pending", tooSoon.bodyAsJsonObject().getString("type"));

    var paid = app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token);
    assertEquals("authorized", paid.bodyAsJsonObject().getString("status"), "held until staff decide");
    assertEquals("pending_confirmation", app.call(HttpMethod.GET, "/v1/bookings/" + id, null, token)
        .bodyAsJsonObject().getString("status"));

    var confirmed = World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + id + "/confirm", null, world.owner));
    assertEquals("confirmed", confirmed.getString("status"));
    assertEquals("captured", confirmed.getJsonObject("payment").getString("status"));
    assertEquals(List.of("authorization", "capture"), movements(id, token));
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + id + "/complete", null, world.owner));
    Wait.on(app.db.update(dev.bookwell.platform.db.Sql.DSL.update(dev.bookwell.db.Tables.PAYMENT)
        .set(dev.bookwell.db.Tables.PAYMENT.SETTLE_AFTER, OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1))
        .where(dev.bookwell.db.Tables.PAYMENT.BOOKING_ID.eq(java.util.UUID.fromString(id)))));
    Wait.on(new dev.bookwell.payments.PaymentsClient(app.vertx.eventBus()).reconcile());
    assertEquals(List.of("authorization", "capture"), movements(id, token), "a booking that took place keeps it");

    var declined = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(vetted, world.providerId, at(5), 2)), token).bodyAsJsonObject().getString("id");
    app.call(HttpMethod.POST, "/v1/dev/payments/" + declined + "/succeed", null, token);
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + declined + "/decline", null, world.owner));
    assertEquals(List.of("authorization", "cancellation"), movements(declined, token), "declined: released");
  }

  /** Nobody confirmed it in six days (a card authorization lasts about seven): declined, the card released. */
  @Test
  void aPricedBookingNobodyConfirmsLapsesAndItsCardIsReleased() {
    String vetted = world.service(new JsonObject().put("name", "Slow to confirm").put("priceMinor", 6000)
        .put("seatsPerSlot", 2).put("requiresConfirmation", true));
    String token = world.userToken();
    String id = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(vetted, world.providerId, at(20), 2)), token).bodyAsJsonObject().getString("id");
    app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token);
    Wait.on(app.db.update(dev.bookwell.platform.db.Sql.DSL.update(dev.bookwell.db.Tables.BOOKING)
        .set(dev.bookwell.db.Tables.BOOKING.CREATED_AT, OffsetDateTime.now(ZoneOffset.UTC).minusDays(7))
        .where(dev.bookwell.db.Tables.BOOKING.ID.eq(java.util.UUID.fromString(id)))));
    var round = Wait.on(dev.bookwell.booking.BookingClient.housekeeping(app.vertx.eventBus()));
    assertEquals(1, round.getInteger("lapsed"), round.encode());
    assertEquals("declined", app.call(HttpMethod.GET, "/v1/bookings/" + id, null, token).bodyAsJsonObject()
        .getString("status"));
    assertEquals(List.of("authorization", "cancellation"), movements(id, token), "the card released");
  }

  private static List<String> movements(String bookingId, String token) {
    return app.call(HttpMethod.GET, "/v1/bookings/" + bookingId + "/payments", null, token).bodyAsJsonObject()
        .getJsonArray("movements").stream().map(m -> ((JsonObject) m).getString("kind")).toList();
  }
}
