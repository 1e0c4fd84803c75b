package dev.bookwell.api;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.ORGANIZATION;
import static dev.bookwell.db.Tables.ORGANIZATION_INVITATION;
import static dev.bookwell.db.Tables.PROVIDER_DOCUMENT;
import static dev.bookwell.db.Tables.REQUIREMENT_TYPE;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.WEBHOOK_ENDPOINT;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operations this round changed (invitations, organizations' contact, services' bounds, requirement types,
 * documents, webhooks, reschedules, payments, cancellations), tried by a fresh account with an organization of its
 * own against another organization's: each is refused, and nothing of the victim's changes.
 */
class ChangedOperationsStrangerTest {

  static TestApp app;
  static World world;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    world = new World(app, "UTC");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aStrangerOrganizationChangesNothingOfAnothers() {
    String victimOrg = "/v1/organizations/" + world.organizationId;
    String service = world.service(new JsonObject().put("name", "Victim's").put("priceMinor", 3000)
        .put("seatsPerSlot", 5));
    String slot = world.session(service, world.providerId, at(4), 5);
    String other = world.session(service, world.providerId, at(5), 5);
    String client = world.userToken();
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot),
        client));
    var before = counts(service, booking);

    String stranger = world.userToken();
    IdentityFixture.organization(app, stranger);
    var refused = List.of(
        app.call(HttpMethod.POST, victimOrg + "/invitations", new JsonObject().put("email", "mine@example.org")
            .put("role", "owner"), stranger),
        app.call(HttpMethod.PATCH, victimOrg, new JsonObject().put("contactEmail", "mine@example.org"), stranger),
        app.call(HttpMethod.POST, victimOrg + "/services", new JsonObject().put("name", "Mine")
            .put("durationMinutes", 30).put("priceMinor", 0).put("minNoticeMinutes", 10), stranger),
        app.call(HttpMethod.PATCH, "/v1/services/" + service, new JsonObject().put("minNoticeMinutes", 525600),
            stranger),
        app.call(HttpMethod.POST, victimOrg + "/requirement-types", new JsonObject().put("name", "Mine")
            .put("expires", false), stranger),
        app.call(HttpMethod.POST, "/v1/providers/" + world.providerId + "/documents", new JsonObject()
            .put("requirementTypeId", UUID.randomUUID().toString()).put("fileName", "x.pdf")
            .put("content", Base64.getEncoder().encodeToString("%PDF-1.4 x".getBytes())), stranger),
        app.call(HttpMethod.POST, victimOrg + "/webhooks", new JsonObject().put("url", "https://example.org/hook")
            .put("eventTypes", new JsonArray().add("booking.confirmed")), stranger),
        app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/reschedule", new JsonObject().put("slotId", other),
            stranger),
        app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/payment", null, stranger),
        app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/cancel", null, stranger));
    for (var answer : refused) {
      assertTrue(answer.statusCode() == 403 || answer.statusCode() == 404, answer.statusCode() + " "
          + answer.bodyAsString());
      assertTrue(answer.getHeader("Content-Type").startsWith("application/problem+json"), answer.bodyAsString());
    }
    assertEquals(before, counts(service, booking), "nothing of the victim's changed");
  }

  /** What the stranger's attempts could have changed, read from the database. */
  private static List<Object> counts(String service, String booking) {
    UUID org = UUID.fromString(world.organizationId);
    var victimBooking = Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(BOOKING)
        .where(BOOKING.ID.eq(UUID.fromString(booking)))));
    return List.of(
        count(ORGANIZATION_INVITATION, ORGANIZATION_INVITATION.ORGANIZATION_ID.eq(org)),
        String.valueOf(Wait.on(app.db.fetchOne(Sql.DSL.select(ORGANIZATION.CONTACT_EMAIL).from(ORGANIZATION)
            .where(ORGANIZATION.ID.eq(org)))).value1()),
        count(SERVICE, SERVICE.ORGANIZATION_ID.eq(org)),
        Wait.on(app.db.fetchOne(Sql.DSL.select(SERVICE.MIN_NOTICE_MINUTES).from(SERVICE)
            .where(SERVICE.ID.eq(UUID.fromString(service))))).value1(),
        count(REQUIREMENT_TYPE, REQUIREMENT_TYPE.ORGANIZATION_ID.eq(org)),
        count(PROVIDER_DOCUMENT, PROVIDER_DOCUMENT.PROVIDER_ID.eq(UUID.fromString(world.providerId))),
        count(WEBHOOK_ENDPOINT, WEBHOOK_ENDPOINT.ORGANIZATION_ID.eq(org)),
        victimBooking.getStatus().getLiteral(), victimBooking.getSlotId().toString(), victimBooking.getMoves(),
        count(BOOKING, BOOKING.RESCHEDULED_FROM.eq(UUID.fromString(booking))));
  }

  private static int count(Table<?> table, Condition where) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(table).where(where))).value1();
  }
}
