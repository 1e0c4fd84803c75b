package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.AVAILABILITY_RULE;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.Bookwell;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bounded work: one request cannot make the service build millions of slots; large legitimate schedules still
 * work, in batches, past PostgreSQL's bind-parameter limit.
 */
class ScheduleLimitsTest {

  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_MAX_SLOTS_PER_ORGANIZATION", "2000",
        "BOOKWELL_MAX_SEATS_PER_ORGANIZATION", "5000"));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void rulesAskingForTooManySlotsAreRefusedAndNothingIsWritten() {
    var world = new World(app, "UTC");
    String service = world.service(new JsonObject().put("durationMinutes", 5).put("horizonDays", 730));
    long rulesBefore = rules(world.organizationId);
    var refused = world.weekly(world.providerId, world.providerToken, "00:00", "23:55", service, null);
    assertEquals(422, refused.getInteger("status"), refused.encode());
    assertEquals("https://bookwell.dev/problems/schedule-too-large", refused.getString("type"));
    assertTrue(refused.getString("detail").contains("BOOKWELL_MAX_SLOTS_PER_ORGANIZATION"), refused.encode());
    assertEquals(0, slots(world.organizationId), "no slot was written");
    assertEquals(rulesBefore, rules(world.organizationId), "the rules were not changed either");

    String shortHorizon = world.service(new JsonObject().put("durationMinutes", 5).put("horizonDays", 14));
    var fits = world.weekly(world.providerId, world.providerToken, "09:00", "10:00", shortHorizon, null);
    assertTrue(fits.getInteger("slotsCreated") > 0, fits.encode());
  }

  @Test
  void seatsCountTowardsTheLimitToo() {
    var world = new World(app, "UTC");
    String course = world.service(new JsonObject().put("seatsPerSlot", 100));
    var session = new JsonObject().put("serviceId", course).put("providerId", world.providerId);
    String path = "/v1/organizations/" + world.organizationId + "/sessions";
    assertEquals(201, app.call(HttpMethod.POST, path, session.copy().put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at(2)))
        .put("capacity", 4000), world.owner).statusCode());
    var refused = app.call(HttpMethod.POST, path, session.copy().put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at(3)))
        .put("capacity", 1500), world.owner);
    assertEquals(422, refused.statusCode(), refused.bodyAsString());
    assertTrue(refused.bodyAsString().contains("BOOKWELL_MAX_SEATS_PER_ORGANIZATION"), refused.bodyAsString());

    String slot = world.session(course, world.providerId, at(4), 900);
    var raise = app.call(HttpMethod.PUT, "/v1/slots/" + slot + "/capacity", new JsonObject().put("capacity", 1200),
        world.owner);
    assertEquals(422, raise.statusCode(), raise.bodyAsString());
    assertEquals(4900, seats(world.organizationId), "seats as before the refusals");
  }

  /**
   * Three services of 15-minute slots, weekdays 08:00-18:00, booked up to two years ahead: over 60,000 slots,
   * written in batches (one INSERT of them would need more than PostgreSQL's 65,535 bind values).
   */
  @Test
  void aLargeLegitimateScheduleWorks() {
    try (var big = TestApp.start()) {
      var world = new World(big, "Europe/London");
      var services = new JsonArray();
      for (int i = 0; i < 3; i++) {
        services.add(world.service(new JsonObject().put("name", "Service " + i).put("durationMinutes", 15)
            .put("horizonDays", 730)));
      }
      var rules = new JsonArray();
      for (int day = 1; day <= 5; day++) {
        rules.add(new JsonObject().put("weekday", day).put("start", "08:00").put("end", "18:00")
            .put("serviceIds", services));
      }
      long started = System.nanoTime();
      var response = big.call(HttpMethod.PUT, "/v1/providers/" + world.providerId + "/availability",
          new JsonObject().put("organizationId", world.organizationId).put("rules", rules), world.providerToken);
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertEquals(200, response.statusCode(), response.bodyAsString());
      int created = response.bodyAsJsonObject().getInteger("slotsCreated");
      assertTrue(created > 60_000, "slots created: " + created);
      var count = Wait.on(big.db.fetchOne(Sql.DSL.selectCount().from(SLOT)
          .where(SLOT.ORGANIZATION_ID.eq(UUID.fromString(world.organizationId))))).value1();
      assertEquals(created, count);
      System.out.printf("large schedule: %d slots with their seats in %d ms%n", created, millis);
      // compared from tomorrow on (a slot that starts within the notice while the test runs is not made again) up
      // to the last slot made now: the horizon moves on with the clock, and a change applied seconds later may add
      // the sessions that came within it meanwhile
      var organization = SLOT.ORGANIZATION_ID.eq(UUID.fromString(world.organizationId));
      var last = Wait.on(big.db.fetchOne(Sql.DSL.select(DSL.max(SLOT.STARTS_AT)).from(SLOT).where(organization)))
          .value1();
      var fromTomorrow = organization.and(SLOT.STATUS.eq(dev.bookwell.db.enums.SlotStatus.open))
          .and(SLOT.STARTS_AT.gt(java.time.OffsetDateTime.now().plusDays(1))).and(SLOT.STARTS_AT.le(last));
      int ahead = Wait.on(big.db.fetchOne(Sql.DSL.selectCount().from(SLOT).where(fromTomorrow))).value1();

      // The same large change five times at once: one runs, the others are refused at once instead of queueing
      // up with pooled connections behind the organization's lock; nothing is half done.
      var puts = new java.util.ArrayList<io.vertx.core.Future<io.vertx.ext.web.client.HttpResponse<
          io.vertx.core.buffer.Buffer>>>();
      for (int i = 0; i < 5; i++) {
        puts.add(big.callAsync(HttpMethod.PUT, "/v1/providers/" + world.providerId + "/availability",
            new JsonObject().put("organizationId", world.organizationId).put("rules", rules), world.providerToken));
      }
      Wait.on(io.vertx.core.Future.join(puts));
      for (var put : puts) {
        var done = put.result();
        assertTrue(done.statusCode() == 200 || done.statusCode() == 409, done.statusCode() + done.bodyAsString());
        if (done.statusCode() == 409) {
          assertEquals("https://bookwell.dev/problems/schedule-busy", done.bodyAsJsonObject().getString("type"));
          assertEquals("1", done.getHeader("Retry-After"));
        }
      }
      assertEquals(ahead, Wait.on(big.db.fetchOne(Sql.DSL.selectCount().from(SLOT).where(fromTomorrow))).value1(),
          "the same schedule, once");
    }
  }

  @Test
  void sessionsArePublishedForTheFutureOnly() {
    var world = new World(app, "UTC");
    String course = world.service(new JsonObject().put("seatsPerSlot", 10));
    for (String when : List.of(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at(-2)),
        java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at(800)))) {
      var refused = app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/sessions",
          new JsonObject().put("serviceId", course).put("providerId", world.providerId).put("startsAt", when)
              .put("capacity", 10), world.owner);
      assertEquals(400, refused.statusCode(), refused.bodyAsString());
      assertEquals("startsAt", refused.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0)
          .getString("field"));
    }
    assertEquals(0, slots(world.organizationId));
  }

  private static long slots(String organizationId) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SLOT)
        .where(SLOT.ORGANIZATION_ID.eq(UUID.fromString(organizationId))))).value1();
  }

  private static long seats(String organizationId) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT).join(SLOT).on(SLOT.ID.eq(SEAT.SLOT_ID))
        .where(SLOT.ORGANIZATION_ID.eq(UUID.fromString(organizationId))))).value1();
  }

  private static long rules(String organizationId) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(AVAILABILITY_RULE)
        .where(AVAILABILITY_RULE.ORGANIZATION_ID.eq(UUID.fromString(organizationId))))).value1();
  }
}
