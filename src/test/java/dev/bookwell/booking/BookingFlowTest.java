package dev.bookwell.booking;

import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The booking lifecycle over real HTTP: idempotency, transitions, guests and who may see what. */
class BookingFlowTest {

  static TestApp app;
  static World world;
  static String priced;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    world = new World(app, "UTC");
    priced = world.service(new JsonObject().put("name", "Consult").put("priceMinor", 5000).put("seatsPerSlot", 4));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void theSameKeyAndBodyReplaysTheSameBookingAndAnotherBodyIs422() {
    String slot = world.session(priced, world.providerId, at(2), 4);
    String token = world.userToken();
    var body = new JsonObject().put("slotId", slot).put("seats", 1);
    var first = hold(body, token, "key-1");
    var again = hold(body.copy(), token, "key-1");
    assertEquals(201, first.statusCode(), first.bodyAsString());
    assertEquals(201, again.statusCode());
    assertEquals("true", again.getHeader("Idempotent-Replayed"));
    assertEquals(first.bodyAsJsonObject().getString("id"), again.bodyAsJsonObject().getString("id"));
    assertEquals(3, seatsAvailable(slot), "one booking, not two");

    var other = hold(new JsonObject().put("slotId", slot).put("seats", 2), token, "key-1");
    assertEquals(422, other.statusCode());
    assertEquals("https://bookwell.dev/problems/idempotency-key-reused", other.bodyAsJsonObject().getString("type"));
  }

