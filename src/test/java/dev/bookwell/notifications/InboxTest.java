package dev.bookwell.notifications;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.scheduling.World;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Eventually;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** In-app notifications: one per booking event, unread first, read marks, and nobody reads another's. */
class InboxTest extends AppTest {

  @Test
  void bookingEventsReachTheBookersInboxAndNobodyElses() {
    var world = new World(app, "UTC");
    String service = world.service(new JsonObject().put("name", "Inbox check").put("priceMinor", 0));
    String slot = world.session(service, world.providerId, World.at(3), 4);
    String client = world.userToken();
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot),
        client));
    assertEquals(200, app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/cancel", null, client).statusCode());
    Eventually.until("two notifications", () -> unread(client) == 2);

    var page = World.ok(app.call(HttpMethod.GET, "/v1/me/notifications?limit=1", null, client));
    var newest = page.getJsonArray("items").getJsonObject(0);
    assertTrue(newest.getString("title").startsWith("Booking cancelled: BW-"), newest.encode());
    assertFalse(newest.getBoolean("read"));
    var next = World.ok(app.call(HttpMethod.GET, "/v1/me/notifications?limit=1&cursor=" + page.getString("nextCursor"),
        null, client));
    assertTrue(next.getJsonArray("items").getJsonObject(0).getString("title").startsWith("Booking confirmed: "));

    String stranger = world.userToken();
    assertEquals(404, app.call(HttpMethod.POST, "/v1/me/notifications/" + newest.getString("id") + "/read", null,
        stranger).statusCode(), "another person's notification does not exist for them");
    assertEquals(0, World.ok(app.call(HttpMethod.GET, "/v1/me/notifications", null, stranger))
        .getJsonArray("items").size());
    assertEquals(2, unread(client), "the stranger changed nothing");

    assertTrue(World.ok(app.call(HttpMethod.POST, "/v1/me/notifications/" + newest.getString("id") + "/read",
        null, client)).getBoolean("read"));
    assertEquals(1, unread(client));
    var ordered = World.ok(app.call(HttpMethod.GET, "/v1/me/notifications", null, client)).getJsonArray("items");
    assertTrue(ordered.getJsonObject(0).getString("title").startsWith("Booking confirmed: "), "unread first");
    assertEquals(1, World.ok(app.call(HttpMethod.POST, "/v1/me/notifications/read-all", null, client))
        .getInteger("marked"));
    assertEquals(0, unread(client));
  }

  private static int unread(String token) {
    return World.ok(app.call(HttpMethod.GET, "/v1/me/notifications/unread-count", null, token)).getInteger("unread");
  }
}
