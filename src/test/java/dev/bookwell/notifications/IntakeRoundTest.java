package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.NOTIFICATION;
import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.Bookwell;
import dev.bookwell.db.tables.records.OutgoingMessageRecord;
import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One batch of the intake over the bookings of two organizations, two providers in one of them, one booker in both,
 * a guest in each, and staff who opted in in each: what the batch asked once ({@link Asked}) is each organization's,
 * provider's and person's own.
 */
class IntakeRoundTest {

  static TestApp app;

  @BeforeAll
  static void start() {
    // the service's own rounds never come: the test's one round handles every event
    app = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_MAIL_POLL_INTERVAL", "1h"));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private record Booked(String id, World in, String providerToken) {
  }

  @Test
  void aBatchTellsEachBookingsOwnProviderStaffAndBookerWhateverItAskedOnce() {
    var clinic = new World(app, "Europe/Berlin");
    var other = new World(app, "America/New_York");
    String clinicStaff = optedInStaff(clinic);
    String otherStaff = optedInStaff(other);
    String secondProvider = clinic.userToken();
    String secondProviderId = clinic.newActiveProvider(secondProvider, "Europe/Berlin", List.of("cardiology"),
        List.of("en"));
    String booker = clinic.userToken();
    String anotherBooker = clinic.userToken();
    String clinicGuest = IdentityFixture.uniqueEmail();
    String otherGuest = IdentityFixture.uniqueEmail();
    var bookings = Map.of(
        booker, book(clinic, clinic.providerId, clinic.providerToken, 3, booker, null),
        anotherBooker, book(clinic, secondProviderId, secondProvider, 3, anotherBooker, null),
        "again", book(clinic, clinic.providerId, clinic.providerToken, 4, anotherBooker, null),
        "elsewhere", book(other, other.providerId, other.providerToken, 3, booker, null),
        clinicGuest, book(clinic, secondProviderId, secondProvider, 5, null, clinicGuest),
        otherGuest, book(other, other.providerId, other.providerToken, 5, null, otherGuest));

    Wait.on(new Intake(app.db, () -> new Audiences(app.db, app.vertx.eventBus())).round());

    for (var booked : bookings.values()) {
      var toProvider = messages("staff-booking-new", booked.id()).stream()
          .filter(m -> m.getRecipient().equals(email(booked.providerToken()))).toList();
      assertEquals(1, toProvider.size(), "its own provider hears of " + booked.id());
      assertEquals(UUID.fromString(booked.in().organizationId), toProvider.getFirst().getOrganizationId());
      String staff = booked.in() == clinic ? clinicStaff : otherStaff;
      assertEquals(Set.of(email(booked.providerToken()), staff), messages("staff-booking-new", booked.id())
          .stream().map(OutgoingMessageRecord::getRecipient).collect(Collectors.toSet()),
          "its provider and its own organization's staff, nobody else");
    }
    for (String account : List.of(booker, anotherBooker)) {
      var inbox = Wait.on(app.db.fetch(Sql.DSL.selectFrom(NOTIFICATION)
          .where(NOTIFICATION.LINK.eq("/v1/bookings/" + bookings.get(account).id()))));
      assertTrue(inbox.stream().anyMatch(n -> n.getUserId().toString().equals(userId(account))),
          "its own booker hears of it");
    }
    for (var guest : Map.of(clinicGuest, "Europe/Berlin", otherGuest, "America/New_York").entrySet()) {
      var told = messages("booking-confirmed", bookings.get(guest.getKey()).id());
      assertEquals(1, told.size());
      assertEquals(guest.getKey(), told.getFirst().getRecipient(), "the guest who booked it");
      assertEquals(guest.getValue(), new JsonObject(told.getFirst().getParams().data()).getString("timezone"),
          "in its own organization's zone");
    }
  }

  /** A member holding manage_bookings who opted in to hear of the organization's bookings by email. */
  private static String optedInStaff(World in) {
    String email = IdentityFixture.uniqueEmail();
    IdentityFixture.register(app, email);
    String token = IdentityFixture.login(app, email, IdentityFixture.PASSWORD).getString("accessToken");
    IdentityFixture.accept(app, IdentityFixture.invite(app, in.organizationId, in.owner, email, new JsonObject()
        .put("role", "staff").put("permissions", new JsonArray().add("manage_bookings"))), token);
    assertEquals(200, app.call(HttpMethod.PUT, "/v1/me/notification-preferences", new JsonObject().put("channels",
        new JsonObject().put("staff_bookings", new JsonArray().add("email"))), token).statusCode());
    return email;
  }

  private static List<OutgoingMessageRecord> messages(String template, String bookingId) {
    return Wait.on(app.db.fetch(Sql.DSL.selectFrom(OUTGOING_MESSAGE).where(OUTGOING_MESSAGE.TEMPLATE.eq(template))
        .and(OUTGOING_MESSAGE.PARAMS.contains(org.jooq.JSONB.valueOf(new JsonObject().put("id", bookingId)
            .encode())))));
  }

  private static Booked book(World in, String providerId, String providerToken, int days, String booker,
                             String guest) {
    String service = in.service(new JsonObject().put("name", "Checkup " + days).put("priceMinor", 0)
        .put("guestsAllowed", true));
    var body = new JsonObject().put("slotId", in.session(service, providerId, World.at(days), 2));
    if (guest != null) {
      body.put("guest", new JsonObject().put("name", "Guest").put("email", guest));
    }
    var booked = app.call(HttpMethod.POST, "/v1/bookings", body, booker);
    assertEquals(201, booked.statusCode(), booked.bodyAsString());
    return new Booked(booked.bodyAsJsonObject().getString("id"), in, providerToken);
  }

  private static String email(String token) {
    return me(token).getString("email");
  }

  private static String userId(String token) {
    return me(token).getString("id");
  }

  private static JsonObject me(String token) {
    return app.call(HttpMethod.GET, "/v1/me", null, token).bodyAsJsonObject();
  }
}
