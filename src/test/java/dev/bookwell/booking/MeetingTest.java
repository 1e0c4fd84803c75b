package dev.bookwell.booking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import biweekly.Biweekly;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Video meetings: a room per confirmed online booking, seen only by those who see the booking. */
class MeetingTest extends AppTest {

  private static String onlineSlot(World world, int days) {
    String venue = World.created(app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/venues",
        new JsonObject().put("name", "Video room " + days).put("capacity", 5).put("online", true), world.owner));
    String service = world.service(new JsonObject().put("name", "Video consultation").put("priceMinor", 0));
    return World.created(app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/sessions",
        new JsonObject().put("serviceId", service).put("providerId", world.providerId).put("venueId", venue)
            .put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(World.at(days)))
            .put("capacity", 1), world.owner));
  }

  @Test
  void generatedRoomsAreUnguessableStableAndGoneWhenCancelled() {
    var world = new World(app, "UTC");
    World.ok(app.call(HttpMethod.PATCH, "/v1/providers/" + world.providerId, new JsonObject().put("video",
        new JsonObject().put("mode", "generated")), world.providerToken));
    assertEquals("generated", World.ok(app.call(HttpMethod.GET, "/v1/providers/" + world.providerId, null, null))
        .getString("videoMode"));
    String client = world.userToken();
    String first = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject()
        .put("slotId", onlineSlot(world, 2)).put("seats", 1), client));
    String second = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject()
        .put("slotId", onlineSlot(world, 3)).put("seats", 1), client));

    String url = World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + first, null, client)).getString("meetingUrl");
    assertTrue(url.matches("https://meet\\.jit\\.si/Bookwell-[a-z0-9]{26}"), url);
    assertEquals(url, World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + first, null, world.owner))
        .getString("meetingUrl"), "staff see the same room");
    assertNotEquals(url, World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + second, null, client))
        .getString("meetingUrl"), "each booking its own room");
    assertEquals(404, app.call(HttpMethod.GET, "/v1/bookings/" + first, null, world.userToken()).statusCode());

    var ics = Wait.on(app.client.get("/v1/bookings/" + first + "/ics").putHeader("Authorization", "Bearer " + client)
        .send());
    var event = Biweekly.parse(ics.bodyAsString()).first().getEvents().get(0);
    assertEquals(url, event.getLocation().getValue());
    assertEquals(url, event.getUrl().getValue());

    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + first + "/cancel", null, client));
    assertNull(World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + first, null, client)).getString("meetingUrl"),
        "a cancelled booking's link is revoked");
  }

  @Test
  void aFixedRoomNeedsItsUrlAndInPersonBookingsHaveNone() {
    var world = new World(app, "UTC");
    assertEquals(400, app.call(HttpMethod.PATCH, "/v1/providers/" + world.providerId, new JsonObject().put("video",
        new JsonObject().put("mode", "fixed")), world.providerToken).statusCode());
    assertEquals(400, app.call(HttpMethod.PATCH, "/v1/providers/" + world.providerId, new JsonObject().put("video",
        new JsonObject().put("mode", "generated").put("url", "https://zoom.example/no-room")), world.providerToken)
        .statusCode());
    World.ok(app.call(HttpMethod.PATCH, "/v1/providers/" + world.providerId, new JsonObject().put("video",
        new JsonObject().put("mode", "fixed").put("url", "https://meet.example.org/dr-room")), world.providerToken));
    String client = world.userToken();
    String online = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject()
        .put("slotId", onlineSlot(world, 4)).put("seats", 1), client));
    assertEquals("https://meet.example.org/dr-room", World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + online,
        null, client)).getString("meetingUrl"));
    String service = world.service(new JsonObject().put("priceMinor", 0));
    String inPerson = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject()
        .put("slotId", world.session(service, world.providerId, World.at(5), 1)).put("seats", 1), client));
    assertNull(World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + inPerson, null, client)).getString("meetingUrl"));
    // a stranger with an organization of their own cannot change the provider's video room
    String rival = world.userToken();
    World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Rival").put("timezone", "UTC").put("currency", "EUR"), rival));
    assertEquals(403, app.call(HttpMethod.PATCH, "/v1/providers/" + world.providerId, new JsonObject().put("video",
        new JsonObject().put("mode", "fixed").put("url", "https://evil.example/room")), rival).statusCode());
    assertEquals("https://meet.example.org/dr-room", World.ok(app.call(HttpMethod.GET, "/v1/bookings/" + online,
        null, client)).getString("meetingUrl"), "unchanged");
    var provider = World.ok(app.call(HttpMethod.GET, "/v1/providers/" + world.providerId, null, null));
    assertTrue(!provider.encode().contains("dr-room"), "the room is not in the public profile");
  }
}
