package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.CALENDAR_IMPORT;
import static dev.bookwell.db.Tables.SLOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Calendar import against a local server whose ICS file changes: busy times take free slots away, never booked ones. */
class CalendarImportTest {

  static TestApp app;
  static World world;
  static HttpServer server;
  static final AtomicReference<String> ics = new AtomicReference<>("");
  static final AtomicInteger notModified = new AtomicInteger();

  @BeforeAll
  static void start() {
    app = TestApp.start("openapi.yaml", Map.of("BOOKWELL_CALENDAR_IMPORT_ALLOW_PRIVATE", "true",
        "BOOKWELL_CALENDAR_IMPORT_INTERVAL", "1h"));
    world = new World(app, "UTC");
    server = Wait.on(app.vertx.createHttpServer().requestHandler(request -> {
      String body = ics.get();
      String etag = "\"" + Integer.toHexString(body.hashCode()) + "\"";
      if (etag.equals(request.getHeader("If-None-Match"))) {
        notModified.incrementAndGet();
        request.response().setStatusCode(304).end();
      } else {
        request.response().putHeader("Content-Type", "text/calendar").putHeader("ETag", etag).end(body);
      }
    }).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    server.close();
    app.close();
  }

  private static final OffsetDateTime DAY = OffsetDateTime.now(ZoneOffset.UTC).plusDays(3).truncatedTo(ChronoUnit.DAYS);

  private static String calendar(int fromHour, int toHour) {
    var format = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:busy@test\r\n"
        + "DTSTAMP:20260101T000000Z\r\nDTSTART:" + format.format(DAY.plusHours(fromHour).plusMinutes(30)) + "\r\n"
        + "DTEND:" + format.format(DAY.plusHours(toHour).plusMinutes(30)) + "\r\nEND:VEVENT\r\n"
        + "BEGIN:VEVENT\r\nUID:free@test\r\nDTSTAMP:20260101T000000Z\r\nTRANSP:TRANSPARENT\r\n"
        + "DTSTART:" + format.format(DAY) + "\r\nDTEND:" + format.format(DAY.plusDays(1)) + "\r\nEND:VEVENT\r\n"
        + "END:VCALENDAR\r\n";
  }

  /** The provider's open slots that day, by hour. */
  private static List<Integer> openHours() {
    return Wait.on(app.db.fetch(Sql.DSL.select(SLOT.STARTS_AT).from(SLOT)
            .where(SLOT.PROVIDER_ID.eq(UUID.fromString(world.providerId))).and(SLOT.STATUS.eq(SlotStatus.open))
            .and(SLOT.STARTS_AT.ge(DAY)).and(SLOT.STARTS_AT.lt(DAY.plusDays(1))).orderBy(SLOT.STARTS_AT)))
        .stream().map(r -> r.value1().atZoneSameInstant(ZoneOffset.UTC).getHour()).toList();
  }

  private static JsonObject pollNow(String importId) {
    Wait.on(app.db.update(Sql.DSL.update(CALENDAR_IMPORT).set(CALENDAR_IMPORT.NEXT_POLL_AT, OffsetDateTime.now())
        .where(CALENDAR_IMPORT.ID.eq(UUID.fromString(importId)))));
    Wait.on(SchedulingClient.calendarRound(app.vertx.eventBus()));
    return World.ok(app.call(HttpMethod.GET, "/v1/providers/" + world.providerId + "/calendar-imports", null,
        world.providerToken)).getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("id").equals(importId)).findFirst().orElseThrow();
  }

