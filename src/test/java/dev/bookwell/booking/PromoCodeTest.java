package dev.bookwell.booking;

import static dev.bookwell.scheduling.World.at;
import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.PROMO_CODE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Promo codes at hold time: limits that hold under concurrency, and uses given back by holds that end unpaid. */
class PromoCodeTest {

  static TestApp app;
  static World world;
  static String service;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    world = new World(app, "UTC");
    service = world.service(new JsonObject().put("name", "Course").put("priceMinor", 10000).put("seatsPerSlot", 300));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void twoHundredConcurrentHoldsOnACodeLimitedToTenGiveTenDiscounts() {
    code("TENONLY", "percent", 20, new JsonObject().put("maxUses", 10));
    String slot = world.session(service, world.providerId, at(3), 300);
    var holds = new ArrayList<Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < 200; i++) {
      holds.add(app.callAsync(HttpMethod.POST, "/v1/bookings", guestHold(slot).put("promoCode", "tenonly"), null));
    }
    Wait.on(Future.join(holds));
    var results = holds.stream().map(Future::result).toList();
    var discounted = results.stream().filter(r -> r.statusCode() == 201).toList();
    assertEquals(10, discounted.size());
    discounted.forEach(r -> assertEquals(2000L, r.bodyAsJsonObject().getJsonObject("amount").getLong("discount")));
    assertEquals(190, results.stream().filter(r -> r.statusCode() == 409
        && r.bodyAsJsonObject().getString("type").endsWith("promo-code-exhausted")).count());
    assertEquals(10, uses("TENONLY"));
  }

  @Test
  void aCancelledHoldGivesItsUseBack() {
    code("ONCE", "fixed", 1500, new JsonObject().put("maxUses", 1));
    String slot = world.session(service, world.providerId, at(4), 300);
    var first = app.call(HttpMethod.POST, "/v1/bookings", guestHold(slot).put("promoCode", "ONCE"), null)
        .bodyAsJsonObject();
    assertEquals(new JsonObject().put("subtotal", 10000).put("discount", 1500).put("total", 8500).put("currency", "EUR"),
        first.getJsonObject("amount"));
    assertEquals(409, app.call(HttpMethod.POST, "/v1/bookings", guestHold(slot).put("promoCode", "ONCE"), null)
        .statusCode());

    var cancel = app.client.post("/v1/bookings/" + first.getString("id") + "/cancel")
        .putHeader("X-Booking-Token", first.getString("accessToken")).send();
    assertEquals(200, Wait.on(cancel).statusCode());
    assertEquals(0, uses("ONCE"));
    assertEquals(201, app.call(HttpMethod.POST, "/v1/bookings", guestHold(slot).put("promoCode", "ONCE"), null)
        .statusCode());
  }

  @Test
  void codesThatDoNotApplyAreRefusedNamingTheField() {
    code("BIGONLY", "percent", 10, new JsonObject().put("minAmount", 50000));
    String slot = world.session(service, world.providerId, at(5), 300);
    var small = app.call(HttpMethod.POST, "/v1/bookings", guestHold(slot).put("promoCode", "BIGONLY"), null);
    assertEquals(422, small.statusCode());
    assertEquals("promoCode", small.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
    assertEquals(422, app.call(HttpMethod.POST, "/v1/bookings", guestHold(slot).put("promoCode", "NOSUCH"), null)
        .statusCode());
    var stranger = app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/promo-codes",
        new JsonObject().put("code", "MINE").put("kind", "percent").put("value", 5), world.userToken());
    assertEquals(403, stranger.statusCode());
    // a date that is not one, and a limit past an int (it wrapped to 1 use): 400, nothing created
    for (var bad : List.of(new JsonObject().put("validFrom", "tomorrow"),
        new JsonObject().put("validUntil", "2027-02-30T00:00:00Z"), new JsonObject().put("maxUses", 4294967297L))) {
      var refused = app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/promo-codes",
          new JsonObject().put("code", "ODD").put("kind", "percent").put("value", 5).mergeIn(bad), world.owner);
      assertEquals(400, refused.statusCode(), bad + ": " + refused.bodyAsString());
    }
    assertEquals(0, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(PROMO_CODE).where(PROMO_CODE.CODE.eq("ODD"))))
        .value1());
  }

  /**
   * A late payment takes seats afresh for a hold that expired, and the code use the expiry gave back counts again
   * under the code's limits; if someone else took the use meanwhile, the late payment is refused and its money goes
   * back. Otherwise a single-use code, paid late again and again, would discount any number of bookings.
   */
  @Test
  void aLatePaymentTakesItsCodeUseAgainOrGivesTheMoneyBack() {
    code("LATEONCE", "fixed", 1500, new JsonObject().put("maxUses", 1));
    String slot = world.session(service, world.providerId, at(6), 300);
    var refused = app.call(HttpMethod.POST, "/v1/bookings", guestHold(slot).put("promoCode", "LATEONCE"), null)
        .bodyAsJsonObject();
    sweep(refused);
    assertEquals(0, uses("LATEONCE"), "the expired hold gave its use back");
    var taker = app.call(HttpMethod.POST, "/v1/bookings", guestHold(slot).put("promoCode", "LATEONCE"), null)
        .bodyAsJsonObject();
    assertEquals(8500L, taker.getJsonObject("amount").getLong("total"));

    assertEquals("canceled", payLate(refused), "the use went to another hold: the authorization is released");
    assertEquals(BookingStatus.expired, status(refused));
    assertEquals(1, uses("LATEONCE"), "only the other hold's use counts");

    sweep(taker);
    assertEquals("captured", payLate(taker), "the use was free again: taken, and the booking paid");
    assertEquals(BookingStatus.confirmed, status(taker));
    assertEquals(1, uses("LATEONCE"));
    assertEquals(409, app.call(HttpMethod.POST, "/v1/bookings", guestHold(slot).put("promoCode", "LATEONCE"), null)
        .statusCode(), "the late payer's use counts against the limit again");
  }

  /**
   * A late payment takes seats afresh only as a new hold could: here the service's minimum notice grew meanwhile
   * past the slot's start, so the payment goes back and the booking stays expired.
   */
  @Test
  void aLatePaymentPassesANewHoldsChecksOrGivesTheMoneyBack() {
    String noticed = world.service(new JsonObject().put("name", "Noticed").put("priceMinor", 4000)
        .put("seatsPerSlot", 5));
    String slot = world.session(noticed, world.providerId, at(7), 5);
    var late = app.call(HttpMethod.POST, "/v1/bookings", guestHold(slot), null).bodyAsJsonObject();
    sweep(late);
    var longer = app.call(HttpMethod.PATCH, "/v1/services/" + noticed, new JsonObject()
        .put("minNoticeMinutes", 525600), world.owner);
    assertEquals(200, longer.statusCode(), longer.bodyAsString());
    assertEquals("canceled", payLate(late), "within the notice now: no seat taken, the authorization released");
    assertEquals(BookingStatus.expired, status(late));
  }

  /** What the hold sweeper does to a hold whose time ran out. */
  private static void sweep(JsonObject hold) {
    Wait.on(app.db.transaction(tx -> Holds.expire(tx, List.of(UUID.fromString(hold.getString("id"))),
        "hold-expired")));
  }

  /** The guest's card authorized (simulated payments) after the hold expired; the payment's status after. */
  private static String payLate(JsonObject hold) {
    var paid = Wait.on(app.client.post("/v1/dev/payments/" + hold.getString("id") + "/succeed")
        .putHeader("X-Booking-Token", hold.getString("accessToken")).send());
    assertEquals(200, paid.statusCode(), paid.bodyAsString());
    return paid.bodyAsJsonObject().getString("status");
  }

  private static BookingStatus status(JsonObject hold) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(BOOKING.STATUS).from(BOOKING)
        .where(BOOKING.ID.eq(UUID.fromString(hold.getString("id")))))).value1();
  }

  private static void code(String code, String kind, long value, JsonObject more) {
    var created = app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/promo-codes",
        new JsonObject().put("code", code).put("kind", kind).put("value", value).mergeIn(more), world.owner);
    assertEquals(201, created.statusCode(), created.bodyAsString());
  }

  private static int uses(String code) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(PROMO_CODE.USES).from(PROMO_CODE).where(PROMO_CODE.CODE.eq(code))))
        .value1();
  }

  private static JsonObject guestHold(String slot) {
    return new JsonObject().put("slotId", slot)
        .put("guest", new JsonObject().put("name", "P").put("email", UUID.randomUUID() + "@example.org"));
  }

}
