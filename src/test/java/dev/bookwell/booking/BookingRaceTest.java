package dev.bookwell.booking;

import static dev.bookwell.scheduling.World.at;
import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.db.Tables.SEAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.SeatState;
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
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real concurrent HTTP requests racing for seats, then the database is checked: nothing is ever oversold. */
class BookingRaceTest {

  static TestApp app;
  static World world;
  static String priced;
  static String oneToOne;

  @BeforeAll
  static void start() {
    app = TestApp.start("openapi.yaml", Map.of("BOOKWELL_HOLD_SWEEP_INTERVAL", "1h"));
    world = new World(app, "UTC");
    priced = world.service(new JsonObject().put("name", "Course").put("seatsPerSlot", 12).put("priceMinor", 9900));
    oneToOne = world.service(new JsonObject().put("name", "Consult").put("priceMinor", 5000));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void fiveHundredRacersForTwelveSeatsGiveExactlyTwelveHolds() {
    String slot = world.session(priced, world.providerId, at(3), 12);
    var results = race(app, 500, i -> slot);

    assertEquals(12, count(results, 201));
    assertEquals(488, count(results, 409));
    results.forEach(r -> assertTrue(r.statusCode() < 500, r.bodyAsString()));
    results.stream().filter(r -> r.statusCode() == 409).forEach(r -> assertEquals(
        "https://bookwell.dev/problems/slot-unavailable", r.bodyAsJsonObject().getString("type")));
    assertEquals(12, seats(slot, SeatState.held));
    assertEquals(12, bookings(slot, BookingStatus.held));
  }

  /**
   * One signed-in user sends twenty holds for one session at once (a double-clicking client, a retry storm):
   * one hold, the others 409 already-booked, whichever path each took.
   */
  @Test
  void oneUserRacingHimselfForASessionHoldsItOnce() {
    String slot = world.session(priced, world.providerId, at(4), 12);
    String token = world.userToken();
    var requests = new ArrayList<Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < 20; i++) {
      requests.add(app.callAsync(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot), token));
    }
    Wait.on(Future.join(requests));
    var results = requests.stream().map(Future::result).toList();