  @Test
  void amountsStayWithinWhatOnePaymentCanBe() {
    var tooDear = app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/services",
        new JsonObject().put("name", "Too dear").put("durationMinutes", 30).put("priceMinor", 100_000_000L),
        world.owner);
    assertEquals(400, tooDear.statusCode(), tooDear.bodyAsString());
    String dear = world.service(new JsonObject().put("name", "Dear").put("priceMinor", 99_999_999L)
        .put("seatsPerSlot", 5));
    String slot = world.session(dear, world.providerId, at(8), 5);
    var two = hold(new JsonObject().put("slotId", slot).put("seats", 2), world.userToken(), null);
    assertEquals(422, two.statusCode(), two.bodyAsString());
    assertEquals("https://bookwell.dev/problems/amount-too-large", two.bodyAsJsonObject().getString("type"));
    assertEquals(5, seatsAvailable(slot), "nothing held");
  }

  @Test
  void holdsDoNotStackUnlessAsked() {
    String slot = world.session(priced, world.providerId, at(3), 4);
    String token = world.userToken();
    assertEquals(201, hold(new JsonObject().put("slotId", slot), token, null).statusCode());
    var twice = hold(new JsonObject().put("slotId", slot), token, null);
    assertEquals(409, twice.statusCode());
    assertEquals("https://bookwell.dev/problems/already-booked", twice.bodyAsJsonObject().getString("type"));
    assertEquals(201, hold(new JsonObject().put("slotId", slot).put("allowMultiple", true), token, null).statusCode());
  }

  /**
   * The guards tell guests and users apart: a guest's email must be an address, so a user's id (staff see them) is
   * refused as one; a guest whose address carries the id holds as that guest, and the user may still hold the slot.
   */
  @Test
  void aGuestWhoGivesAUsersIdIsNotThatUser() {
    String slot = world.session(priced, world.providerId, at(15), 4);
    String token = world.userToken();
    String userId = app.call(HttpMethod.GET, "/v1/me", null, token).bodyAsJsonObject().getString("id");
    var impostor = new JsonObject().put("name", "Impostor").put("email", userId);
    assertEquals(400, hold(new JsonObject().put("slotId", slot).put("guest", impostor), null, null).statusCode(),
        "a guest's email is an address");
    impostor.put("email", userId + "@example.org");
    assertEquals(201, hold(new JsonObject().put("slotId", slot).put("guest", impostor), null, null).statusCode());
    var user = hold(new JsonObject().put("slotId", slot), token, null);
    assertEquals(201, user.statusCode(), user.bodyAsString());
    assertEquals(2, seatsAvailable(slot), "both hold a seat of the four");
  }

  /**
   * A sold-out slot is refused from the slot's facts, without trying to take seats; the guard's reasons still come
   * first, as on the steps: a user who holds a seat is told so, a guest over the per-guest cap (10) likewise, anyone
   * else is told the slot is full. Nothing is written for any of them.
   */
  @Test
  void aSoldOutSlotRefusesEveryoneWithTheirOwnReason() {
    String slot = world.session(priced, world.providerId, at(14), 4);
    String holder = world.userToken();
    assertEquals(201, hold(new JsonObject().put("slotId", slot).put("seats", 2), holder, null).statusCode());
    var gina = new JsonObject().put("name", "Gina").put("email", "gina.full@example.org");
    assertEquals(201, hold(new JsonObject().put("slotId", slot).put("seats", 2).put("guest", gina), null, null)
        .statusCode());

    var again = hold(new JsonObject().put("slotId", slot), holder, null);
    assertEquals("https://bookwell.dev/problems/already-booked", again.bodyAsJsonObject().getString("type"));
    var greedy = hold(new JsonObject().put("slotId", slot).put("seats", 9).put("guest", gina), null, null);
    assertEquals(422, greedy.statusCode(), greedy.bodyAsString());
    assertEquals("https://bookwell.dev/problems/guest-limit", greedy.bodyAsJsonObject().getString("type"));
    var stranger = hold(new JsonObject().put("slotId", slot), world.userToken(), null);
    assertEquals(409, stranger.statusCode());
    assertEquals("https://bookwell.dev/problems/slot-unavailable", stranger.bodyAsJsonObject().getString("type"));
    assertEquals(2, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(BOOKING)
        .where(BOOKING.SLOT_ID.eq(UUID.fromString(slot))))).value1(), "only the two holds");
  }

  @Test
  void aHoldCarriesReferenceExpiryAndAmount() {
    String slot = world.session(priced, world.providerId, at(4), 4);
    var booking = hold(new JsonObject().put("slotId", slot).put("seats", 2), world.userToken(), null)
        .bodyAsJsonObject();
    assertTrue(booking.getString("reference").matches("BW-[2-9A-HJ-NP-Z]{6}"), booking.getString("reference"));
    assertEquals("held", booking.getString("status"));
    assertNotNull(booking.getString("holdExpiresAt"));
    assertEquals(new JsonObject().put("subtotal", 10000).put("discount", 0).put("total", 10000).put("currency", "EUR"),
        booking.getJsonObject("amount"));
  }

  @Test
  void cancelFreesTheSeatsAndTransitionsOnlyMoveForward() {
    String slot = world.session(priced, world.providerId, at(5), 4);
    String token = world.userToken();
    String id = hold(new JsonObject().put("slotId", slot).put("seats", 2), token, null)
        .bodyAsJsonObject().getString("id");
    assertEquals(2, seatsAvailable(slot));

    var cancelled = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/cancel", null, token);
    assertEquals(200, cancelled.statusCode(), cancelled.bodyAsString());
    assertEquals("cancelled", cancelled.bodyAsJsonObject().getString("status"));
    assertEquals(4, seatsAvailable(slot));

    var again = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/cancel", null, token);
    assertEquals(409, again.statusCode());
    assertTrue(again.bodyAsJsonObject().getString("detail").contains("cancelled"), "names the current state");
  }

  @Test
  void freeServicesConfirmAtOnceAndConfirmationServicesWaitForStaff() {
    String free = world.service(new JsonObject().put("name", "Free intro").put("priceMinor", 0));
    String vetted = world.service(new JsonObject().put("name", "Vetted").put("priceMinor", 0)
        .put("requiresConfirmation", true));
    String token = world.userToken();
    var confirmed = hold(new JsonObject().put("slotId", world.session(free, world.providerId, at(6), 1)), token, null);
    assertEquals("confirmed", confirmed.bodyAsJsonObject().getString("status"));

    String pendingId = hold(new JsonObject().put("slotId", world.session(vetted, world.providerId, at(6).plusHours(2),
        1)), token, null).bodyAsJsonObject().getString("id");
    assertEquals(403, app.call(HttpMethod.POST, "/v1/bookings/" + pendingId + "/confirm", null, token).statusCode(),
        "the client cannot confirm their own booking");
    var accepted = app.call(HttpMethod.POST, "/v1/bookings/" + pendingId + "/confirm", null, world.owner);
    assertEquals(200, accepted.statusCode(), accepted.bodyAsString());
    assertEquals("confirmed", accepted.bodyAsJsonObject().getString("status"));
    var completed = app.call(HttpMethod.POST, "/v1/bookings/" + pendingId + "/complete", null, world.owner);
    assertEquals("completed", completed.bodyAsJsonObject().getString("status"));
    assertEquals(409, app.call(HttpMethod.POST, "/v1/bookings/" + pendingId + "/cancel", null, token).statusCode());
  }

  @Test
  void confirmationRacesCannotDoubleBookAOneToOneSlot() {
    String vetted = world.service(new JsonObject().put("name", "Vetted 1:1").put("priceMinor", 0)
        .put("requiresConfirmation", true));
    String slot = world.session(vetted, world.providerId, at(13), 1);
    var first = hold(new JsonObject().put("slotId", slot), world.userToken(), null);
    var second = hold(new JsonObject().put("slotId", slot), world.userToken(), null);
    assertEquals("pending_confirmation", first.bodyAsJsonObject().getString("status"));
    assertEquals(409, second.statusCode(), "a pending booking keeps its seat");

    String id = first.bodyAsJsonObject().getString("id");
    var staffA = app.callAsync(HttpMethod.POST, "/v1/bookings/" + id + "/confirm", null, world.owner);
    var staffB = app.callAsync(HttpMethod.POST, "/v1/bookings/" + id + "/confirm", null, world.owner);
    Wait.on(io.vertx.core.Future.join(staffA, staffB));
    var statuses = List.of(staffA.result().statusCode(), staffB.result().statusCode());
    assertTrue(statuses.contains(200) && statuses.contains(409), statuses.toString());
  }

  @Test
  void aProviderIsNeverInTwoOverlappingOneToOneBookings() {
    String consult = world.service(new JsonObject().put("name", "Short").put("priceMinor", 100));
    String longer = world.service(new JsonObject().put("name", "Long").put("priceMinor", 100)
        .put("durationMinutes", 60));
    String provider = world.newActiveProvider(world.userToken(), "UTC", List.of(), List.of());
    var start = at(8);
    String a = world.session(consult, provider, start, 1);
    String b = world.session(longer, provider, start, 1);  // overlapping alternative slot
    assertEquals(201, hold(new JsonObject().put("slotId", a), world.userToken(), null).statusCode());
    var clash = hold(new JsonObject().put("slotId", b), world.userToken(), null);
    assertEquals(409, clash.statusCode());
    assertEquals("https://bookwell.dev/problems/provider-busy", clash.bodyAsJsonObject().getString("type"));
  }

  @Test
  void guestsUseTheirAccessTokenAndOthersSeeNothing() {
    String slot = world.session(priced, world.providerId, at(9), 4);
    var booking = hold(new JsonObject().put("slotId", slot)
        .put("guest", new JsonObject().put("name", "Gina").put("email", "gina@example.org")), null, null)
        .bodyAsJsonObject();
    String id = booking.getString("id");
    String access = booking.getString("accessToken");
    assertNotNull(access);

    assertEquals(404, get(id, null, null).statusCode(), "anonymous without the token");
    assertEquals(404, get(id, world.userToken(), null).statusCode(), "another user");
    assertEquals(404, get(id, null, "not-the-token").statusCode());
    assertEquals(200, get(id, null, access).statusCode());
    assertEquals(200, get(id, world.owner, null).statusCode(), "staff of the organization");
    var stranger = app.call(HttpMethod.POST, "/v1/bookings/" + id + "/cancel", null, world.userToken());
    assertEquals(404, stranger.statusCode(), "a user cannot cancel another's booking");

    var cancel = app.client.post("/v1/bookings/" + id + "/cancel").putHeader("X-Booking-Token", access).send();
    assertEquals(200, Wait.on(cancel).statusCode());
  }

  @Test
  void refusalsAreClearProblems() {
    String token = world.userToken();
    assertEquals(404, hold(new JsonObject().put("slotId", UUID.randomUUID().toString()), token, null).statusCode());
    String late = world.service(new JsonObject().put("name", "Notice").put("priceMinor", 100)
        .put("minNoticeMinutes", 7 * 24 * 60));
    var tooLate = hold(new JsonObject().put("slotId", world.session(late, world.providerId, at(2), 1)), token, null);
    assertEquals(422, tooLate.statusCode());
    assertEquals("https://bookwell.dev/problems/too-late", tooLate.bodyAsJsonObject().getString("type"));
    var anonymous = hold(new JsonObject().put("slotId", UUID.randomUUID().toString()), null, null);
    assertEquals(401, anonymous.statusCode());
    var unknownField = hold(new JsonObject().put("slotId", UUID.randomUUID().toString()).put("promo", "X"), token,
        null);
    assertEquals(400, unknownField.statusCode(), "unknown fields are refused, not silently dropped");
  }

  @Test
  void aBookingDownloadsAsAnICalendarEvent() {
    var at = at(11);
    String slot = world.session(priced, world.providerId, at, 4);
    String token = world.userToken();
    var booking = hold(new JsonObject().put("slotId", slot), token, null).bodyAsJsonObject();
    var ics = Wait.on(app.client.get("/v1/bookings/" + booking.getString("id") + "/ics")
        .putHeader("Authorization", "Bearer " + token).send());
    assertEquals(200, ics.statusCode());
    assertTrue(ics.getHeader("Content-Type").startsWith("text/calendar"));
    String text = ics.bodyAsString();
    assertTrue(text.startsWith("BEGIN:VCALENDAR\r\n"), text);
    assertTrue(text.contains("DTSTART:" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
        .format(at)), text);
    assertTrue(text.contains("SUMMARY:Booking " + booking.getString("reference")));
    assertEquals(404, Wait.on(app.client.get("/v1/bookings/" + booking.getString("id") + "/ics").send())
        .statusCode());
  }

  @Test
  void staffListTheirOrganizationsBookingsAndOthersCannot() {
    String slot = world.session(priced, world.providerId, at(12), 4);
    hold(new JsonObject().put("slotId", slot), world.userToken(), null);
    var listed = app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/bookings?status=held"
        + "&providerId=" + world.providerId, null, world.owner);
    assertEquals(200, listed.statusCode(), listed.bodyAsString());
    assertTrue(listed.bodyAsJsonObject().getJsonArray("items").stream()
        .anyMatch(b -> ((JsonObject) b).getString("slotId").equals(slot)));
    assertEquals(403, app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/bookings", null,
        world.userToken()).statusCode());
  }

  @Test
  void myBookingsArePaged() {
    String token = world.userToken();
    for (int i = 0; i < 3; i++) {
      hold(new JsonObject().put("slotId", world.session(priced, world.providerId, at(10).plusHours(i * 2), 4)), token,
          null);
    }
    var page = app.call(HttpMethod.GET, "/v1/bookings?limit=2", null, token).bodyAsJsonObject();
    assertEquals(2, page.getJsonArray("items").size());
    var rest = app.call(HttpMethod.GET, "/v1/bookings?limit=2&cursor=" + page.getString("nextCursor"), null, token)
        .bodyAsJsonObject();
    assertEquals(1, rest.getJsonArray("items").size());
  }

  private static HttpResponse<Buffer> hold(JsonObject body, String token, String key) {
    var request = app.client.post("/v1/bookings");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    if (key != null) {
      request.putHeader("Idempotency-Key", key);
    }
    return Wait.on(request.sendJsonObject(body));
  }

  private static HttpResponse<Buffer> get(String id, String token, String access) {
    var request = app.client.get("/v1/bookings/" + id);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    if (access != null) {
      request.putHeader("X-Booking-Token", access);
    }
    return Wait.on(request.send());
  }

  private static int seatsAvailable(String slot) {
    return world.search("limit=200&to=" + java.net.URLEncoder.encode(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at(30)),
            java.nio.charset.StandardCharsets.UTF_8)).getJsonArray("items").stream()
        .map(JsonObject.class::cast).filter(i -> i.getString("id").equals(slot))
        .map(i -> i.getInteger("seatsAvailable")).findFirst().orElse(0);
  }

}
