package dev.bookwell.reporting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.StringReader;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reports over HTTP: figures on the organization's own calendar, money per currency, CSV safe to open. */
class ReportTest {

  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start(dev.bookwell.Bookwell.CONTRACT, java.util.Map.of("BOOKWELL_MAIL_POLL_INTERVAL", "200ms"));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static OffsetDateTime berlin(LocalDate day, int hour, int minute) {
    return day.atTime(hour, minute).atZone(BERLIN).toOffsetDateTime();
  }

  private static String book(String slot, String token) {
    return World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
        .put("seats", 1), token));
  }

  private static JsonArray rows(World world, String report, String query) {
    return World.ok(app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/reports/" + report + "?"
        + query, null, world.owner)).getJsonArray("rows");
  }

  @Test
  void bookingFiguresCountOnTheOrganizationsLocalDay() {
    var world = new World(app, "Europe/Berlin");
    String group = world.service(new JsonObject().put("name", "Back school").put("priceMinor", 0)
        .put("seatsPerSlot", 10));
    LocalDate day = LocalDate.now(BERLIN).plusDays(3);
    // 00:30 in Berlin is the evening before in UTC: it counts on the Berlin day
    String early = world.session(group, world.providerId, berlin(day, 0, 30), 10);
    String next = world.session(group, world.providerId, berlin(day.plusDays(1), 9, 0), 10);
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(book(early, world.userToken()));
    }
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + ids.get(0) + "/complete", null, world.owner));
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + ids.get(1) + "/complete", null, world.owner));
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + ids.get(2) + "/no-show", null, world.owner));
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + ids.get(3) + "/cancel", null, world.owner));
    book(next, world.userToken());

    String query = "from=" + day + "&to=" + day.plusDays(1) + "&groupBy=day&by=service";
    Eventually.until("the rollup has both days", () -> rows(world, "bookings", query).size() == 2
        && rows(world, "bookings", query).getJsonObject(0).getLong("bookings") == 4
        && rows(world, "bookings", query).getJsonObject(0).getLong("cancelled") == 1
        && rows(world, "bookings", query).getJsonObject(1).getLong("bookings") == 1);
    var first = rows(world, "bookings", query).getJsonObject(0);
    assertEquals(day.toString(), first.getString("period"));
    assertEquals(group, first.getString("key"));
    assertEquals("Back school", first.getString("name"));
    assertEquals(2L, first.getLong("completed"));
    assertEquals(1L, first.getLong("noShow"));
    assertEquals(3L, first.getLong("seatsBooked"));
    assertEquals(10L, first.getLong("seatsOffered"));
    assertEquals(0.3, first.getDouble("occupancy"), 1e-9);
    assertEquals(0.25, first.getDouble("cancellationRate"), 1e-9);
    assertEquals(0.3333, first.getDouble("noShowRate"), 1e-9);
    assertTrue(first.getDouble("averageLeadHours") > 24);
    var second = rows(world, "bookings", query).getJsonObject(1);
    assertEquals(1L, second.getLong("confirmed"));

    // by month the two days are one row (unless they straddle a month's end)
    var monthly = rows(world, "bookings", "from=" + day + "&to=" + day.plusDays(1) + "&groupBy=month");
    assertEquals(day.getMonth() == day.plusDays(1).getMonth() ? 1 : 2, monthly.size());
    assertEquals(5L, monthly.stream().mapToLong(r -> ((JsonObject) r).getLong("bookings")).sum());
  }

  @Test
  void theDayClocksGoForwardHas23HoursAndItsNeighboursKeepTheirBookings() {
    var world = new World(app, "Europe/Berlin");
    String service = world.service(new JsonObject().put("name", "Night clinic").put("priceMinor", 0)
        .put("seatsPerSlot", 2).put("horizonDays", 730));
    // the next spring-forward day in Berlin after today
    LocalDate dst = LocalDate.now(BERLIN);
    while (BERLIN.getRules().getValidOffsets(dst.atTime(2, 30)).size() != 0) {
      dst = dst.plusDays(1);
    }
    // 23:30 on the DST day and 00:30 the day after are an hour apart in UTC across the change (+01:00 -> +02:00);
    // a fixed offset would put both on the DST day
    book(world.session(service, world.providerId, berlin(dst, 23, 30), 2), world.userToken());
    book(world.session(service, world.providerId, berlin(dst.plusDays(1), 0, 30), 2), world.userToken());
    String query = "from=" + dst + "&to=" + dst.plusDays(1) + "&groupBy=day";
    Eventually.until("both days", () -> rows(world, "bookings", query).stream()
        .filter(r -> ((JsonObject) r).getLong("bookings") == 1).count() == 2);
    var rows = rows(world, "bookings", query);
    assertEquals(dst.toString(), rows.getJsonObject(0).getString("period"));
    assertEquals(dst.plusDays(1).toString(), rows.getJsonObject(1).getString("period"));
    assertEquals(2L, rows.getJsonObject(0).getLong("seatsOffered"));
  }

  @Test
  void revenueKeepsCurrenciesApartAndSubtractsRefunds() {
    var world = new World(app, "Europe/Berlin");
    String euro = world.service(new JsonObject().put("name", "Massage").put("priceMinor", 5000).put("seatsPerSlot", 5));
    String dollar = world.service(new JsonObject().put("name", "Consult").put("priceMinor", 2000).put("currency", "USD")
        .put("seatsPerSlot", 5));
    LocalDate day = LocalDate.now(BERLIN).plusDays(4);
    String euroSlot = world.session(euro, world.providerId, berlin(day, 10, 0), 5);
    String dollarSlot = world.session(dollar, world.providerId, berlin(day, 14, 0), 5);
    var paid = new java.util.ArrayList<String>();
    for (String slot : List.of(euroSlot, euroSlot, dollarSlot)) {
      String token = world.userToken();
      String id = book(slot, token);
      World.ok(app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token));
      paid.add(id);
    }
    // the organization cancels one euro booking: refunded in full
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + paid.get(1) + "/cancel", null, world.owner));

    String query = "from=" + day + "&to=" + day + "&groupBy=day";
    Eventually.until("captures and the refund are in", () -> {
      var rows = rows(world, "revenue", query);
      return rows.size() == 2 && rows.getJsonObject(0).getLong("refundedMinor") == 5000;
    });
    var rows = rows(world, "revenue", query);
    var eur = rows.getJsonObject(0);
    assertEquals("EUR", eur.getString("currency"));
    assertEquals(10000L, eur.getLong("capturedMinor"));
    assertEquals(5000L, eur.getLong("netMinor"));
    var usd = rows.getJsonObject(1);
    assertEquals("USD", usd.getString("currency"));
    assertEquals(2000L, usd.getLong("netMinor"));
  }

  @Test
  void csvIsRfc4180AndDefusesFormulas() throws Exception {
    var world = new World(app, "Europe/Berlin");
    LocalDate day = LocalDate.now(BERLIN).plusDays(5);
    var names = List.of("=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "Plain, with \"quotes\"");
    for (int i = 0; i < names.size(); i++) {
      String service = world.service(new JsonObject().put("name", names.get(i)).put("priceMinor", 0));
      book(world.session(service, world.providerId, berlin(day, 8 + i, 0), 1), world.userToken());
    }
    String query = "from=" + day + "&to=" + day + "&by=service";
    Eventually.until("five services, a booking each", () -> rows(world, "bookings", query).stream()
        .filter(r -> ((JsonObject) r).getLong("bookings") == 1).count() == 5);
    var csv = Wait.on(app.client.get("/v1/organizations/" + world.organizationId + "/reports/bookings?" + query
        + "&format=csv").putHeader("Authorization", "Bearer " + world.owner).send());
    assertEquals(200, csv.statusCode(), csv.bodyAsString());
    assertTrue(csv.getHeader("Content-Type").startsWith("text/csv"));
    assertTrue(csv.getHeader("Content-Disposition").contains("bookings-" + day));
    List<CSVRecord> records = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
        .parse(new StringReader(csv.bodyAsString())).getRecords();
    var shown = records.stream().map(r -> r.get("name")).sorted().toList();
    assertEquals(List.of("'+1+1", "'-2+3", "'=HYPERLINK(\"http://evil\",\"x\")", "'@SUM(A1)",
        "Plain, with \"quotes\""), shown);
    assertTrue(records.stream().allMatch(r -> r.get("bookings").equals("1")), "numbers stay numbers");
  }

  @Test
  void onlyViewReportsHoldersReadAndBadRangesAre400() {
    var world = new World(app, "UTC");
    String attacker = world.userToken();
    World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Rival").put("timezone", "UTC").put("currency", "EUR"), attacker));
    String path = "/v1/organizations/" + world.organizationId + "/reports/";
    for (String report : List.of("bookings", "revenue", "learning", "funnel")) {
      assertEquals(403, app.call(HttpMethod.GET, path + report + "?from=2026-01-01&to=2026-12-31", null, attacker)
          .statusCode(), report);
      assertEquals(401, app.call(HttpMethod.GET, path + report + "?from=2026-01-01&to=2026-12-31", null, null)
          .statusCode(), report);
    }
    for (String bad : List.of("from=2026-02-01&to=2026-01-01", "from=2020-01-01&to=2026-01-01",
        "from=yesterday&to=2026-01-01", "from=2026-01-01&to=2026-01-02&groupBy=year",
        "from=2026-01-01&to=2026-01-02&by=course")) {
      var answer = app.call(HttpMethod.GET, path + "bookings?" + bad, null, world.owner);
      assertEquals(400, answer.statusCode(), bad + ": " + answer.bodyAsString());
      assertEquals("application/problem+json", answer.getHeader("Content-Type"));
    }
  }

  @Test
  void analyticsBatchesFeedTheFunnelAnonymouslyAndAreBounded() {
    var world = new World(app, "UTC");
    var events = new JsonArray();
    for (int i = 0; i < 3; i++) {
      events.add(new JsonObject().put("name", "slot_search").put("organizationId", world.organizationId)
          .put("sessionId", "s-" + i).put("properties", new JsonObject().put("service", "any")));
    }
    events.add(new JsonObject().put("name", "page.view").put("path", "/courses"));
    var accepted = app.call(HttpMethod.POST, "/v1/analytics/events", new JsonObject().put("events", events), null);
    assertEquals(202, accepted.statusCode(), accepted.bodyAsString());
    assertEquals(4, accepted.bodyAsJsonObject().getInteger("accepted"));

    var tooMany = new JsonArray();
    for (int i = 0; i < 101; i++) {
      tooMany.add(new JsonObject().put("name", "page.view"));
    }
    assertEquals(400, app.call(HttpMethod.POST, "/v1/analytics/events", new JsonObject().put("events", tooMany), null)
        .statusCode());
    assertEquals(400, app.call(HttpMethod.POST, "/v1/analytics/events", new JsonObject().put("events",
        new JsonArray().add(new JsonObject().put("name", "Robert'); DROP TABLE"))), null).statusCode());
    // a property's name is bounded as its value is: 20 names of 49,000 characters made a batch a megabyte
    assertEquals(400, app.call(HttpMethod.POST, "/v1/analytics/events", new JsonObject().put("events",
        new JsonArray().add(new JsonObject().put("name", "page.view").put("properties",
            new JsonObject().put("x".repeat(65), 1)))), null).statusCode());

    String service = world.service(new JsonObject().put("priceMinor", 0));
    String id = book(world.session(service, world.providerId, World.at(1), 1), world.userToken());
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + id + "/complete", null, world.owner));
    LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
    String query = "from=" + today + "&to=" + today.plusDays(2) + "&groupBy=month";
    Eventually.until("the funnel", () -> {
      var rows = rows(world, "funnel", query);
      return rows.stream().mapToLong(r -> ((JsonObject) r).getLong("attended")).sum() == 1;
    });
    var rows = rows(world, "funnel", query);
    assertEquals(3L, rows.stream().mapToLong(r -> ((JsonObject) r).getLong("searches")).sum());
    assertEquals(1L, rows.stream().mapToLong(r -> ((JsonObject) r).getLong("holds")).sum());
    assertEquals(1L, rows.stream().mapToLong(r -> ((JsonObject) r).getLong("paid")).sum());
  }

  @Test
  void theRateLimitStopsAFloodOfBatches() {
    var one = new JsonObject().put("events", new JsonArray().add(new JsonObject().put("name", "page.view")));
    int refused = 0;
    // twice the limit and more: even across a minute's turn (two windows) some are refused
    for (int i = 0; i < 2 * Analytics.BATCHES_PER_MINUTE + 5; i++) {
      var answer = app.call(HttpMethod.POST, "/v1/analytics/events", one, null);
      if (answer.statusCode() == 429) {
        refused++;
      } else {
        assertEquals(202, answer.statusCode(), answer.bodyAsString());
      }
    }
    assertTrue(refused >= 5, "at most " + Analytics.BATCHES_PER_MINUTE + " a minute per address: " + refused);
  }
}
