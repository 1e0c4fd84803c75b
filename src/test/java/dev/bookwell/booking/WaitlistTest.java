package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.WAITLIST_ENTRY;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.SeatState;
import dev.bookwell.db.enums.WaitlistStatus;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Waitlists: offers in join order, exclusive while they stand, lapsing to the next in line; raced over HTTP. */
class WaitlistTest {

  static TestApp app;
  static World world;
  static String free;

  @BeforeAll
  static void start() {
    // rounds only when a test asks (BookingClient.waitlistRound), so every step is seen
    app = TestApp.start("openapi.yaml", Map.of("BOOKWELL_WAITLIST_ROUND", "1h", "BOOKWELL_HOLD_SWEEP_INTERVAL", "1h"));
    world = new World(app, "UTC");
    free = world.service(new JsonObject().put("name", "Workshop").put("priceMinor", 0).put("seatsPerSlot", 10));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aFreedSeatGoesToTheFirstInLineAndNobodyElse() {
    String slot = world.session(free, world.providerId, at(4), 1);
    String first = world.userToken();
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot),
        first));
    String b = world.userToken();
    String c = world.userToken();
    String d = world.userToken();
    var bEntry = joined(join(slot, b));
    assertEquals(1, bEntry.getInteger("position"));
    assertEquals(2, joined(join(slot, c)).getInteger("position"));
    String dId = joined(join(slot, d)).getString("id");
    assertEquals("already-waiting", problem(join(slot, b)));
    assertEquals("already-booked", problem(join(slot, first)));

    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/cancel", null, first));
    Eventually.until("the offer", () -> "offered".equals(entry(bEntry.getString("id"), b).getString("status")));
    var offered = entry(bEntry.getString("id"), b);
    assertNotNull(offered.getString("offerExpiresAt"));
    String stranger = world.userToken();
    assertEquals("slot-unavailable", problem(app.call(HttpMethod.POST, "/v1/bookings",
        new JsonObject().put("slotId", slot), stranger)), "an offered seat is the offered person's");
    Eventually.until("the offer told", () -> World.ok(app.call(HttpMethod.GET, "/v1/me/notifications", null, b))
        .getJsonArray("items").stream().anyMatch(n -> ((JsonObject) n).getString("title")
            .startsWith("A seat is free for you")));

    var accepted = World.ok(app.call(HttpMethod.POST, "/v1/waitlist/" + bEntry.getString("id") + "/accept", null, b));
    assertEquals("confirmed", accepted.getString("status"));
    assertEquals("booked", entry(bEntry.getString("id"), b).getString("status"));
    assertEquals(1, seats(slot, SeatState.booked));

    // B cancels: C is offered; C lets the offer lapse, and it passes to D, not to a stranger
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + accepted.getString("id") + "/cancel", null, b));
    String cId = World.ok(app.call(HttpMethod.GET, "/v1/me/waitlist", null, c)).getJsonArray("items")
        .getJsonObject(0).getString("id");
    Eventually.until("C's offer", () -> "offered".equals(entry(cId, c).getString("status")));
    assertEquals(1, entry(dId, d).getInteger("position"));
    expireOffer(cId);
    assertEquals("offer-lapsed", problem(app.call(HttpMethod.POST, "/v1/waitlist/" + cId + "/accept", null, c)));
    assertEquals("slot-unavailable", problem(app.call(HttpMethod.POST, "/v1/bookings",
        new JsonObject().put("slotId", slot), stranger)), "while D waits, the lapsed offer's seat is D's");
    Wait.on(BookingClient.waitlistRound(app.vertx.eventBus()));
    assertEquals("lapsed", entry(cId, c).getString("status"));
    assertEquals("no-offer", problem(app.call(HttpMethod.POST, "/v1/waitlist/" + cId + "/accept", null, c)),
        "too late");
    assertEquals("offered", entry(dId, d).getString("status"));

    // D leaves: nobody waits any more, so the seat is anyone's
    World.ok(app.call(HttpMethod.DELETE, "/v1/waitlist/" + dId, null, d));
    assertEquals(201, app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot), stranger)
        .statusCode());
    assertEquals("left", entry(dId, d).getString("status"));
  }

  @Test
  void aPricedOfferIsPaidLikeAnyHoldAndLeavingPassesItOn() {
    String priced = world.service(new JsonObject().put("name", "Paid class").put("priceMinor", 4000));
    String slot = world.session(priced, world.providerId, at(5), 1);
    String first = world.userToken();
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot),
        first));
    World.ok(app.call(HttpMethod.POST, "/v1/dev/payments/" + booking + "/succeed", null, first));
    String b = world.userToken();
    String c = world.userToken();
    String bId = joined(join(slot, b)).getString("id");
    String cId = joined(join(slot, c)).getString("id");
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/cancel", null, first));
    Eventually.until("B's offer", () -> "offered".equals(entry(bId, b).getString("status")));

    // B leaves: the offer's hold ends and C is offered the seat
    assertEquals("left", World.ok(app.call(HttpMethod.DELETE, "/v1/waitlist/" + bId, null, b)).getString("status"));
    Eventually.until("C's offer", () -> "offered".equals(entry(cId, c).getString("status")));
    // the offer's hold is paid only once accepted (accepting is where an offer staff confirm goes to them)
    String offered = entry(cId, c).getString("bookingId");
    assertEquals("offer-not-accepted", problem(app.call(HttpMethod.POST, "/v1/bookings/" + offered + "/payment",
        null, c)));
    assertEquals(404, app.call(HttpMethod.POST, "/v1/dev/payments/" + offered + "/succeed", null, c).statusCode(),
        "no intent was made for it, so nothing can be paid");
    // nor moved away from its entry (moved, the hold was paid as no offer any check saw)
    String elsewhere = world.session(priced, world.providerId, at(5).plusHours(3), 1);
    assertEquals("offer-not-movable", problem(app.call(HttpMethod.POST, "/v1/bookings/" + offered + "/reschedule",
        new JsonObject().put("slotId", elsewhere), c)));
    var hold = World.ok(app.call(HttpMethod.POST, "/v1/waitlist/" + cId + "/accept", null, c));
    assertEquals(offered, hold.getString("id"));
    assertEquals("held", hold.getString("status"));
    assertEquals("requires_payment", hold.getJsonObject("payment").getString("status"));
    World.ok(app.call(HttpMethod.POST, "/v1/dev/payments/" + hold.getString("id") + "/succeed", null, c));
    assertEquals("confirmed", World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + hold.getString("id"), null, c))
        .getString("status"));
    Wait.on(BookingClient.waitlistRound(app.vertx.eventBus()));
    assertEquals("booked", entry(cId, c).getString("status"));
  }

  @Test
  void anAcceptedOfferOfAServiceStaffConfirmWaitsForThem() {
    String confirmed = world.service(new JsonObject().put("name", "Assessed").put("priceMinor", 0)
        .put("seatsPerSlot", 4).put("requiresConfirmation", true));
    String slot = world.session(confirmed, world.providerId, at(10), 1);
    String first = world.userToken();
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot),
        first));
    String b = world.userToken();
    String id = joined(join(slot, b)).getString("id");
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/cancel", null, first));
    Eventually.until("the offer", () -> "offered".equals(entry(id, b).getString("status")));
    var accepted = World.ok(app.call(HttpMethod.POST, "/v1/waitlist/" + id + "/accept", null, b));
    assertEquals("pending_confirmation", accepted.getString("status"));
    assertEquals(null, accepted.getString("holdExpiresAt"));
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + accepted.getString("id") + "/confirm", null, world.owner));
    assertEquals(1, seats(slot, SeatState.booked));
  }

  @Test
  void raisingTheCapacityOffersTheNewSeats() {
    String slot = world.session(free, world.providerId, at(9), 2);
    String first = world.userToken();
    World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot).put("seats", 2),
        first));
    String b = world.userToken();
    String id = joined(join(slot, b, new JsonObject().put("seats", 2))).getString("id");
    World.ok(app.call(HttpMethod.PUT, "/v1/slots/" + slot + "/capacity", new JsonObject().put("capacity", 3),
        world.owner));
    Wait.on(BookingClient.waitlistRound(app.vertx.eventBus()));
    assertEquals("waiting", entry(id, b).getString("status"), "one seat is not the two asked for");
    assertEquals("slot-unavailable", problem(app.call(HttpMethod.POST, "/v1/bookings",
        new JsonObject().put("slotId", slot), world.userToken())), "nor anyone else's while B waits");
    World.ok(app.call(HttpMethod.PUT, "/v1/slots/" + slot + "/capacity", new JsonObject().put("capacity", 4),
        world.owner));
    Eventually.until("the offer of two seats", () -> "offered".equals(entry(id, b).getString("status")));
    assertEquals(2, World.ok(app.call(HttpMethod.POST, "/v1/waitlist/" + id + "/accept", null, b)).getInteger("seats"));
    assertEquals(4, seats(slot, SeatState.booked));
  }

  @Test
  void strangersReachNobodysPlaceInLine() {
    String slot = world.session(free, world.providerId, at(6), 1);
    World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot),
        world.userToken()));
    String b = world.userToken();
    String id = joined(join(slot, b)).getString("id");
    String rival = world.userToken();
    World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Rival").put("timezone", "UTC").put("currency", "EUR"), rival));
    assertEquals(404, app.call(HttpMethod.GET, "/v1/waitlist/" + id, null, rival).statusCode());
    assertEquals(404, app.call(HttpMethod.DELETE, "/v1/waitlist/" + id, null, rival).statusCode());
    assertEquals(404, app.call(HttpMethod.POST, "/v1/waitlist/" + id + "/accept", null, rival).statusCode());
    assertEquals(404, app.call(HttpMethod.GET, "/v1/slots/" + slot + "/waitlist", null, rival).statusCode());
    assertEquals(0, World.ok(app.call(HttpMethod.GET, "/v1/me/waitlist", null, rival)).getJsonArray("items").size());
    var line = World.ok(app.call(HttpMethod.GET, "/v1/slots/" + slot + "/waitlist", null, world.owner))
        .getJsonArray("items");
    assertEquals(1, line.size());
    assertEquals("waiting", line.getJsonObject(0).getString("status"), "nothing changed for the victim");
    assertEquals(1, line.getJsonObject(0).getInteger("position"));

    assertEquals(400, join(slot, b, new JsonObject().put("seats", 0)).statusCode());
    assertEquals(400, join(slot, b, new JsonObject().put("seats", "many")).statusCode());
    assertEquals(404, join(UUID.randomUUID().toString(), b, new JsonObject()).statusCode());
    assertEquals(400, app.call(HttpMethod.GET, "/v1/waitlist/not-a-uuid", null, b).statusCode());
    String open = world.session(free, world.providerId, at(7), 3);
    assertEquals("seats-available", problem(join(open, b)));
    assertEquals("seats-exceed-capacity", problem(join(slot, world.userToken(), new JsonObject().put("seats", 2))),
        "nobody blocks a line by waiting for more seats than the slot has");
  }

  /**
   * Ten seats, all booked, twenty people in line. Then the ten bookers cancel while twenty more join and forty
   * strangers try to book, all at once. Afterwards: no stranger got a seat (someone waited all along), no seat is
   * sold twice, and the ten offers went to the first ten in line, each a hold of the person offered.
   */
  @Test
  void racingJoinsCancelsAndStrangersKeepTheLineFair() {
    String slot = world.session(free, world.providerId, at(8), 10);
    var bookings = new ArrayList<String[]>();
    for (int i = 0; i < 10; i++) {
      String token = world.userToken();
      bookings.add(new String[] {token, World.created(app.call(HttpMethod.POST, "/v1/bookings",
          new JsonObject().put("slotId", slot), token))});
    }
    var first = all(tokens(20).stream().map(token -> app.callAsync(HttpMethod.POST, "/v1/slots/" + slot
        + "/waitlist", new JsonObject(), token)).toList());
    first.forEach(r -> assertEquals(201, r.statusCode(), r.bodyAsString()));

    var order = new ArrayList<java.util.function.Supplier<Future<HttpResponse<Buffer>>>>();
    tokens(20).forEach(token -> order.add(() -> app.callAsync(HttpMethod.POST, "/v1/slots/" + slot + "/waitlist",
        new JsonObject(), token)));
    var strangers = new ArrayList<java.util.function.Supplier<Future<HttpResponse<Buffer>>>>();
    tokens(40).forEach(token -> strangers.add(() -> app.callAsync(HttpMethod.POST, "/v1/bookings",
        new JsonObject().put("slotId", slot), token)));
    order.addAll(strangers);
    bookings.forEach(pair -> order.add(() -> app.callAsync(HttpMethod.POST, "/v1/bookings/" + pair[1] + "/cancel",
        null, pair[0])));
    Collections.shuffle(order, new java.util.Random(7));
    var results = all(order.stream().map(java.util.function.Supplier::get).toList());
    results.forEach(r -> assertTrue(r.statusCode() < 500, r.bodyAsString()));
    UUID slotId = UUID.fromString(slot);
    var liveBookings = Sql.DSL.select(BOOKING.ID, BOOKING.USER_ID, BOOKING.STATUS).from(BOOKING)
        .where(BOOKING.SLOT_ID.eq(slotId)).and(BOOKING.STATUS.in(BookingStatus.held, BookingStatus.confirmed));
    // rounds until every seat is offered: a round skips a slot another server holds (the cancellations' own
    // reactions), which on a loaded machine can outlast a fixed number of rounds
    dev.bookwell.support.Eventually.until("every seat offered", () -> {
      Wait.on(BookingClient.waitlistRound(app.vertx.eventBus()));
      return Wait.on(app.db.fetch(liveBookings)).size() >= 10;
    });
    var live = Wait.on(app.db.fetch(liveBookings));
    assertEquals(10, live.size(), "every seat offered, once");
    assertTrue(live.stream().allMatch(r -> r.value3() == BookingStatus.held), "no stranger booked: " + live);
    assertEquals(10, seats(slot, SeatState.held));
    var entries = Wait.on(app.db.fetch(Sql.DSL.selectFrom(WAITLIST_ENTRY).where(WAITLIST_ENTRY.SLOT_ID.eq(slotId))
        .orderBy(WAITLIST_ENTRY.JOINED_AT, WAITLIST_ENTRY.ID)));
    assertEquals(40, entries.size());
    for (int i = 0; i < entries.size(); i++) {
      var entry = entries.get(i);
      assertEquals(i < 10 ? WaitlistStatus.offered : WaitlistStatus.waiting, entry.getStatus(), "place " + i);
      if (i < 10) {
        var offer = live.stream().filter(r -> r.value1().equals(entry.getBookingId())).findFirst().orElseThrow();
        assertEquals(entry.getUserId(), offer.value2(), "the offer is the offered person's hold");
      }
    }
  }

  private static List<String> tokens(int n) {
    var tokens = new ArrayList<String>();
    for (int i = 0; i < n; i++) {
      tokens.add(world.userToken());
    }
    return tokens;
  }

  private static List<HttpResponse<Buffer>> all(List<Future<HttpResponse<Buffer>>> requests) {
    Wait.on(Future.join(requests));
    return requests.stream().map(Future::result).toList();
  }

  private static HttpResponse<Buffer> join(String slot, String token) {
    return join(slot, token, new JsonObject());
  }

  private static HttpResponse<Buffer> join(String slot, String token, JsonObject body) {
    return app.call(HttpMethod.POST, "/v1/slots/" + slot + "/waitlist", body, token);
  }

  private static JsonObject joined(HttpResponse<Buffer> response) {
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  private static JsonObject entry(String id, String token) {
    return World.ok(app.call(HttpMethod.GET, "/v1/waitlist/" + id, null, token));
  }

  private static String problem(HttpResponse<Buffer> response) {
    assertTrue(response.statusCode() >= 400 && response.statusCode() < 500, response.bodyAsString());
    String type = response.bodyAsJsonObject().getString("type");
    return type.substring(type.lastIndexOf('/') + 1);
  }

  /** The offer's time runs out now: its booking's hold and its seats, as if 30 minutes had passed. */
  private static void expireOffer(String entryId) {
    var booking = Sql.DSL.select(WAITLIST_ENTRY.BOOKING_ID).from(WAITLIST_ENTRY)
        .where(WAITLIST_ENTRY.ID.eq(UUID.fromString(entryId)));
    var past = DSL.currentOffsetDateTime().minus(DSL.inline(1));
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.HOLD_EXPIRES_AT, past).where(BOOKING.ID.in(booking))));
    Wait.on(app.db.update(Sql.DSL.update(SEAT).set(SEAT.HELD_UNTIL, past).where(SEAT.BOOKING_ID.in(booking))));
  }

  private static int seats(String slot, SeatState state) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(UUID.fromString(slot)))
        .and(SEAT.STATE.eq(state)))).value1();
  }
}
