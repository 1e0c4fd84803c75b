package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.Bookwell;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * No request holds a pooled connection while it waits on the bus, and a full pool answers 503 at once instead of
 * stalling everyone behind it.
 */
class StallTest {

  /**
   * Staff transitions ask the identity area (which needs a connection of the same pool) whether the caller may act.
   * Asked while holding a connection and the booking's row lock, 40 concurrent cancels on a pool of 4 starved it
   * until the 30 s bus timeout answered 504s. Authorized first, they all finish: one cancel, 39 clean 409s.
   */
  @Test
  void concurrentTransitionsOnOneBookingNeverStallThePool() {
    try (var app = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_DB_POOL_SIZE", "4"))) {
      var world = new World(app, "UTC");
      String service = world.service(new JsonObject().put("priceMinor", 0).put("seatsPerSlot", 2));
      String slot = world.session(service, world.providerId, at(2), 2);
      var booking = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot),
          world.userToken());
      String id = booking.bodyAsJsonObject().getString("id");

      long started = System.nanoTime();
      var cancels = new ArrayList<Future<HttpResponse<Buffer>>>();
      for (int i = 0; i < 40; i++) {
        cancels.add(app.callAsync(HttpMethod.POST, "/v1/bookings/" + id + "/cancel", null, world.owner));
      }
      Wait.on(Future.join(cancels));
      long seconds = (System.nanoTime() - started) / 1_000_000_000;
      int ok = 0;
      for (var cancel : cancels) {
        int status = cancel.result().statusCode();
        assertTrue(status == 200 || status == 409, status + " " + cancel.result().bodyAsString());
        ok += status == 200 ? 1 : 0;
      }
      assertEquals(1, ok, "exactly one cancel");
      assertTrue(seconds < 20, "took " + seconds + " s: something waited for a timeout");
      assertEquals(BookingStatus.cancelled, Wait.on(app.db.fetchOne(Sql.DSL.select(BOOKING.STATUS).from(BOOKING)
          .where(BOOKING.ID.eq(UUID.fromString(id))))).value1());
    }
  }

  /** A pool of one with room for two waiters: the rest are refused at once with 503 and Retry-After, never 500. */
  @Test
  void aFullPoolQueueAnswers503WithRetryAfter() {
    try (var app = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_DB_POOL_SIZE", "1",
        "BOOKWELL_DB_WAIT_QUEUE", "2"))) {
      var world = new World(app, "UTC");
      var requests = new ArrayList<Future<HttpResponse<Buffer>>>();
      for (int i = 0; i < 60; i++) {  // anonymous searches, and staff reads that ask the identity area first
        requests.add(i % 2 == 0
            ? app.callAsync(HttpMethod.GET, "/v1/providers?organizationId=" + world.organizationId, null, null)
            : app.callAsync(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/bookings", null,
                world.owner));
      }
      Wait.on(Future.join(requests));
      int refused = 0;
      for (var request : requests) {
        var response = request.result();
        assertTrue(response.statusCode() == 200 || response.statusCode() == 503, response.statusCode() + " "
            + response.bodyAsString());
        if (response.statusCode() == 503) {
          refused++;
          assertEquals("1", response.getHeader("Retry-After"));
          assertEquals("application/problem+json", response.getHeader("Content-Type"));
          assertEquals("https://bookwell.dev/problems/overloaded", response.bodyAsJsonObject().getString("type"));
        }
      }
      assertTrue(refused > 0, "60 concurrent requests on one connection with two waiters: some are refused");
    }
  }
}
