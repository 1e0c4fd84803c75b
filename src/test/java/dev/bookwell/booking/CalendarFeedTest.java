package dev.bookwell.booking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import biweekly.Biweekly;
import biweekly.ICalendar;
import biweekly.component.VEvent;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Private calendar feeds, read back with an iCalendar parser the way a calendar application would. */
class CalendarFeedTest extends AppTest {

  private static ICalendar fetch(String url) {
    var response = Wait.on(app.client.get(url.substring(url.indexOf("/v1/"))).send());
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertTrue(response.getHeader("Content-Type").startsWith("text/calendar"));
    return Biweekly.parse(response.bodyAsString()).first();
  }

  private static VEvent event(ICalendar calendar, String bookingId) {
    return calendar.getEvents().stream().filter(e -> e.getUid().getValue().equals(bookingId + "@bookwell"))
        .findFirst().orElseThrow();
  }

  @Test
  void aClientsFeedFollowsTheirBookingsAndARevokedUrlStops() throws Exception {
    var world = new World(app, "UTC");
    String service = world.service(new JsonObject().put("name", "Physio; back, neck \\ shoulders").put("priceMinor", 0)
        .put("seatsPerSlot", 3));
    String client = world.userToken();
    String first = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(service, world.providerId, World.at(3), 3)).put("seats", 1), client));
    String second = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(service, world.providerId, World.at(4), 3)).put("seats", 1), client));
    var created = app.call(HttpMethod.POST, "/v1/me/calendar-feed", null, client);
    assertEquals(201, created.statusCode(), created.bodyAsString());
    String url = created.bodyAsJsonObject().getString("url");

    var calendar = fetch(url);
    assertEquals(2, calendar.getEvents().size());
    var event = event(calendar, first);
    assertTrue(event.getStatus().isConfirmed());
    assertEquals(1, event.getAlarms().size(), "a reminder an hour before");
    int sequence = event.getSequence().getValue();

    Thread.sleep(1100);  // a change a second later: the sequence is in seconds
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + first + "/cancel", null, client));
    var after = fetch(url);
    var cancelled = event(after, first);
    assertTrue(cancelled.getStatus().isCancelled(), "kept as cancelled, so calendars remove it");
    assertTrue(cancelled.getSequence().getValue() > sequence, "the sequence grew");
    assertTrue(event(after, second).getStatus().isConfirmed());

    // someone else's bookings never appear; a new URL revokes the old one; revoking stops it
    String other = world.userToken();
    String otherUrl = app.call(HttpMethod.POST, "/v1/me/calendar-feed", null, other).bodyAsJsonObject()
        .getString("url");
    assertTrue(fetch(otherUrl).getEvents().isEmpty());
    String renewed = app.call(HttpMethod.POST, "/v1/me/calendar-feed", null, client).bodyAsJsonObject()
        .getString("url");
    assertEquals(404, Wait.on(app.client.get(url.substring(url.indexOf("/v1/"))).send()).statusCode());
    assertEquals(2, fetch(renewed).getEvents().size());
    assertEquals(204, app.call(HttpMethod.DELETE, "/v1/me/calendar-feed", null, client).statusCode());
    assertEquals(404, Wait.on(app.client.get(renewed.substring(renewed.indexOf("/v1/"))).send()).statusCode());

    // a feed answers 30 reads a minute (calendar apps poll every few minutes; the token needs no sign-in)
    String polled = app.call(HttpMethod.POST, "/v1/me/calendar-feed", null, world.userToken()).bodyAsJsonObject()
        .getString("url");
    Wait.clearOfMinuteEnd();  // the reads all fall in one minute's window
    for (int read = 0; read < CalendarFeeds.READS_PER_MINUTE; read++) {
      fetch(polled);
    }
    assertEquals(429, Wait.on(app.client.get(polled.substring(polled.indexOf("/v1/"))).send()).statusCode());

    // an account deleted takes its feed with it (its secret address went on working)
    assertTrue(fetch(otherUrl).getEvents().isEmpty());
    assertEquals(204, app.call(HttpMethod.DELETE, "/v1/me", null, other).statusCode());
    dev.bookwell.support.Eventually.until("the deleted account's feed stops", () -> Wait.on(app.client
        .get(otherUrl.substring(otherUrl.indexOf("/v1/"))).send()).statusCode() == 404);
  }

  @Test
  void aProvidersFeedIsTheirsAloneAndTheSingleIcsParses() {
    var world = new World(app, "UTC");
    String service = world.service(new JsonObject().put("priceMinor", 0));
    String client = world.userToken();
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(service, world.providerId, World.at(5), 1)).put("seats", 1), client));
    assertEquals(404, app.call(HttpMethod.POST, "/v1/providers/" + world.providerId + "/calendar-feed", null,
        world.owner).statusCode(), "the organization's owner is not the provider");
    assertEquals(404, app.call(HttpMethod.POST, "/v1/providers/" + world.providerId + "/calendar-feed", null,
        client).statusCode());
    var feed = app.call(HttpMethod.POST, "/v1/providers/" + world.providerId + "/calendar-feed", null,
        world.providerToken);
    assertEquals(201, feed.statusCode(), feed.bodyAsString());
    var calendar = fetch(feed.bodyAsJsonObject().getString("url"));
    assertTrue(calendar.getEvents().stream().anyMatch(e -> e.getUid().getValue().equals(booking + "@bookwell")));
    // a stranger with an organization of their own can neither renew nor revoke the provider's feed
    String rival = world.userToken();
    World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Rival").put("timezone", "UTC").put("currency", "EUR"), rival));
    assertEquals(404, app.call(HttpMethod.POST, "/v1/providers/" + world.providerId + "/calendar-feed", null, rival)
        .statusCode());
    assertEquals(404, app.call(HttpMethod.DELETE, "/v1/providers/" + world.providerId + "/calendar-feed", null, rival)
        .statusCode());
    assertEquals(1, fetch(feed.bodyAsJsonObject().getString("url")).getEvents().stream()
        .filter(e -> e.getUid().getValue().equals(booking + "@bookwell")).count(), "the provider's feed still works");

    var ics = Wait.on(app.client.get("/v1/bookings/" + booking + "/ics").putHeader("Authorization", "Bearer " + client)
        .send());
    assertEquals(200, ics.statusCode());
    var single = Biweekly.parse(ics.bodyAsString()).first();
    assertEquals(List.of(booking + "@bookwell"), single.getEvents().stream().map(e -> e.getUid().getValue()).toList());
    assertTrue(ics.bodyAsString().lines().allMatch(line -> line.length() <= 75), "lines folded at 75 octets");
    assertEquals(404, Wait.on(app.client.get("/v1/calendar/" + "x".repeat(43)).send()).statusCode());
  }
}