  @Test
  void busyTimesTakeFreeSlotsAwayAndGiveThemBack() {
    String service = world.service(new JsonObject().put("name", "Hour").put("durationMinutes", 60)
        .put("priceMinor", 0));
    world.weekly(world.providerId, world.providerToken, "09:00", "13:00", service, world.venueId);
    assertEquals(List.of(9, 10, 11, 12), openHours());
    String nine = Wait.on(app.db.fetchOne(Sql.DSL.select(SLOT.ID).from(SLOT).where(SLOT.STARTS_AT.eq(DAY.plusHours(9)))
        .and(SLOT.PROVIDER_ID.eq(UUID.fromString(world.providerId))))).value1().toString();
    World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", nine),
        world.userToken()));

    ics.set(calendar(9, 10));  // busy 09:30-10:30: the booked 09:00 stays, the free 10:00 goes
    String url = "http://127.0.0.1:" + server.actualPort() + "/private/basic.ics";
    var created = app.call(HttpMethod.POST, "/v1/providers/" + world.providerId + "/calendar-imports",
        new JsonObject().put("url", url), world.providerToken);
    assertEquals(201, created.statusCode(), created.bodyAsString());
    String id = created.bodyAsJsonObject().getString("id");
    assertEquals("ok", created.bodyAsJsonObject().getString("lastStatus"));
    assertEquals(1, created.bodyAsJsonObject().getInteger("busyCount"));
    assertEquals(List.of(9, 11, 12), openHours());
    assertEquals(429, app.call(HttpMethod.POST, "/v1/providers/" + world.providerId + "/calendar-imports/" + id
        + "/refresh", null, world.providerToken).statusCode(), "one refresh a minute");

    ics.set(calendar(11, 12));  // the busy time moves to 11:30-12:30
    assertEquals("ok", pollNow(id).getString("lastStatus"));
    assertEquals(List.of(9, 10), openHours(), "10:00 came back; 11:00 and 12:00 went");

    assertEquals("not-modified", pollNow(id).getString("lastStatus"));
    assertEquals(1, notModified.get(), "the ETag was sent back");

    ics.set("x".repeat(2 << 20));
    assertTrue(pollNow(id).getString("lastStatus").startsWith("failed: the calendar is larger than"));
    assertEquals(List.of(9, 10), openHours(), "a calendar that fails keeps its busy times");

    assertEquals(204, app.call(HttpMethod.DELETE, "/v1/providers/" + world.providerId + "/calendar-imports/" + id,
        null, world.providerToken).statusCode());
    assertEquals(List.of(9, 10, 11, 12), openHours(), "no calendar, no busy times");
  }

  @Test
  void nobodyElseSeesOrChangesAProvidersCalendars() {
    ics.set(calendar(1, 2));
    String url = "http://127.0.0.1:" + server.actualPort() + "/secret-token.ics";
    String id = World.created(app.call(HttpMethod.POST, "/v1/providers/" + world.providerId + "/calendar-imports",
        new JsonObject().put("url", url), world.providerToken));
    String rival = world.userToken();
    World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Rival").put("timezone", "UTC").put("currency", "EUR"), rival));
    String base = "/v1/providers/" + world.providerId + "/calendar-imports";
    assertEquals(403, app.call(HttpMethod.GET, base, null, rival).statusCode());
    assertEquals(403, app.call(HttpMethod.GET, base, null, world.owner).statusCode(), "not even their organization");
    assertEquals(403, app.call(HttpMethod.DELETE, base + "/" + id, null, rival).statusCode());
    assertEquals(403, app.call(HttpMethod.POST, base + "/" + id + "/refresh", null, rival).statusCode());
    assertEquals(404, app.call(HttpMethod.POST, base + "/" + UUID.randomUUID() + "/refresh", null,
        world.providerToken).statusCode());
    assertEquals(403, app.call(HttpMethod.POST, base, new JsonObject().put("url", url), rival).statusCode());
    var mine = World.ok(app.call(HttpMethod.GET, base, null, world.providerToken)).getJsonArray("items");
    assertTrue(mine.stream().anyMatch(c -> ((JsonObject) c).getString("id").equals(id)), "still there");

    assertEquals(400, app.call(HttpMethod.POST, base, new JsonObject().put("url", "ftp://example.org/x.ics"),
        world.providerToken).statusCode());
    assertEquals(400, app.call(HttpMethod.POST, base, new JsonObject(), world.providerToken).statusCode());
    assertEquals(404, app.call(HttpMethod.DELETE, base + "/" + UUID.randomUUID(), null, world.providerToken)
        .statusCode());
    assertEquals(204, app.call(HttpMethod.DELETE, base + "/" + id, null, world.providerToken).statusCode());
  }
}
