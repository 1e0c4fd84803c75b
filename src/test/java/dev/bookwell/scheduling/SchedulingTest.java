package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SLOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.Bookwell;
import dev.bookwell.db.enums.SeatState;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scheduling over real HTTP against a real PostgreSQL. */
class SchedulingTest {

  static TestApp app;
  static World world;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    world = new World(app, "Europe/London");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void providersGoThroughApprovalBeforeThePublicSeesThem() {
    String token = world.userToken();
    String id = World.created(app.call(HttpMethod.POST, "/v1/providers",
        new JsonObject().put("displayName", "Dr Pending").put("timezone", "Europe/Paris"), token));
    assertEquals(404, app.call(HttpMethod.GET, "/v1/providers/" + id, null, null).statusCode(), "hidden while pending");
    assertEquals(200, app.call(HttpMethod.GET, "/v1/providers/" + id, null, token).statusCode(), "visible to self");

    assertEquals(403, app.call(HttpMethod.POST, "/v1/providers/" + id + "/approve", null, token).statusCode());
    assertEquals(409, app.call(HttpMethod.POST, "/v1/providers/" + id + "/activate", null, token).statusCode(),
        "not approved yet");
    var approved = World.ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/approve",
        new JsonObject().put("note", "licence checked"), world.admin));
    assertEquals("approved", approved.getString("status"));
    assertNotNull(approved.getString("decidedAt"));
    var reject = app.call(HttpMethod.POST, "/v1/providers/" + id + "/reject", null, world.admin);
    assertEquals(409, reject.statusCode());
    assertTrue(reject.bodyAsJsonObject().getString("detail").contains("approved"), "names the current state");

    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/activate", null, token));
    assertEquals(200, app.call(HttpMethod.GET, "/v1/providers/" + id, null, null).statusCode(), "public once active");
    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/suspend", null, world.admin));
    assertEquals(404, app.call(HttpMethod.GET, "/v1/providers/" + id, null, null).statusCode(), "hidden when suspended");
    assertEquals(409, app.call(HttpMethod.POST, "/v1/providers/" + id + "/activate", null, token).statusCode(),
        "only an admin lifts a suspension");
    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/activate", null, world.admin));
  }

  @Test
  void weeklyHoursBecomeSearchableSlotsAtLocalTimes() {
    // the page is written straight to bytes: quotes, backslashes, markup and characters beyond the BMP survive it
    String name = "Yoga \"für\" \\ <b>alle</b> \uD83E\uDDD8";
    String service = world.service(new JsonObject().put("name", name));
    var generated = world.weekly(world.providerId, world.providerToken, "09:00", "12:00", service, null);
    assertTrue(generated.getInteger("slotsCreated") > 0, generated.encode());

    var page = world.search("providerId=" + world.providerId + "&serviceId=" + service + "&limit=200"
        + "&to=" + enc(OffsetDateTime.now(ZoneOffset.UTC).plusDays(8)));
    var items = page.getJsonArray("items");
    assertTrue(items.size() >= 6 * 7 - 6, "about 6 slots a day for a week, was " + items.size());
    JsonObject first = items.getJsonObject(0);
    assertEquals("Europe/London", first.getString("timezone"));
    assertEquals(1, first.getInteger("seatsAvailable"));
    assertEquals(new JsonObject().put("amountMinor", 5000).put("currency", "EUR"), first.getJsonObject("price"));
    assertEquals(name, first.getString("serviceName"));
    assertTrue(first.containsKey("venueId") && first.getValue("venueId") == null, "no venue: null, " + first);
    assertEquals(first, World.ok(app.call(HttpMethod.GET, "/v1/slots/" + first.getString("id"), null, null)),
        "a slot reads as search shows it");
    items.forEach(i -> {
      String text = ((JsonObject) i).getString("startsAtLocal");
      assertTrue(text.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(Z|[+-]\\d{2}:\\d{2})"),
          "RFC 3339 with seconds: " + text);
      var local = OffsetDateTime.parse(text).toLocalTime();
      assertFalse(local.isBefore(LocalTime.of(9, 0)) || local.isAfter(LocalTime.of(11, 30)), local.toString());
    });
  }

  @Test
  void aHeldAppointmentIsOfferedOnlyWhileItsHoldLasts() {
    String service = world.service(new JsonObject());
    String provider = world.newActiveProvider(world.userToken(), "UTC", List.of(), List.of());
    world.weekly(provider, world.owner, "09:00", "11:00", service, null);
    String query = "providerId=" + provider + "&limit=200";
    var offered = world.search(query).getJsonArray("items");
    String first = offered.getJsonObject(0).getString("id");
    assertEquals(1, offered.getJsonObject(0).getInteger("seatsAvailable"));

    var held = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", first)
        .put("guest", new JsonObject().put("name", "Guest").put("email", "held@example.org")), null);
    assertEquals(201, held.statusCode(), held.bodyAsString());
    var after = world.search(query).getJsonArray("items");
    assertEquals(offered.size() - 1, after.size());
    assertTrue(after.stream().noneMatch(i -> ((JsonObject) i).getString("id").equals(first)), after.encode());
    assertEquals(0, World.ok(app.call(HttpMethod.GET, "/v1/slots/" + first, null, null)).getInteger("seatsAvailable"));

    // the hold's time passes (before any sweep frees the seat): the seat is takeable again, and offered again
    Wait.on(app.db.execute(Sql.DSL.update(SEAT).set(SEAT.HELD_UNTIL, OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1))
        .where(SEAT.SLOT_ID.eq(UUID.fromString(first)))));
    var again = world.search(query).getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(i -> i.getString("id").equals(first)).toList();
    assertEquals(1, again.size());
    assertEquals(1, again.getFirst().getInteger("seatsAvailable"));
  }

  /**
   * Searches beyond a node's lane and its queue ({@code BOOKWELL_SEARCH_CONCURRENCY}) are told to come back (503
   * with Retry-After); every other one of 40 at once gets the whole page, the same as a search alone.
   */
  @Test
  void searchesAtOnceGetTheWholePageOrAreToldToComeBack() {
    String provider = world.newActiveProvider(world.userToken(), "UTC", List.of(), List.of());
    world.weekly(provider, world.owner, "08:00", "18:00", world.service(new JsonObject()), null);
    var from = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).plusDays(1);
    String path = "/v1/slots?providerId=" + provider + "&limit=200&from=" + enc(from) + "&to=" + enc(from.plusDays(7));
    String alone = World.ok(app.call(HttpMethod.GET, path, null, null)).encode();
    // the pool's own queue stays as it is: only the lane can refuse these
    try (var narrow = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_SEARCH_CONCURRENCY", "1",
        "BOOKWELL_SEARCH_QUEUE", "1"), app.database)) {
      var answers = java.util.stream.IntStream.range(0, 40).mapToObj(i -> narrow.callAsync(HttpMethod.GET, path,
          null, null)).toList();
      Wait.on(io.vertx.core.Future.join(answers));
      int whole = 0;
      for (var answer : answers) {
        var response = answer.result();
        if (response.statusCode() == 200) {
          assertEquals(alone, response.bodyAsJsonObject().encode());
          whole++;
        } else {
          assertEquals(503, response.statusCode(), response.bodyAsString());
          assertNotNull(response.getHeader("Retry-After"));
          assertEquals("application/problem+json", response.getHeader("Content-Type"));
        }
      }
      assertTrue(whole > 0, "some searches got through");
      assertTrue(whole < answers.size(), "40 at once on a lane of one with one place to wait: some were refused");
    }
  }

  @Test
  void searchRespectsMinimumNoticeAndHorizon() {
    String service = world.service(new JsonObject().put("minNoticeMinutes", 48 * 60).put("horizonDays", 5));
    String provider = world.newActiveProvider(world.userToken(), "UTC", List.of(), List.of());
    world.weekly(provider, world.owner, "00:00", "23:30", service, null);

    var items = world.search("providerId=" + provider + "&limit=200&to="
        + enc(OffsetDateTime.now(ZoneOffset.UTC).plusDays(20))).getJsonArray("items");
    assertFalse(items.isEmpty());
    var now = OffsetDateTime.now(ZoneOffset.UTC);
    items.forEach(i -> {
      var start = OffsetDateTime.parse(((JsonObject) i).getString("startsAt"));
      assertTrue(start.isAfter(now.plusHours(48).minusMinutes(1)), "minimum notice: " + start);
      assertTrue(start.isBefore(now.plusDays(5).plusMinutes(1)), "horizon: " + start);
    });
  }

  @Test
  void aDeletedServiceIsNoLongerOffered() {
    String service = world.service(new JsonObject());
    String provider = world.newActiveProvider(world.userToken(), "Europe/London", List.of(), List.of());
    world.weekly(provider, world.owner, "09:00", "10:00", service, null);
    assertFalse(world.search("serviceId=" + service).getJsonArray("items").isEmpty());
    assertEquals(403, app.call(HttpMethod.DELETE, "/v1/services/" + service, null, world.userToken()).statusCode());
    assertEquals(204, app.call(HttpMethod.DELETE, "/v1/services/" + service, null, world.owner).statusCode());
    assertTrue(world.search("serviceId=" + service).getJsonArray("items").isEmpty());
    assertEquals(404, app.call(HttpMethod.DELETE, "/v1/services/" + service, null, world.owner).statusCode());
  }

  @Test
  void aBlockedDateHasNoSlots() {
    String service = world.service(new JsonObject());
    String provider = world.newActiveProvider(world.userToken(), "Europe/London", List.of(), List.of());
    world.weekly(provider, world.owner, "09:00", "10:00", service, null);
    var day = java.time.LocalDate.now(ZoneId.of("Europe/London")).plusDays(3);
    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + provider + "/exceptions",
        new JsonObject().put("organizationId", world.organizationId).put("date", day.toString()), world.owner));

    var items = world.search("providerId=" + provider + "&limit=200").getJsonArray("items");
    assertFalse(items.isEmpty());
    items.forEach(i -> assertFalse(OffsetDateTime.parse(((JsonObject) i).getString("startsAtLocal")).toLocalDate()
        .equals(day), "blocked day"));
  }

  @Test
  void oneVenueNeverHostsTwoProvidersAtOnce() {
    String service = world.service(new JsonObject().put("bufferAfterMinutes", 10));
    String venue = World.created(app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/venues",
        new JsonObject().put("name", "Room 2").put("capacity", 2), world.owner));
    String first = world.newActiveProvider(world.userToken(), "Europe/London", List.of(), List.of());
    String second = world.newActiveProvider(world.userToken(), "Europe/London", List.of(), List.of());
    world.weekly(first, world.owner, "09:00", "10:00", service, venue);

    var rules = new io.vertx.core.json.JsonArray().add(new JsonObject().put("weekday", 1).put("start", "09:30")
        .put("end", "11:00").put("serviceIds", List.of(service)).put("venueId", venue));
    var clash = app.call(HttpMethod.PUT, "/v1/providers/" + second + "/availability",
        new JsonObject().put("organizationId", world.organizationId).put("rules", rules), world.owner);
    assertEquals(409, clash.statusCode(), clash.bodyAsString());
    assertEquals("https://bookwell.dev/problems/venue-overlap", clash.bodyAsJsonObject().getString("type"));

    // The database itself refuses it, whatever the code above does.
    var existing = Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(SLOT).where(SLOT.VENUE_ID.eq(UUID.fromString(venue)))
        .limit(1)));
    var failure = Wait.failureOf(app.db.update(Sql.DSL.insertInto(SLOT)
        .set(existing.copy()).set(SLOT.ID, UUID.randomUUID()).set(SLOT.PROVIDER_ID, UUID.fromString(second))));
    assertEquals("23P01", ((PgException) failure).getSqlState(), "exclusion constraint");
  }

  @Test
  void capacityRisesAndFallsButNeverBelowTakenSeats() {
    String course = world.service(new JsonObject().put("name", "First aid").put("durationMinutes", 240)
        .put("seatsPerSlot", 12));
    String slot = World.created(app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/sessions",
        new JsonObject().put("serviceId", course).put("providerId", world.providerId).put("venueId", world.venueId)
            .put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(OffsetDateTime.now(ZoneOffset.UTC).plusDays(10).truncatedTo(ChronoUnit.HOURS))),
        world.owner));
    assertEquals(12, seats(slot));

    assertEquals(15, World.ok(capacity(slot, 15)).getInteger("capacity"));
    assertEquals(15, seats(slot));
    book(slot, 10);
    assertEquals(12, World.ok(capacity(slot, 12)).getInteger("capacity"));
    var refused = capacity(slot, 9);
    assertEquals(409, refused.statusCode());
    assertEquals("https://bookwell.dev/problems/capacity-below-booked", refused.bodyAsJsonObject().getString("type"));
    assertEquals(12, seats(slot), "nothing half-done");
    assertEquals(10, World.ok(capacity(slot, 10)).getInteger("capacity"));
    assertEquals(14, World.ok(capacity(slot, 14)).getInteger("capacity"));
    var numbers = Wait.on(app.db.fetch(Sql.DSL.select(SEAT.SEAT_NO).from(SEAT)
        .where(SEAT.SLOT_ID.eq(UUID.fromString(slot)))));
    assertEquals(14, new HashSet<>(numbers.stream().map(r -> r.value1()).toList()).size(), "seat numbers unique");
  }

  @Test
  void aSlotWithoutBookingsCanBeCancelledAndLeavesTheSearch() {
    String service = world.service(new JsonObject());
    var at = OffsetDateTime.now(ZoneOffset.UTC).plusDays(4).truncatedTo(ChronoUnit.HOURS);
    String free = World.created(app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/sessions",
        new JsonObject().put("serviceId", service).put("providerId", world.providerId).put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at)),
        world.owner));
    String taken = World.created(app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/sessions",
        new JsonObject().put("serviceId", service).put("providerId", world.providerId)
            .put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at.plusHours(1))), world.owner));
    book(taken, 1);

    assertEquals(204, app.call(HttpMethod.POST, "/v1/slots/" + free + "/cancel", null, world.owner).statusCode());
    assertEquals(409, app.call(HttpMethod.POST, "/v1/slots/" + taken + "/cancel", null, world.owner).statusCode());
    var ids = world.search("serviceId=" + service).getJsonArray("items").stream()
        .map(i -> ((JsonObject) i).getString("id")).toList();
    assertFalse(ids.contains(free), "cancelled slots are not offered");
    assertEquals(404, app.call(HttpMethod.POST, "/v1/slots/" + free + "/cancel", null, world.owner).statusCode());
  }

  @Test
  void changingHoursReplacesFreeSlotsAndKeepsBookedOnes() {
    String service = world.service(new JsonObject());
    String provider = world.newActiveProvider(world.userToken(), "Europe/London", List.of(), List.of());
    world.weekly(provider, world.owner, "09:00", "10:00", service, null);
    var before = world.search("providerId=" + provider + "&limit=200").getJsonArray("items");
    String booked = before.getJsonObject(0).getString("id");
    book(booked, 1);

    var changed = world.weekly(provider, world.owner, "14:00", "15:00", service, null);
    assertTrue(changed.getInteger("slotsRemoved") >= before.size() - 1, changed.encode());
    var slots = Wait.on(app.db.fetch(Sql.DSL.select(SLOT.ID, SLOT.STARTS_AT).from(SLOT)
        .where(SLOT.PROVIDER_ID.eq(UUID.fromString(provider)))));
    assertTrue(slots.stream().anyMatch(s -> s.value1().toString().equals(booked)), "the booked slot stays");
    slots.stream().filter(s -> !s.value1().toString().equals(booked)).forEach(s -> {
      var local = s.value2().atZoneSameInstant(ZoneId.of("Europe/London")).toLocalTime();
      assertTrue(!local.isBefore(LocalTime.of(14, 0)) && local.isBefore(LocalTime.of(15, 0)), local.toString());
    });
  }

  @Test
  void searchPagesStayStableWhileSlotsAreAdded() {
    String service = world.service(new JsonObject().put("durationMinutes", 60));
    String provider = world.newActiveProvider(world.userToken(), "UTC", List.of(), List.of());
    var base = OffsetDateTime.now(ZoneOffset.UTC).plusDays(2).truncatedTo(ChronoUnit.DAYS);
    for (int i = 0; i < 30; i++) {
      session(service, provider, base.plusHours(i * 2));
    }
    String query = "providerId=" + provider + "&limit=10&to=" + enc(base.plusDays(7));
    var seen = new java.util.ArrayList<String>();
    var page = world.search(query);
    page.getJsonArray("items").forEach(i -> seen.add(((JsonObject) i).getString("startsAt")));
    // New slots land before, between and after what has been read.
    session(service, provider, base.minusHours(3));
    session(service, provider, base.plusHours(1));
    session(service, provider, base.plusHours(41));
    while (page.getString("nextCursor") != null) {
      page = world.search(query + "&cursor=" + page.getString("nextCursor"));
      page.getJsonArray("items").forEach(i -> seen.add(((JsonObject) i).getString("startsAt")));
    }
    assertEquals(seen.size(), new HashSet<>(seen).size(), "no slot twice");
    for (int i = 0; i < 30; i++) {
      assertTrue(seen.contains(base.plusHours(i * 2).toInstant().toString()), "slot " + i + " seen");
    }
    assertTrue(seen.contains(base.plusHours(41).toInstant().toString()), "a slot added ahead of the cursor shows");
    assertFalse(seen.contains(base.plusHours(1).toInstant().toString()), "one behind the cursor does not");
  }

  @Test
  void providerListFiltersAndShowsTheNextAvailableSlot() {
    String service = world.service(new JsonObject());
    String token = world.userToken();
    String provider = world.newActiveProvider(token, "Europe/Berlin", List.of("dermatology"), List.of("fr"));
    world.weekly(provider, token, "10:00", "11:00", service, null);

    var bySpecialty = World.ok(app.call(HttpMethod.GET, "/v1/providers?specialty=dermatology", null, null))
        .getJsonArray("items");
    assertEquals(1, bySpecialty.size());
    assertNotNull(bySpecialty.getJsonObject(0).getString("nextAvailableAt"));
    assertEquals(1, World.ok(app.call(HttpMethod.GET, "/v1/providers?language=fr", null, null))
        .getJsonArray("items").size());
    var byOrg = World.ok(app.call(HttpMethod.GET, "/v1/providers?limit=2&organizationId=" + world.organizationId,
        null, null));
    assertEquals(2, byOrg.getJsonArray("items").size());
    assertNotNull(byOrg.getString("nextCursor"));
  }

  @Test
  void membersWithoutThePermissionCannotManageTheOrganization() {
    String stranger = world.userToken();
    var denied = app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/services",
        new JsonObject().put("name", "X").put("durationMinutes", 30).put("priceMinor", 1), stranger);
    assertEquals(403, denied.statusCode());
    var rules = new io.vertx.core.json.JsonArray();
    var notOwn = app.call(HttpMethod.PUT, "/v1/providers/" + world.providerId + "/availability",
        new JsonObject().put("organizationId", world.organizationId).put("rules", rules), stranger);
    assertEquals(403, notOwn.statusCode());
  }

  private static void session(String service, String provider, OffsetDateTime at) {
    World.created(app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/sessions",
        new JsonObject().put("serviceId", service).put("providerId", provider).put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at)),
        world.owner));
  }

  private static io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> capacity(String slot, int n) {
    return app.call(HttpMethod.PUT, "/v1/slots/" + slot + "/capacity", new JsonObject().put("capacity", n), world.owner);
  }

  private static int seats(String slot) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(UUID.fromString(slot)))))
        .value1();
  }

  /** Stands in for the booking area: marks the lowest-numbered free seats booked. */
  private static void book(String slot, int count) {
    var seats = Sql.DSL.select(SEAT.ID).from(SEAT).where(SEAT.SLOT_ID.eq(UUID.fromString(slot)))
        .and(SEAT.STATE.eq(SeatState.free)).orderBy(SEAT.SEAT_NO).limit(count);
    Wait.on(app.db.update(Sql.DSL.update(SEAT).set(SEAT.STATE, SeatState.booked)
        .set(SEAT.BOOKING_ID, DSL.field("gen_random_uuid()", UUID.class)).where(SEAT.ID.in(seats))));
  }

  private static String enc(OffsetDateTime time) {
    return java.net.URLEncoder.encode(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time), java.nio.charset.StandardCharsets.UTF_8);
  }
}
