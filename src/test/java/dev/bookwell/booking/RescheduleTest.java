package dev.bookwell.booking;

import static dev.bookwell.scheduling.World.at;
import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SEAT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.SeatState;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rescheduling moves seats in one transaction, and never races a cancel into two outcomes. */
class RescheduleTest {

  static TestApp app;
  static World world;
  static String service;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    world = new World(app, "UTC");
    service = world.service(new JsonObject().put("name", "Group").put("priceMinor", 0).put("seatsPerSlot", 50));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aBookingMovesToAnotherSlotOfTheSameService() {
    String from = world.session(service, world.providerId, at(3), 50);
    String to = world.session(service, world.providerId, at(4), 50);
    String token = world.userToken();
    String id = hold(from, token, 2);

    var moved = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/reschedule", new JsonObject().put("slotId", to),
        token);
    assertEquals(201, moved.statusCode(), moved.bodyAsString());
    assertEquals(id, moved.bodyAsJsonObject().getString("rescheduledFrom"));
    assertEquals("confirmed", moved.bodyAsJsonObject().getString("status"));
    assertEquals(0, taken(from));
    assertEquals(2, taken(to));
    assertEquals("cancelled", app.call(HttpMethod.GET, "/v1/bookings/" + id, null, token).bodyAsJsonObject()
        .getString("status"));