    assertEquals(1, count(results, 201));
    results.stream().filter(r -> r.statusCode() != 201).forEach(r -> {
      assertEquals(409, r.statusCode(), r.bodyAsString());
      assertEquals("https://bookwell.dev/problems/already-booked", r.bodyAsJsonObject().getString("type"));
    });
    assertEquals(1, bookings(slot, BookingStatus.held));
    assertEquals(1, seats(slot, SeatState.held));
  }

  @Test
  void aThousandRacersOverAHundredOneSeatSlotsNeverOversell() {
    var slots = new ArrayList<String>();
    for (int p = 0; p < 10; p++) {
      String provider = world.newActiveProvider(world.userToken(), "UTC", List.of(), List.of());
      for (int h = 0; h < 10; h++) {
        slots.add(world.session(oneToOne, provider, at(5).plusHours(h), 1));
      }
    }
    var random = new Random(42);
    var targets = new ArrayList<String>();
    for (int i = 0; i < 1000; i++) {
      targets.add(slots.get(random.nextInt(slots.size())));
    }
    var results = race(app, 1000, targets::get);

    results.forEach(r -> assertTrue(r.statusCode() == 201 || r.statusCode() == 409, r.bodyAsString()));
    assertEquals(targets.stream().distinct().count(), count(results, 201), "each targeted slot sold exactly once");
    for (String slot : slots) {
      assertTrue(seats(slot, SeatState.held) <= 1, "slot " + slot);
      assertTrue(bookings(slot, BookingStatus.held) <= 1, "slot " + slot);
    }
  }

  /**
   * A popular doctor's week opening, after a first wave of abandoned holds: 1,000 holds by distinct clients over 100
   * one-seat slots of one provider (two services at the same 50 times, so every time can be taken once). The
   * second wave takes the expired holds' seats while other holds expire the same stale bookings because they
   * overlap their own slot; before bookings were locked before seats, in id order and with SKIP LOCKED, PostgreSQL
   * broke the resulting deadlocks by aborting one side, and clients got 500s.
   */
  @Test
  void aThousandHoldsOverOneProvidersSlotsGiveOnly201And409() {
    String provider = world.newActiveProvider(world.userToken(), "UTC", List.of(), List.of());
    String other = world.service(new JsonObject().put("name", "Follow-up").put("priceMinor", 4000));
    var slots = new ArrayList<String>();
    var times = new java.util.HashMap<String, Integer>();
    for (int t = 0; t < 50; t++) {
      for (String service : List.of(oneToOne, other)) {
        String slot = world.session(service, provider, at(9).plusMinutes(30L * t), 1);
        slots.add(slot);
        times.put(slot, t);
      }
    }
    var firstWave = race(app, 50, i -> slots.get(2 * i));
    firstWave.forEach(r -> assertEquals(201, r.statusCode(), r.bodyAsString()));
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.HOLD_EXPIRES_AT, java.time.OffsetDateTime.now()
        .minusMinutes(1)).where(BOOKING.PROVIDER_ID.eq(UUID.fromString(provider)))));
    Wait.on(app.db.update(Sql.DSL.update(SEAT).set(SEAT.HELD_UNTIL, java.time.OffsetDateTime.now().minusMinutes(1))
        .where(SEAT.SLOT_ID.in(slots.stream().map(UUID::fromString).toList())).and(SEAT.STATE.eq(SeatState.held))));

    var random = new Random(7);
    var targets = new ArrayList<String>();
    for (int i = 0; i < 1000; i++) {
      targets.add(slots.get(random.nextInt(slots.size())));
    }
    var results = race(app, 1000, targets::get);

    results.forEach(r -> assertTrue(r.statusCode() == 201 || r.statusCode() == 409,
        r.statusCode() + " " + r.bodyAsString()));
    assertEquals(targets.stream().map(times::get).distinct().count(), count(results, 201),
        "each targeted time taken exactly once");
    for (String slot : slots) {
      assertTrue(seats(slot, SeatState.held) <= 1, "slot " + slot);
    }
    assertEquals(0, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(BOOKING)
        .where(BOOKING.PROVIDER_ID.eq(UUID.fromString(provider)))
        .and(BOOKING.STATUS.eq(BookingStatus.held)).and(BOOKING.HOLD_EXPIRES_AT.lt(java.time.OffsetDateTime.now()
            .minusSeconds(30))))).value1(), "every first-wave hold was expired (by whoever got to it)");
  }

  @Test
  void twoInstancesWithTheirOwnPoolsOnOneDatabaseNeverOversell() {
    String slot = world.session(priced, world.providerId, at(7), 12);
    try (TestApp second = TestApp.start("openapi.yaml", Map.of(), app.database)) {
      var requests = new ArrayList<Future<HttpResponse<Buffer>>>();
      for (int i = 0; i < 300; i++) {
        TestApp target = i % 2 == 0 ? app : second;
        requests.add(target.callAsync(HttpMethod.POST, "/v1/bookings", guestHold(slot, i), null));
      }
      Wait.on(Future.join(requests));
      var results = requests.stream().map(Future::result).toList();
      assertEquals(12, count(results, 201));
      assertEquals(288, count(results, 409));
    }
    assertEquals(12, seats(slot, SeatState.held));
  }

  @Test
  void abandonedHoldsAreBookableAfterExpiryWithoutTheSweeperWhichLaterExpiresThemOnce() throws Exception {
    try (TestApp quick = TestApp.start("openapi.yaml", Map.of("BOOKWELL_HOLD_TTL", "4s",
        "BOOKWELL_HOLD_SWEEP_INTERVAL", "1h"), app.database)) {
      String slot = world.session(priced, world.providerId, at(9), 12);
      var first = race(quick, 12, i -> slot);
      assertEquals(12, count(first, 201));
      assertEquals(409, quick.call(HttpMethod.POST, "/v1/bookings", guestHold(slot, 999), null).statusCode());

      // four seconds: long enough that a busy machine makes the thirteenth try before the first hold expires
      Thread.sleep(4_200);  // every hold has expired; no sweeper has run
      var second = race(quick, 12, i -> slot);
      assertEquals(12, count(second, 201), "expired seats are taken again");
      assertEquals(12, bookings(slot, BookingStatus.expired), "the abandoned holds were expired on take-over");

      // Abandon the second wave too, then let two sweepers race over them.
      Thread.sleep(4_200);
      var sweeper = new HoldSweeperVerticle(new dev.bookwell.platform.Platform(quick.config, quick.db, null, null));
      Wait.on(quick.vertx.deployVerticle(sweeper));
      var other = new HoldSweeperVerticle(new dev.bookwell.platform.Platform(app.config, app.db, null, null));
      Wait.on(app.vertx.deployVerticle(other));
      Wait.on(Future.all(sweeper.sweep(), other.sweep()));
      Wait.on(Future.all(sweeper.sweep(), other.sweep()));
      assertEquals(24, bookings(slot, BookingStatus.expired));
      assertEquals(0, seats(slot, SeatState.held), "every seat is free again");
      int expiredEvents = Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
          .where(OUTBOX_EVENT.TYPE.eq("booking.expired"))
          .and(DSL.field("payload->>'slotId'", String.class).eq(slot)))).value1();
      assertEquals(24, expiredEvents, "each hold expired exactly once");
    }
  }

  private static List<HttpResponse<Buffer>> race(TestApp target, int n, java.util.function.IntFunction<String> slot) {
    var requests = new ArrayList<Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < n; i++) {
      requests.add(target.callAsync(HttpMethod.POST, "/v1/bookings", guestHold(slot.apply(i), i), null));
    }
    Wait.on(Future.join(requests));
    return requests.stream().map(Future::result).toList();
  }

  private static JsonObject guestHold(String slot, int i) {
    return new JsonObject().put("slotId", slot)
        .put("guest", new JsonObject().put("name", "Racer " + i).put("email", "racer" + i + "-" + UUID.randomUUID()
            + "@example.org"));
  }

  private static long count(List<HttpResponse<Buffer>> results, int status) {
    return results.stream().filter(r -> r.statusCode() == status).count();
  }

  private static int seats(String slot, SeatState state) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(UUID.fromString(slot)))
        .and(SEAT.STATE.eq(state)))).value1();
  }

  private static int bookings(String slot, BookingStatus status) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(BOOKING)
        .where(BOOKING.SLOT_ID.eq(UUID.fromString(slot))).and(BOOKING.STATUS.eq(status)))).value1();
  }

}
