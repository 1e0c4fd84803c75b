package dev.bookwell.platform.db;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SEAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.SeatState;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL restarted under load (as an operator or a failover does): requests during the outage get 503
 * {@code database-unavailable} with Retry-After, never a 500 and never a hang; {@code /ready} says not ready; the
 * service resumes by itself, and nothing was half-written.
 */
class DatabaseRestartTest {

  @Test
  void anOutageIsA503AndTheServiceResumesByItself() throws Exception {
    var database = EmbeddedDatabase.start(Files.createTempDirectory("bookwell-restart"));
    database.migrate();
    var app = TestApp.start("openapi.yaml", Map.of(), database);
    try {
      var world = new World(app, "UTC");
      String service = world.service(new JsonObject().put("name", "Class").put("priceMinor", 0)
          .put("seatsPerSlot", 200));
      String slot = world.session(service, world.providerId, World.at(3), 200);
      assertEquals(201, Wait.on(hold(app, slot)).statusCode());

      var racing = new ArrayList<Future<HttpResponse<Buffer>>>();
      var during = new ArrayList<HttpResponse<Buffer>>();
      for (int i = 0; i < 30; i++) {  // in flight while the server stops
        racing.add(hold(app, slot));
      }
      database.restart(() -> {
        for (int i = 0; i < 30; i++) {  // sent while it is down
          racing.add(hold(app, slot));
        }
        during.add(Wait.on(app.client.get("/ready").send()));
        during.add(Wait.on(hold(app, slot)));
        during.add(Wait.on(app.client.get("/v1/slots?serviceId=" + service).send()));
      });
      Wait.on(Future.join(racing));

      for (var answer : during) {
        assertEquals(503, answer.statusCode(), answer.bodyAsString());
        assertTrue(answer.getHeader("Retry-After") != null, "clients are told when to come back");
      }
      assertEquals("https://bookwell.dev/problems/database-unavailable",
          during.get(1).bodyAsJsonObject().getString("type"));
      List<Integer> statuses = racing.stream().map(r -> r.result().statusCode()).toList();
      assertTrue(statuses.stream().allMatch(s -> s == 201 || s == 503), statuses.toString());

      Eventually.until("ready again", () -> Wait.on(app.client.get("/ready").send()).statusCode() == 200);
      Eventually.until("booking again", () -> Wait.on(hold(app, slot)).statusCode() == 201);
      long held = statuses.stream().filter(s -> s == 201).count();
      UUID slotId = UUID.fromString(slot);
      int bookings = Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(BOOKING).where(BOOKING.SLOT_ID.eq(slotId))))
          .value1();
      int seats = Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(slotId))
          .and(SEAT.STATE.ne(SeatState.free)))).value1();
      assertEquals(bookings, seats, "every booking has its seat, and no seat is taken without one");
      assertTrue(bookings >= held + 2, "every 201 was kept: " + bookings + " bookings, " + held + " racing 201s");
      assertTrue(bookings <= 60 + 2, "no booking without a request");
    } finally {
      app.close();
      database.close();
    }
  }

  @Test
  void aStatementPastTheTimeoutIsCancelledAndCountsAsBusy() {
    var app = TestApp.start("openapi.yaml", Map.of("BOOKWELL_DB_STATEMENT_TIMEOUT", "200ms"));
    try {
      var failure = Wait.failureOf(app.db.execute(Sql.DSL.select(org.jooq.impl.DSL.field("pg_sleep(2)"))));
      assertTrue(PgErrors.is(failure, PgErrors.QUERY_CANCELED), String.valueOf(failure));
      assertTrue(Overload.is(failure), "answered 503 with Retry-After, not 500");
    } finally {
      app.close();
    }
  }

  private static Future<HttpResponse<Buffer>> hold(TestApp app, String slot) {
    return app.callAsync(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
        .put("guest", new JsonObject().put("name", "Guest").put("email", UUID.randomUUID() + "@example.org")), null);
  }
}
