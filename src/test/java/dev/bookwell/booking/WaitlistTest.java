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
    var bEntry = joined(join(slot, b));
    assertEquals(1, bEntry.getInteger("position"));
    assertEquals(2, joined(join(slot, c)).getInteger("position"));
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

    // B cancels: C is offered; C lets the offer lapse; nobody waits any more, so anyone may book
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + accepted.getString("id") + "/cancel", null, b));
    String cId = World.ok(app.call(HttpMethod.GET, "/v1/me/waitlist", null, c)).getJsonArray("items")
        .getJsonObject(0).getString("id");
    Eventually.until("C's offer", () -> "offered".equals(entry(cId, c).getString("status")));
    expireOffer(cId);
    assertEquals("offer-lapsed", problem(app.call(HttpMethod.POST, "/v1/waitlist/" + cId + "/accept", null, c)));
    assertEquals("slot-unavailable", problem(app.call(HttpMethod.POST, "/v1/bookings",
        new JsonObject().put("slotId", slot), stranger)), "a lapsed offer's seat is not taken before the round");
    Wait.on(BookingClient.waitlistRound(app.vertx.eventBus()));
    assertEquals("lapsed", entry(cId, c).getString("status"));
    assertEquals("no-offer", problem(app.call(HttpMethod.POST, "/v1/waitlist/" + cId + "/accept", null, c)),
        "too late");
    assertEquals(201, app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot), stranger)
        .statusCode());
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
    var hold = World.ok(app.call(HttpMethod.POST, "/v1/waitlist/" + cId + "/accept", null, c));
    assertEquals("held", hold.getString("status"));
    assertEquals("requires_payment", hold.getJsonObject("payment").getString("status"));
    World.ok(app.call(HttpMethod.POST, "/v1/dev/payments/" + hold.getString("id") + "/succeed", null, c));
    assertEquals("confirmed", World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + hold.getString("id"), null, c))
        .getString("status"));
    Wait.on(BookingClient.waitlistRound(app.vertx.eventBus()));
    assertEquals("booked", entry(cId, c).getString("status"));
  }

  @Test
  void raisingTheCapacityOffersTheNewSeats() {
    String slot = world.session(free, world.providerId, at(9), 1);
    World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot),
        world.userToken()));
    String b = world.userToken();
    String id = joined(join(slot, b, new JsonObject().put("seats", 2))).getString("id");
    World.ok(app.call(HttpMethod.PUT, "/v1/slots/" + slot + "/capacity", new JsonObject().put("capacity", 2),
        world.owner));
    Wait.on(BookingClient.waitlistRound(app.vertx.eventBus()));
    assertEquals("waiting", entry(id, b).getString("status"), "one seat is not the two asked for");
    World.ok(app.call(HttpMethod.PUT, "/v1/slots/" + slot + "/capacity", new JsonObject().put("capacity", 3),
        world.owner));
    Eventually.until("the offer of two seats", () -> "offered".equals(entry(id, b).getString("status")));
    assertEquals(2, World.ok(app.call(HttpMethod.POST, "/v1/waitlist/" + id + "/accept", null, b)).getInteger("seats"));
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
  }

  /**
   * Ten seats, all booked; forty people race to join the line while the ten bookers cancel and forty strangers try
   * to book. Afterwards no seat is sold twice, every offer is a hold of the person offered, and nobody waits who
   * joined before someone who got an offer.
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
    var joiners = new ArrayList<String>();
    var strangers = new ArrayList<String>();
    for (int i = 0; i < 40; i++) {
      joiners.add(world.userToken());
      strangers.add(world.userToken());
    }
    var requests = new ArrayList<Future<HttpResponse<Buffer>>>();
    var order = new ArrayList<Runnable>();
    joiners.forEach(token -> order.add(() -> requests.add(app.callAsync(HttpMethod.POST,
        "/v1/slots/" + slot + "/waitlist", new JsonObject(), token))));
    strangers.forEach(token -> order.add(() -> requests.add(app.callAsync(HttpMethod.POST, "/v1/bookings",
        new JsonObject().put("slotId", slot), token))));
    bookings.forEach(pair -> order.add(() -> requests.add(app.callAsync(HttpMethod.POST,
        "/v1/bookings/" + pair[1] + "/cancel", null, pair[0]))));
    Collections.shuffle(order, new java.util.Random(7));
    order.forEach(Runnable::run);
    Wait.on(Future.join(requests));
    requests.forEach(r -> assertTrue(r.result().statusCode() < 500, r.result().bodyAsString()));
    for (int i = 0; i < 3; i++) {
      Wait.on(BookingClient.waitlistRound(app.vertx.eventBus()));
    }

    UUID slotId = UUID.fromString(slot);
    var live = Wait.on(app.db.fetch(Sql.DSL.select(BOOKING.ID, BOOKING.USER_ID, BOOKING.STATUS).from(BOOKING)
        .where(BOOKING.SLOT_ID.eq(slotId)).and(BOOKING.STATUS.in(BookingStatus.held, BookingStatus.confirmed))));
    assertEquals(10, live.size(), "every seat is in use: booked by a stranger in a gap, or offered");
    assertEquals(10, seats(slot, SeatState.booked) + seats(slot, SeatState.held));
    var seatOwners = Wait.on(app.db.fetch(Sql.DSL.selectDistinct(SEAT.BOOKING_ID).from(SEAT)
        .where(SEAT.SLOT_ID.eq(slotId))));
    assertEquals(10, seatOwners.size(), "one seat a booking");

    var entries = Wait.on(app.db.fetch(Sql.DSL.selectFrom(WAITLIST_ENTRY).where(WAITLIST_ENTRY.SLOT_ID.eq(slotId))
        .orderBy(WAITLIST_ENTRY.JOINED_AT, WAITLIST_ENTRY.ID)));
    boolean waitingSeen = false;
    for (var entry : entries) {
      if (entry.getStatus() == WaitlistStatus.waiting) {
        waitingSeen = true;
      } else {
        assertEquals(WaitlistStatus.offered, entry.getStatus());
        assertTrue(!waitingSeen, "an offer went to someone behind a person still waiting");
        var offer = live.stream().filter(r -> r.value1().equals(entry.getBookingId())).findFirst().orElseThrow();
        assertEquals(entry.getUserId(), offer.value2());
        assertEquals(BookingStatus.held, offer.value3());
      }
    }
    long offers = entries.stream().filter(e -> e.getStatus() == WaitlistStatus.offered).count();
    long strangersIn = live.stream().filter(r -> r.value3() == BookingStatus.confirmed).count();
    assertEquals(10, offers + strangersIn);
    assertTrue(offers > 0, "the line got seats");
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

  private static void expireOffer(String entryId) {
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.HOLD_EXPIRES_AT, DSL.currentOffsetDateTime()
            .minus(DSL.inline(1)))
        .where(BOOKING.ID.in(Sql.DSL.select(WAITLIST_ENTRY.BOOKING_ID).from(WAITLIST_ENTRY)
            .where(WAITLIST_ENTRY.ID.eq(UUID.fromString(entryId)))))));
  }

  private static int seats(String slot, SeatState state) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(UUID.fromString(slot)))
        .and(SEAT.STATE.eq(state)))).value1();
  }
}