    String other = world.service(new JsonObject().put("name", "Other").put("priceMinor", 0));
    String elsewhere = world.session(other, world.providerId, at(5), 1);
    var refused = app.call(HttpMethod.POST, "/v1/bookings/" + moved.bodyAsJsonObject().getString("id")
        + "/reschedule", new JsonObject().put("slotId", elsewhere), token);
    assertEquals(422, refused.statusCode());
  }

  @Test
  void concurrentRescheduleAndCancelOfOneBookingHaveExactlyOneOutcome() {
    String from = world.session(service, world.providerId, at(6), 50);
    String to = world.session(service, world.providerId, at(7), 50);
    String token = world.userToken();
    var pairs = new ArrayList<Future<?>>();
    var outcomes = new ArrayList<Future<int[]>>();
    for (int i = 0; i < 20; i++) {
      String id = hold(from, token, 1);
      var reschedule = app.callAsync(HttpMethod.POST, "/v1/bookings/" + id + "/reschedule",
          new JsonObject().put("slotId", to), token);
      var cancel = app.callAsync(HttpMethod.POST, "/v1/bookings/" + id + "/cancel", null, token);
      var both = Future.join(reschedule, cancel).map(x -> new int[] {reschedule.result().statusCode(),
          cancel.result().statusCode()});
      outcomes.add(both);
      pairs.add(both);
    }
    Wait.on(Future.join(pairs));

    int moved = 0;
    for (var outcome : outcomes) {
      int[] statuses = outcome.result();
      boolean rescheduled = statuses[0] == 201;
      boolean cancelled = statuses[1] == 200;
      assertEquals(1, (rescheduled ? 1 : 0) + (cancelled ? 1 : 0), statuses[0] + " / " + statuses[1]);
      moved += rescheduled ? 1 : 0;
    }
    assertEquals(0, taken(from), "every original booking ended, its seat freed");
    assertEquals(moved, taken(to), "one seat per booking that moved");
    assertEquals(moved, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(BOOKING)
        .where(BOOKING.SLOT_ID.eq(UUID.fromString(to))).and(BOOKING.STATUS.eq(BookingStatus.confirmed)))).value1());
  }

  /** Paid, then moved, then cancelled: the refund comes from the payment made for the old booking. */
  @Test
  void moneyFollowsTheRescheduledBooking() {
    String priced = world.service(new JsonObject().put("name", "Paid").put("priceMinor", 7000).put("seatsPerSlot", 5));
    String from = world.session(priced, world.providerId, at(5), 5);
    String to = world.session(priced, world.providerId, at(6), 5);
    String token = world.userToken();
    String id = hold(from, token, 1);
    var paid = app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token);
    assertEquals(200, paid.statusCode(), paid.bodyAsString());
    assertEquals("captured", payments(id, token).getString("status"));

    var moved = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/reschedule", new JsonObject().put("slotId", to),
        token);
    assertEquals(201, moved.statusCode(), moved.bodyAsString());
    String movedId = moved.bodyAsJsonObject().getString("id");
    assertEquals("confirmed", moved.bodyAsJsonObject().getString("status"));
    assertEquals("captured", payments(movedId, token).getString("status"), "the payment moved with the booking");
    assertEquals("none", payments(id, token).getString("status"));

    var cancelled = World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + movedId + "/cancel", null, token));
    assertEquals(7000, cancelled.getJsonObject("payment").getJsonObject("refunded").getLong("amountMinor"));
    var ledger = payments(movedId, token);
    assertEquals("refunded", ledger.getString("status"));
    assertEquals(List.of("authorization", "capture", "refund"), ledger.getJsonArray("movements").stream()
        .map(m -> ((JsonObject) m).getString("kind")).toList());
    // the booking's own read shows the same payment, refunds included, without the movements
    var shown = World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + movedId, null, token)).getJsonObject("payment");
    ledger.remove("movements");
    assertEquals(ledger, shown);
    assertEquals(7000, shown.getJsonObject("refunded").getLong("amountMinor"));
  }

  @Test
  void theNewSlotPassesTheChecksOfAHold() {
    String strict = world.service(new JsonObject().put("name", "Strict").put("priceMinor", 0).put("seatsPerSlot", 5)
        .put("minNoticeMinutes", 60 * 24 * 3));
    String from = world.session(strict, world.providerId, at(5), 5);
    String token = world.userToken();
    String id = hold(from, token, 1);
    String soon = world.session(strict, world.providerId, at(1), 5);
    var tooLate = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/reschedule", new JsonObject().put("slotId", soon),
        token);
    assertEquals(422, tooLate.statusCode(), tooLate.bodyAsString());
    assertEquals("https://bookwell.dev/problems/too-late", tooLate.bodyAsJsonObject().getString("type"));

    String colleagueToken = world.userToken();
    String colleague = world.newActiveProvider(colleagueToken, "UTC", List.of(), List.of());
    String theirs = world.session(strict, colleague, at(7), 5);
    hold(theirs, world.userToken(), 1);  // a booking keeps the slot open when the colleague leaves
    World.ok(app.call(HttpMethod.DELETE, "/v1/organizations/" + world.organizationId + "/providers/" + colleague,
        null, colleagueToken));  // the colleague left; their booked-free slot stays, unbookable
    var gone = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/reschedule", new JsonObject().put("slotId", theirs),
        token);
    assertEquals(422, gone.statusCode(), "a provider who left takes no booking: " + gone.bodyAsString());
    assertEquals("confirmed", app.call(HttpMethod.GET, "/v1/bookings/" + id, null, token).bodyAsJsonObject()
        .getString("status"), "the booking stayed where it was");
  }

  /**
   * A client does not move a paid booking past its free cancellation time (moved, its policy would count from the
   * new date and a late cancellation became a full refund); staff can. A client moves one booking ten times at most
   * (each move mails the booker and the provider).
   */
  @Test
  void aClientMovesWithinThePolicyAndNotWithoutEnd() {
    String strict = world.service(new JsonObject().put("name", "Strict").put("priceMinor", 6000).put("seatsPerSlot", 5)
        .put("cancellationPolicy", new JsonObject().put("fullRefundHours", 24).put("lateRefundPercent", 0)));
    String soon = world.session(strict, world.providerId, OffsetDateTime.now(ZoneOffset.UTC).plusHours(5)
        .truncatedTo(ChronoUnit.MINUTES), 5);
    String later = world.session(strict, world.providerId, at(8), 5);
    String token = world.userToken();
    String id = hold(soon, token, 1);
    World.ok(app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token));
    var late = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/reschedule", new JsonObject().put("slotId", later),
        token);
    assertEquals(409, late.statusCode(), late.bodyAsString());
    assertEquals("https://bookwell.dev/problems/reschedule-too-late", late.bodyAsJsonObject().getString("type"));
    assertEquals(201, app.call(HttpMethod.POST, "/v1/bookings/" + id + "/reschedule", new JsonObject()
        .put("slotId", later), world.owner).statusCode(), "the organization can");

    String a = world.session(service, world.providerId, at(9), 50);
    String b = world.session(service, world.providerId, at(10), 50);
    String moving = hold(a, token, 1);
    for (int move = 0; move < Reschedules.MAX_MOVES; move++) {
      var moved = app.call(HttpMethod.POST, "/v1/bookings/" + moving + "/reschedule", new JsonObject()
          .put("slotId", move % 2 == 0 ? b : a), token);
      assertEquals(201, moved.statusCode(), moved.bodyAsString());
      moving = moved.bodyAsJsonObject().getString("id");
    }
    var once = app.call(HttpMethod.POST, "/v1/bookings/" + moving + "/reschedule", new JsonObject().put("slotId", b),
        token);
    assertEquals(409, once.statusCode(), once.bodyAsString());
    assertEquals("https://bookwell.dev/problems/too-many-moves", once.bodyAsJsonObject().getString("type"));
  }

  /**
   * A paid booking moved to a service that now needs staff waits for them again, its money still captured: a
   * client's late cancellation of it keeps the policy's share (it is not a booking the organization never took).
   */
  @Test
  void aMovedBookingWaitingForStaffAgainKeepsItsPolicy() {
    String strict = world.service(new JsonObject().put("name", "Strict again").put("priceMinor", 6000)
        .put("seatsPerSlot", 5)
        .put("cancellationPolicy", new JsonObject().put("fullRefundHours", 24).put("lateRefundPercent", 0)));
    String from = world.session(strict, world.providerId, at(3), 5);
    String soon = world.session(strict, world.providerId, OffsetDateTime.now(ZoneOffset.UTC).plusHours(6)
        .truncatedTo(ChronoUnit.MINUTES), 5);
    String token = world.userToken();
    String id = hold(from, token, 1);
    World.ok(app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token));
    assertEquals(200, app.call(HttpMethod.PATCH, "/v1/services/" + strict, new JsonObject()
        .put("requiresConfirmation", true), world.owner).statusCode());
    var moved = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/reschedule", new JsonObject().put("slotId", soon),
        token);
    assertEquals(201, moved.statusCode(), moved.bodyAsString());
    assertEquals("pending_confirmation", moved.bodyAsJsonObject().getString("status"));
    String movedId = moved.bodyAsJsonObject().getString("id");
    var cancelled = World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + movedId + "/cancel", null, token));
    assertEquals(0, cancelled.getJsonObject("payment").getJsonObject("refunded").getLong("amountMinor"),
        "within 24 hours of the start, the policy gives nothing back");
  }

  private static JsonObject payments(String bookingId, String token) {
    return World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + bookingId + "/payments", null, token));
  }

  private static String hold(String slot, String token, int seats) {
    var response = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot).put("seats", seats)
        .put("allowMultiple", true), token);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getString("id");
  }

  private static int taken(String slot) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(UUID.fromString(slot)))
        .and(SEAT.STATE.ne(SeatState.free)))).value1();
  }

}
