package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.AVAILABILITY_RULE;
import static dev.bookwell.db.Tables.PROMO_CODE;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attacker tests for scheduling: an account with its own organization tries to take another organization's
 * provider, venue, service or schedule, and the victim's data is checked unchanged in the database.
 */
class ProviderConsentTest {

  static TestApp app;
  static World victim;
  static World attacker;
  static String victimService;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    victim = new World(app, "UTC");
    attacker = new World(app, "UTC");
    victimService = victim.service(new JsonObject().put("priceMinor", 0));
    victim.weekly(victim.providerId, victim.providerToken, "09:00", "12:00", victimService, null);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aStrangerCannotUseAProviderWhoDidNotAgree() {
    long before = openSlots(victim.providerId, victim.organizationId);
    var asked = link(attacker, victim.providerId);
    assertEquals(202, asked.statusCode(), asked.bodyAsString());
    assertEquals("requested", asked.bodyAsJsonObject().getString("status"));

    String attackerService = attacker.service(new JsonObject());
    var rules = attacker.weekly(victim.providerId, attacker.owner, "06:00", "20:00", attackerService, null);
    assertEquals("https://bookwell.dev/problems/provider-not-in-organization", rules.getString("type"));
    var session = app.call(HttpMethod.POST, "/v1/organizations/" + attacker.organizationId + "/sessions",
        new JsonObject().put("serviceId", attackerService).put("providerId", victim.providerId)
            .put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at(2))), attacker.owner);
    assertEquals(409, session.statusCode(), session.bodyAsString());
    var block = app.call(HttpMethod.POST, "/v1/providers/" + victim.providerId + "/exceptions", new JsonObject()
        .put("organizationId", attacker.organizationId).put("date", LocalDate.now(ZoneOffset.UTC).plusDays(2)
            .toString()), attacker.owner);
    assertEquals(409, block.statusCode(), block.bodyAsString());

    var pending = World.ok(app.call(HttpMethod.GET, "/v1/providers/" + victim.providerId + "/organizations", null,
        victim.providerToken)).getJsonArray("items");
    assertTrue(pending.stream().map(JsonObject.class::cast).anyMatch(l -> l.getString("organizationId")
        .equals(attacker.organizationId) && l.getString("status").equals("requested")), pending.encode());
    assertEquals(403, app.call(HttpMethod.GET, "/v1/providers/" + victim.providerId + "/organizations", null,
        attacker.owner).statusCode(), "only the provider sees their requests");
    assertEquals(403, decide(victim.providerId, attacker.organizationId, "accept", attacker.owner).statusCode(),
        "the organization cannot accept for the provider");

    assertEquals("declined", World.ok(decide(victim.providerId, attacker.organizationId, "decline",
        victim.providerToken)).getString("status"));
    assertEquals(409, decide(victim.providerId, attacker.organizationId, "accept", victim.providerToken)
        .statusCode(), "a declined request is over");
    var again = link(attacker, victim.providerId);
    assertEquals(409, again.statusCode(), "no asking again right away: " + again.bodyAsString());
    assertEquals("https://bookwell.dev/problems/asked-recently", again.bodyAsJsonObject().getString("type"));
    String victimSlot = victim.search("providerId=" + victim.providerId + "&limit=1").getJsonArray("items")
        .getJsonObject(0).getString("id");
    assertEquals(201, app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", victimSlot),
        victim.userToken()).statusCode(), "the provider stays bookable where they work");
    assertEquals(before, openSlots(victim.providerId, victim.organizationId), "the victim's slots are still there");
    assertEquals(0, openSlots(victim.providerId, attacker.organizationId));
    assertEquals(0, count(Sql.DSL.selectCount().from(AVAILABILITY_RULE)
        .where(AVAILABILITY_RULE.ORGANIZATION_ID.eq(UUID.fromString(attacker.organizationId)))
        .and(AVAILABILITY_RULE.PROVIDER_ID.eq(UUID.fromString(victim.providerId)))));
  }

  @Test
  void anOrganizationsExceptionsChangeOnlyItsOwnSlots() {
    var second = new World(app, "UTC");
    second.link(victim.providerId, victim.providerToken);
    String secondService = second.service(new JsonObject().put("name", "Other"));
    second.weekly(victim.providerId, second.owner, "13:00", "16:00", secondService, null);
    LocalDate day = LocalDate.now(ZoneOffset.UTC).plusDays(5);
    long victimDay = openSlotsOn(victim.providerId, victim.organizationId, day);
    assertTrue(victimDay > 0 && openSlotsOn(victim.providerId, second.organizationId, day) > 0);

    var blocked = app.call(HttpMethod.POST, "/v1/providers/" + victim.providerId + "/exceptions",
        new JsonObject().put("organizationId", second.organizationId).put("date", day.toString()), second.owner);
    assertEquals(200, blocked.statusCode(), blocked.bodyAsString());
    assertEquals(0, openSlotsOn(victim.providerId, second.organizationId, day), "its own day is blocked");
    assertEquals(victimDay, openSlotsOn(victim.providerId, victim.organizationId, day), "the victim's is not");

    var everywhere = new JsonObject().put("date", day.plusDays(1).toString());
    assertEquals(403, app.call(HttpMethod.POST, "/v1/providers/" + victim.providerId + "/exceptions", everywhere,
        second.owner).statusCode(), "only the provider blocks their time everywhere");
    assertTrue(openSlotsOn(victim.providerId, victim.organizationId, day.plusDays(1)) > 0);
    var withHours = everywhere.copy().put("windows", new JsonArray().add(new JsonObject().put("start", "10:00")
        .put("end", "11:00").put("serviceIds", List.of(victimService))));
    assertEquals(400, app.call(HttpMethod.POST, "/v1/providers/" + victim.providerId + "/exceptions", withHours,
        victim.providerToken).statusCode(), "custom hours need an organization");
    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + victim.providerId + "/exceptions", everywhere,
        victim.providerToken));
    assertEquals(0, openSlotsOn(victim.providerId, victim.organizationId, day.plusDays(1)));
    assertEquals(0, openSlotsOn(victim.providerId, second.organizationId, day.plusDays(1)));
    assertTrue(openSlotsOn(victim.providerId, victim.organizationId, day.plusDays(2)) > 0, "other days stay");
  }

  @Test
  void everyReferenceMustBeTheOrganizationsOwn() {
    String attackerService = attacker.service(new JsonObject());
    long victimVenueSlots = count(Sql.DSL.selectCount().from(SLOT)
        .where(SLOT.VENUE_ID.eq(UUID.fromString(victim.venueId))));
    var session = new JsonObject().put("serviceId", attackerService).put("providerId", attacker.providerId)
        .put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at(3)));
    assertNotOurs(app.call(HttpMethod.POST, "/v1/organizations/" + attacker.organizationId + "/sessions",
        session.copy().put("venueId", victim.venueId), attacker.owner), "venueId");
    assertNotOurs(app.call(HttpMethod.POST, "/v1/organizations/" + attacker.organizationId + "/sessions",
        session.copy().put("serviceId", victimService), attacker.owner), "serviceId");
    var rules = new JsonArray().add(new JsonObject().put("weekday", 1).put("start", "09:00").put("end", "10:00")
        .put("serviceIds", List.of(attackerService)).put("venueId", victim.venueId));
    assertNotOurs(app.call(HttpMethod.PUT, "/v1/providers/" + attacker.providerId + "/availability",
        new JsonObject().put("organizationId", attacker.organizationId).put("rules", rules), attacker.owner),
        "venueId");
    assertEquals(victimVenueSlots, count(Sql.DSL.selectCount().from(SLOT)
        .where(SLOT.VENUE_ID.eq(UUID.fromString(victim.venueId)))), "nothing was scheduled in the victim's venue");

    String promo = "/v1/organizations/" + attacker.organizationId + "/promo-codes";
    assertNotOurs(app.call(HttpMethod.POST, promo, new JsonObject().put("code", "STEAL1").put("kind", "percent")
        .put("value", 100).put("serviceId", victimService), attacker.owner), "serviceId");
    assertNotOurs(app.call(HttpMethod.POST, promo, new JsonObject().put("code", "STEAL2").put("kind", "percent")
        .put("value", 100).put("providerId", victim.providerId), attacker.owner), "providerId");
    assertEquals(0, count(Sql.DSL.selectCount().from(PROMO_CODE)
        .where(PROMO_CODE.ORGANIZATION_ID.eq(UUID.fromString(attacker.organizationId)))));
    assertEquals(201, app.call(HttpMethod.POST, promo, new JsonObject().put("code", "OWN10").put("kind", "percent")
        .put("value", 10).put("providerId", attacker.providerId).put("serviceId", attackerService), attacker.owner)
        .statusCode(), "its own provider and service are fine");
  }

  @Test
  void onlyAnActiveProviderHasSlots() {
    var world = new World(app, "UTC");
    String token = world.userToken();
    String id = World.created(app.call(HttpMethod.POST, "/v1/providers", new JsonObject()
        .put("displayName", "Dr Pending").put("timezone", "UTC"), token));
    world.link(id, token);
    String service = world.service(new JsonObject().put("priceMinor", 0));
    assertEquals(0, world.weekly(id, token, "09:00", "17:00", service, null).getInteger("slotsCreated"),
        "pending: rules are kept, no slots");
    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/approve", null, world.admin));
    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/activate", null, token));
    long live = openSlots(id, world.organizationId);
    assertTrue(live > 0, "going live generates the slots");

    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/suspend", null, world.admin));
    assertEquals(0, openSlots(id, world.organizationId), "a suspended provider's free slots go");
    assertEquals(0, world.search("providerId=" + id).getJsonArray("items").size());
    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/activate", null, world.admin));
    assertEquals(live, openSlots(id, world.organizationId), "and come back with the provider");
  }

  @Test
  void endingALinkCancelsFreeSlotsKeepsBookedOnesAndNothingStaysBookable() {
    var world = new World(app, "UTC");
    String service = world.service(new JsonObject().put("priceMinor", 0).put("seatsPerSlot", 2));
    world.weekly(world.providerId, world.providerToken, "09:00", "12:00", service, null);
    String session = world.session(service, world.providerId, at(2).withHour(20), 2);
    String client = world.userToken();
    var booking = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", session), client);
    assertEquals(201, booking.statusCode(), booking.bodyAsString());
    String needsYes = world.service(new JsonObject().put("priceMinor", 0).put("requiresConfirmation", true));
    String waitingSlot = world.session(needsYes, world.providerId, at(3).withHour(20), 1);
    var waiting = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", waitingSlot), client);
    assertEquals("pending_confirmation", waiting.bodyAsJsonObject().getString("status"), waiting.bodyAsString());
    long open = openSlots(world.providerId, world.organizationId);
    String path = "/v1/organizations/" + world.organizationId + "/providers/" + world.providerId;

    assertEquals(403, app.call(HttpMethod.DELETE, path, null, attacker.owner).statusCode(), "a stranger cannot");
    assertEquals(open, openSlots(world.providerId, world.organizationId), "nothing changed");

    var ended = World.ok(app.call(HttpMethod.DELETE, path, null, world.providerToken));  // the provider may leave
    assertEquals("ended", ended.getString("status"));
    assertEquals(2, (int) ended.getInteger("slotsKeptForBookings"));
    assertEquals(open - 2, (long) ended.getInteger("slotsCancelled"));
    String waitingId = waiting.bodyAsJsonObject().getString("id");
    Eventually.until("the unconfirmed booking is declined", () -> "declined".equals(World.ok(app.call(
        HttpMethod.GET, "/v1/bookings/" + waitingId, null, client)).getString("status")));
    assertEquals(409, app.call(HttpMethod.POST, "/v1/bookings/" + waitingId + "/confirm", null, world.owner)
        .statusCode(), "nothing is confirmed for a provider who left");
    assertEquals(1, count(Sql.DSL.selectCount().from(SLOT).where(SLOT.PROVIDER_ID.eq(UUID.fromString(
        world.providerId))).and(SLOT.STATUS.eq(SlotStatus.open)).and(DSL.exists(Sql.DSL.selectOne()
        .from(dev.bookwell.db.Tables.SEAT).where(dev.bookwell.db.Tables.SEAT.SLOT_ID.eq(SLOT.ID))
        .and(dev.bookwell.db.Tables.SEAT.STATE.ne(dev.bookwell.db.enums.SeatState.free))))),
        "only the confirmed booking's slot still has a taken seat");
    assertEquals("confirmed", World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + booking.bodyAsJsonObject()
        .getString("id"), null, client)).getString("status"));
    var another = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", session),
        world.userToken());
    assertEquals(422, another.statusCode(), "its free seat is not bookable any more: " + another.bodyAsString());
    assertEquals(0, world.search("providerId=" + world.providerId).getJsonArray("items").size());
    var links = World.ok(app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/providers", null,
        world.owner)).getJsonArray("items");
    assertEquals("ended", links.getJsonObject(0).getString("status"));
    assertEquals(409, world.weekly(world.providerId, world.owner, "09:00", "12:00", service, null)
        .getInteger("status"), "no more hours without a new agreement");
    assertEquals(404, app.call(HttpMethod.DELETE, path, null, world.owner).statusCode(), "already ended");
  }

  private static HttpResponse<Buffer> link(World org, String providerId) {
    return app.call(HttpMethod.POST, "/v1/organizations/" + org.organizationId + "/providers/" + providerId, null,
        org.owner);
  }

  private static HttpResponse<Buffer> decide(String providerId, String organizationId, String what, String token) {
    return app.call(HttpMethod.POST, "/v1/providers/" + providerId + "/organizations/" + organizationId + "/" + what,
        null, token);
  }

  private static void assertNotOurs(HttpResponse<Buffer> response, String field) {
    assertEquals(404, response.statusCode(), response.bodyAsString());
    assertEquals(field, response.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
  }

  static long openSlots(String providerId, String organizationId) {
    return count(Sql.DSL.selectCount().from(SLOT).where(SLOT.PROVIDER_ID.eq(UUID.fromString(providerId)))
        .and(SLOT.ORGANIZATION_ID.eq(UUID.fromString(organizationId))).and(SLOT.STATUS.eq(SlotStatus.open))
        .and(SLOT.STARTS_AT.gt(DSL.currentOffsetDateTime())));
  }

  private static long openSlotsOn(String providerId, String organizationId, LocalDate day) {
    var start = day.atStartOfDay().atOffset(ZoneOffset.UTC);
    return count(Sql.DSL.selectCount().from(SLOT).where(SLOT.PROVIDER_ID.eq(UUID.fromString(providerId)))
        .and(SLOT.ORGANIZATION_ID.eq(UUID.fromString(organizationId))).and(SLOT.STATUS.eq(SlotStatus.open))
        .and(SLOT.STARTS_AT.ge(start)).and(SLOT.STARTS_AT.lt(start.plusDays(1))));
  }

  private static long count(org.jooq.ResultQuery<org.jooq.Record1<Integer>> query) {
    return Wait.on(app.db.fetchOne(query)).value1();
  }
}
