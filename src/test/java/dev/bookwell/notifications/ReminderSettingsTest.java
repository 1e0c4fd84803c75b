package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.REMINDER;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** An organization chooses its reminder offsets; another organization cannot; bookings confirmed after follow them. */
class ReminderSettingsTest extends AppTest {

  @Test
  void theOrganizationsOffsetsShapeTheRemindersOfNewBookings() {
    var world = new World(app, "UTC");
    String path = "/v1/organizations/" + world.organizationId + "/notification-settings";
    assertEquals(new JsonArray().add(1440).add(60), World.ok(app.call(HttpMethod.GET, path, null, world.owner))
        .getJsonArray("reminderMinutes"), "24 h and 1 h by default");

    String attacker = world.userToken();
    IdentityFixture.organization(app, attacker);
    assertEquals(403, app.call(HttpMethod.PUT, path, new JsonObject().put("reminderMinutes", new JsonArray()),
        attacker).statusCode());
    assertEquals(400, app.call(HttpMethod.PUT, path, new JsonObject().put("reminderMinutes", new JsonArray().add(1)),
        world.owner).statusCode(), "a reminder a minute before is refused");
    assertEquals(new JsonArray().add(120), World.ok(app.call(HttpMethod.PUT, path, new JsonObject()
        .put("reminderMinutes", new JsonArray().add(120)), world.owner)).getJsonArray("reminderMinutes"));

    String service = world.service(new JsonObject().put("name", "Two hours ahead").put("priceMinor", 0));
    var startsAt = World.at(2);
    String slot = world.session(service, world.providerId, startsAt, 2);
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot),
        world.userToken()));
    Eventually.until("reminder scheduled", () -> count(booking) == 1);
    var due = Wait.on(app.db.fetchOne(Sql.DSL.select(REMINDER.DUE_AT).from(REMINDER)
        .where(REMINDER.BOOKING_ID.eq(UUID.fromString(booking))))).value1();
    assertEquals(startsAt.minus(Duration.ofMinutes(120)).toInstant(), due.toInstant());

    // a booking three to four hours ahead: its two-hour reminder is scheduled, its five-hour one (already past)
    // is not, so it never goes out late
    World.ok(app.call(HttpMethod.PUT, path, new JsonObject().put("reminderMinutes", new JsonArray().add(120).add(300)),
        world.owner));
    var soon = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).plusHours(4)
        .truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    String soonBooking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject()
        .put("slotId", world.session(service, world.providerId, soon, 2)), world.userToken()));
    Eventually.until("reminder scheduled", () -> count(soonBooking) == 1);
    assertEquals(soon.minus(Duration.ofMinutes(120)).toInstant(), Wait.on(app.db.fetchOne(Sql.DSL
        .select(REMINDER.DUE_AT).from(REMINDER).where(REMINDER.BOOKING_ID.eq(UUID.fromString(soonBooking)))))
        .value1().toInstant());
  }

  private static int count(String booking) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(REMINDER)
        .where(REMINDER.BOOKING_ID.eq(UUID.fromString(booking))))).value1();
  }
}
