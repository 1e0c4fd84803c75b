package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.NOTIFICATION;
import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.Bookwell;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One intake round over the bookings of two organizations, two providers in one of them, one booker in both: what
 * the round asked once ({@link Asked}) is each organization's, provider's and person's own.
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

  private record Booked(String id, World in, String providerToken, String bookerToken) {
  }

  @Test
  void aRoundTellsEachBookingsOwnProviderAndBookerWhateverItAskedOnce() {
    var clinic = new World(app, "Europe/Berlin");
    var other = new World(app, "America/New_York");
    String secondProvider = clinic.userToken();
    String secondProviderId = clinic.newActiveProvider(secondProvider, "Europe/Berlin", List.of("cardiology"),
        List.of("en"));
    String booker = clinic.userToken();
    String anotherBooker = clinic.userToken();
    var bookings = List.of(
        book(clinic, clinic.providerId, clinic.providerToken, 3, booker),
        book(clinic, secondProviderId, secondProvider, 3, anotherBooker),
        book(clinic, clinic.providerId, clinic.providerToken, 4, anotherBooker),
        book(other, other.providerId, other.providerToken, 3, booker));

    assertTrue(Wait.on(new Intake(app.db, () -> new Audiences(app.db, app.vertx.eventBus())).round()) >= 4);

    for (var booked : bookings) {
      var toStaff = Wait.on(app.db.fetch(Sql.DSL.selectFrom(OUTGOING_MESSAGE)
          .where(OUTGOING_MESSAGE.TEMPLATE.eq("staff-booking-new"))
          .and(OUTGOING_MESSAGE.PARAMS.contains(org.jooq.JSONB.valueOf(new JsonObject().put("id", booked.id())
              .encode())))));
      assertEquals(1, toStaff.size(), "one message to the provider of " + booked.id());
      assertEquals(email(booked.providerToken()), toStaff.getFirst().getRecipient(), "its own provider");
      assertEquals(UUID.fromString(booked.in().organizationId), toStaff.getFirst().getOrganizationId());
      var inbox = Wait.on(app.db.fetch(Sql.DSL.selectFrom(NOTIFICATION)
          .where(NOTIFICATION.LINK.eq("/v1/bookings/" + booked.id()))));
      assertTrue(inbox.stream().anyMatch(n -> n.getUserId().toString().equals(userId(booked.bookerToken()))),
          "its own booker hears of " + booked.id());
      assertTrue(inbox.stream().allMatch(n -> n.getUserId().toString().equals(userId(booked.bookerToken()))
              || n.getUserId().toString().equals(userId(booked.providerToken()))),
          "nobody else's inbox names " + booked.id());
    }
  }

  private static Booked book(World in, String providerId, String providerToken, int days, String booker) {
    String service = in.service(new JsonObject().put("name", "Checkup " + days).put("priceMinor", 0));
    var booked = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        in.session(service, providerId, World.at(days), 2)), booker);
    assertEquals(201, booked.statusCode(), booked.bodyAsString());
    return new Booked(booked.bodyAsJsonObject().getString("id"), in, providerToken, booker);
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
