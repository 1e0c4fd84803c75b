package dev.bookwell.webhooks;

import static dev.bookwell.db.Tables.WEBHOOK_DELIVERY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.WebhookDeliveryStatus;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Outgoing webhooks against a real local receiver (a Vert.x HTTP server on loopback, so the app allows private
 * addresses): signatures verified as an integrator would, retries, order per booking, rotation, redelivery, giving
 * up; and, on an app with the default settings, endpoints on internal addresses refused.
 */
class WebhookTest {

  static TestApp app;
  static World world;
  static HttpServer receiver;
  static final List<Received> RECEIVED = Collections.synchronizedList(new ArrayList<>());
  static final int ALWAYS = Integer.MIN_VALUE;
  /** Per path: how many requests to answer 500 before answering 200 ({@link #ALWAYS}: every one). */
  static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
  /** Per path: requests received and not answered yet, answered when the test says (a delivery in flight). */
  static final Map<String, Queue<HttpServerResponse>> HELD = new ConcurrentHashMap<>();

  record Received(String path, String signature, String eventId, String type, String body) {
  }

  @BeforeAll
  static void start() {
    app = TestApp.start(dev.bookwell.Bookwell.CONTRACT, Map.of("BOOKWELL_WEBHOOK_ALLOW_PRIVATE", "true",
        "BOOKWELL_WEBHOOK_RETRY_BASE", "100ms", "BOOKWELL_WEBHOOK_MAX_BACKOFF", "400ms",
        "BOOKWELL_WEBHOOK_GIVE_UP", "3s", "BOOKWELL_WEBHOOK_POLL_INTERVAL", "100ms",
        "BOOKWELL_MAIL_POLL_INTERVAL", "200ms"));
    world = new World(app, "UTC");
    receiver = Wait.on(app.vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      RECEIVED.add(new Received(request.path(), request.getHeader("Bookwell-Signature"),
          request.getHeader("Bookwell-Event-Id"), request.getHeader("Bookwell-Event-Type"), body.toString()));
      var held = HELD.get(request.path());
      if (held != null) {
        held.add(request.response());
        return;
      }
      var failures = FAILURES.get(request.path());
      boolean fail = failures != null && (failures.get() == ALWAYS || failures.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0);
      request.response().setStatusCode(fail ? 500 : 200).end(fail ? "not now" : "thanks");
    })).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    receiver.close();
    app.close();
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + receiver.actualPort() + path;
  }

  private static JsonObject endpoint(String path, List<String> types) {
    var created = app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/webhooks",
        new JsonObject().put("url", url(path)).put("eventTypes", new JsonArray(types)), world.owner);
    assertEquals(201, created.statusCode(), created.bodyAsString());
    return created.bodyAsJsonObject();
  }

  private static List<Received> at(String path) {
    synchronized (RECEIVED) {
      return RECEIVED.stream().filter(r -> r.path().equals(path)).toList();
    }
  }

  /** What an integrator does: every v1 in the header is an HMAC of "t.body"; one must match the secret. */
  static boolean verifies(Received r, String secret) {
    String[] parts = r.signature().split(",");
    String t = parts[0].substring(2);
    String expected = HexFormat.of().formatHex(SecretTokens.hmac(secret.getBytes(StandardCharsets.UTF_8),
        t + "." + r.body()));
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].equals("v1=" + expected)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void eventsArriveSignedInOrderPerBookingAfterRetries() {
    FAILURES.put("/ordered", new AtomicInteger(2));
    var created = endpoint("/ordered", List.of("booking.confirmed", "booking.cancelled"));
    String secret = created.getString("secret");
    String service = world.service(new JsonObject().put("priceMinor", 0));
    String slot = world.session(service, world.providerId, World.at(2), 1);
    String client = world.userToken();
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
        .put("seats", 1), client));
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/cancel", null, client));

    try {
      Eventually.until("both delivered", () -> at("/ordered").stream().map(Received::eventId).distinct().count() == 2
          && delivered(created.getString("id")) == 2);
    } catch (AssertionError e) {
      throw new AssertionError(at("/ordered") + " " + app.call(HttpMethod.GET, "/v1/webhooks/" + created.getString("id")
          + "/deliveries", null, world.owner).bodyAsString(), e);
    }
    var received = at("/ordered");
    assertTrue(received.size() >= 4, "two refused, then both: " + received.size());
    received.forEach(r -> assertTrue(verifies(r, secret), "signed with the endpoint's secret"));
    // in order: the cancellation never arrives before the confirmation it follows
    int firstCancel = indexOf(received, "booking.cancelled");
    int firstConfirm = indexOf(received, "booking.confirmed");
    assertTrue(firstConfirm < firstCancel, received.toString());
    var body = new JsonObject(received.get(received.size() - 1).body());
    assertEquals(booking, body.getJsonObject("data").getString("bookingId"));
    assertEquals(received.get(received.size() - 1).eventId(), body.getString("id"));

    // the log: the first delivery failed twice (500, "not now") before its 200
    var log = World.ok(app.call(HttpMethod.GET, "/v1/webhooks/" + created.getString("id") + "/deliveries", null,
        world.owner)).getJsonArray("items");
    var confirmed = log.stream().map(JsonObject.class::cast).filter(d -> d.getString("eventType")
        .equals("booking.confirmed")).findFirst().orElseThrow();
    assertEquals(3, confirmed.getInteger("attemptCount"));
    var attempts = confirmed.getJsonArray("attempts");
    assertEquals(200, attempts.getJsonObject(0).getInteger("statusCode"));
    assertEquals(500, attempts.getJsonObject(2).getInteger("statusCode"));
    assertEquals("not now", attempts.getJsonObject(2).getString("response"));
  }

  private static int indexOf(List<Received> received, String type) {
    for (int i = 0; i < received.size(); i++) {
      if (type.equals(received.get(i).type())) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  private static long delivered(String webhook) {
    return World.ok(app.call(HttpMethod.GET, "/v1/webhooks/" + webhook + "/deliveries?status=delivered", null,
        world.owner)).getJsonArray("items").size();
  }

  @Test
  void aRotatedSecretOverlapsATestEventAndARedelivery() {
    var created = endpoint("/rotate", List.of("booking.confirmed"));
    String id = created.getString("id");
    String old = created.getString("secret");
    var rotated = World.ok(app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/rotate-secret",
        new JsonObject().put("overlapHours", 1), world.owner));
    String fresh = rotated.getString("secret");
    assertNotEquals(old, fresh);
    var test = app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/test", null, world.owner);
    assertEquals(202, test.statusCode(), test.bodyAsString());
    Eventually.until("the test event", () -> !at("/rotate").isEmpty());
    var first = at("/rotate").get(0);
    assertEquals("webhook.test", first.type());
    assertTrue(verifies(first, fresh) && verifies(first, old), "both secrets sign during the overlap");

    String delivery = test.bodyAsJsonObject().getString("id");
    // received is not yet recorded: the redelivery waits for the sender's outcome (see aDeliveryInFlight...)
    Eventually.until("recorded as delivered", () -> delivered(id) == 1);
    assertEquals(202, app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/deliveries/" + delivery + "/redeliver",
        null, world.owner).statusCode());
    Eventually.until("sent again", () -> at("/rotate").size() == 2);
    assertEquals(first.eventId(), at("/rotate").get(1).eventId(), "the same event id: receivers deduplicate on it");
  }

  @Test
  void aDeliveryInFlightIsNotRedeliveredUntilItsOutcomeIsRecorded() {
    var held = new ConcurrentLinkedQueue<HttpServerResponse>();
    HELD.put("/slow", held);
    try {
      String id = endpoint("/slow", List.of("booking.confirmed")).getString("id");
      String other = endpoint("/other", List.of("booking.confirmed")).getString("id");
      String delivery = app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/test", null, world.owner).bodyAsJsonObject()
          .getString("id");
      // the receiver holds its answer, well inside the sender's 10 s timeout: the delivery stays in flight
      Eventually.until("the request arrives and waits", () -> !held.isEmpty());

      var inFlight = app.call(HttpMethod.POST, redeliver(id, delivery), null, world.owner);
      assertEquals(409, inFlight.statusCode(), inFlight.bodyAsString());
      assertEquals("https://bookwell.dev/problems/delivery-in-flight", inFlight.bodyAsJsonObject().getString("type"));
      assertEquals(404, app.call(HttpMethod.POST, redeliver(other, delivery), null, world.owner).statusCode(),
          "another endpoint's delivery is not found through this one, in flight or not");

      HELD.remove("/slow");
      held.poll().setStatusCode(200).end("thanks");
      Eventually.until("recorded as delivered", () -> delivered(id) == 1);
      int sent = at("/slow").size();
      assertEquals(202, app.call(HttpMethod.POST, redeliver(id, delivery), null, world.owner).statusCode());
      Eventually.until("sent again", () -> at("/slow").size() == sent + 1);
    } finally {
      HELD.remove("/slow");
      held.forEach(response -> response.setStatusCode(200).end("thanks"));
    }
  }

  /**
   * One organization's endpoints that hang their answers take their share of a round and no more: with 40 such
   * endpoints (two organizations of one attacker, each endpoint a host of its own), each with a backlog, another
   * organization's delivery is sent while every one of the attacker's sends is still in flight. Before, the
   * attacker's next due deliveries filled each round's batch and were only then dropped as over their endpoints'
   * share, so nobody else's went out.
   */
  @Test
  void endpointsThatHangTheirAnswersDoNotKeepAnotherOrganizationsDeliveriesOut() {
    String attacker = world.userToken();
    var held = new ConcurrentLinkedQueue<HttpServerResponse>();
    // every loopback address reaches it: 40 hosts, as 40 receivers would be (a client pools connections per host)
    HttpServer hanging = Wait.on(app.vertx.createHttpServer().requestHandler(request -> held.add(request.response()))
        .listen(0, "0.0.0.0"));
    var attackerOrgs = new ArrayList<UUID>();
    try {
      for (int o = 0; o < 2; o++) {
        String owned = dev.bookwell.identity.IdentityFixture.organization(app, attacker);
        attackerOrgs.add(UUID.fromString(owned));
        for (int e = 0; e < 20; e++) {
          var created = app.call(HttpMethod.POST, "/v1/organizations/" + owned + "/webhooks", new JsonObject()
              .put("url", "http://127.0.0." + (2 + o * 20 + e) + ":" + hanging.actualPort() + "/hang")
              .put("eventTypes", new JsonArray().add("booking.confirmed")), attacker);
          assertEquals(201, created.statusCode(), created.bodyAsString());
          var endpoint = UUID.fromString(created.bodyAsJsonObject().getString("id"));
          for (int d = 0; d < 8; d++) {  // a backlog: the endpoint's share (4) in flight, more due behind it
            UUID event = UUID.randomUUID();
            Wait.on(app.db.update(Sql.DSL.insertInto(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.ENDPOINT_ID, endpoint)
                .set(WEBHOOK_DELIVERY.ORGANIZATION_ID, UUID.fromString(owned)).set(WEBHOOK_DELIVERY.EVENT_ID, event)
                .set(WEBHOOK_DELIVERY.EVENT_TYPE, "webhook.test").set(WEBHOOK_DELIVERY.AGGREGATE_ID, "test:" + event)
                .set(WEBHOOK_DELIVERY.PAYLOAD, org.jooq.JSONB.valueOf("{}"))
                .set(WEBHOOK_DELIVERY.NEXT_AT, SqlTime.nowPlus(Duration.ofHours(1)))));
          }
        }
      }
      // all due at once, so every hanging send has well inside its 10 s timeout left when the other one goes out
      Wait.on(app.db.update(Sql.DSL.update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.NEXT_AT, SqlTime.now())
          .where(WEBHOOK_DELIVERY.ORGANIZATION_ID.in(attackerOrgs))));
      Eventually.until("every hanging endpoint's share in flight", () -> held.size() == 40 * Dispatcher.PER_ENDPOINT);

      String victim = endpoint("/not-crowded-out", List.of("booking.confirmed")).getString("id");
      assertEquals(202, app.call(HttpMethod.POST, "/v1/webhooks/" + victim + "/test", null, world.owner)
          .statusCode());
      Eventually.until("the other organization's delivery sent", () -> delivered(victim) == 1);
      assertEquals(0, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(WEBHOOK_DELIVERY)
          .where(WEBHOOK_DELIVERY.ORGANIZATION_ID.in(attackerOrgs)).and(WEBHOOK_DELIVERY.ATTEMPTS.ge(1))
          .and(WEBHOOK_DELIVERY.LEASED_UNTIL.isNull()))).value1(), "while none of the hanging sends had ended");
      assertEquals(40 * Dispatcher.PER_ENDPOINT, held.size(), "nor had any endpoint more than its share");
    } finally {
      for (var org : attackerOrgs) {  // their backlogs end here, so no later test waits behind them
        Wait.on(app.db.update(Sql.DSL.update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.STATUS,
            WebhookDeliveryStatus.failed).where(WEBHOOK_DELIVERY.ORGANIZATION_ID.eq(org))));
      }
      held.forEach(response -> response.setStatusCode(200).end("thanks"));
      hanging.close();
    }
  }

  @Test
  void aDeliveryWaitingToRetryIsRedeliveredAtOnce() {
    FAILURES.put("/later", new AtomicInteger(ALWAYS));
    String id = endpoint("/later", List.of("booking.confirmed")).getString("id");
    var delivery = UUID.fromString(app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/test", null, world.owner)
        .bodyAsJsonObject().getString("id"));
    // once a failure is recorded and no sender holds it, its next try is put an hour away (as a backoff of hours
    // leaves it), in one statement: a sender's lease and this cannot both take it
    Eventually.until("a failure recorded, the next try an hour away", () -> !Wait.on(app.db.fetch(Sql.DSL
        .update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.NEXT_AT, SqlTime.nowPlus(Duration.ofHours(1)))
        .where(WEBHOOK_DELIVERY.ID.eq(delivery)).and(WEBHOOK_DELIVERY.ATTEMPTS.ge(1))
        .and(WEBHOOK_DELIVERY.LEASED_UNTIL.isNull()).and(WEBHOOK_DELIVERY.STATUS.eq(WebhookDeliveryStatus.pending))
        .returning(WEBHOOK_DELIVERY.ID))).isEmpty());
    FAILURES.remove("/later");

    var again = app.call(HttpMethod.POST, redeliver(id, delivery.toString()), null, world.owner);
    assertEquals(202, again.statusCode(), again.bodyAsString());
    Eventually.until("delivered now, not in an hour", () -> delivered(id) == 1);
  }

  private static String redeliver(String webhook, String delivery) {
    return "/v1/webhooks/" + webhook + "/deliveries/" + delivery + "/redeliver";
  }

  @Test
  void anEndpointFailingPastTheGiveUpTimeIsDisabled() {
    FAILURES.put("/down", new AtomicInteger(ALWAYS));
    var created = endpoint("/down", List.of("booking.confirmed"));
    String id = created.getString("id");
    assertEquals(202, app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/test", null, world.owner).statusCode());
    Eventually.until("disabled", () -> "disabled".equals(World.ok(app.call(HttpMethod.GET, "/v1/webhooks/" + id,
        null, world.owner)).getString("status")));
    var deliveries = World.ok(app.call(HttpMethod.GET, "/v1/webhooks/" + id + "/deliveries", null, world.owner))
        .getJsonArray("items");
    assertEquals("failed", deliveries.getJsonObject(0).getString("status"));
    assertTrue(deliveries.getJsonObject(0).getInteger("attemptCount") >= 3, "retried with backoff meanwhile");
    // the organization's admins are told, by mail and in the app
    Eventually.until("the owner is told", () -> Wait.on(app.db.fetch(dev.bookwell.platform.db.Sql.DSL.selectFrom(
            dev.bookwell.db.Tables.OUTGOING_MESSAGE).where(dev.bookwell.db.Tables.OUTGOING_MESSAGE.TEMPLATE
            .eq("webhook-disabled")).and(dev.bookwell.db.Tables.OUTGOING_MESSAGE.ORGANIZATION_ID
            .eq(java.util.UUID.fromString(world.organizationId))))).size() >= 1);
    int before = at("/down").size();
    // re-enabled by staff, it is tried again from a clean slate
    FAILURES.put("/down", new AtomicInteger(0));
    World.ok(app.call(HttpMethod.PATCH, "/v1/webhooks/" + id, new JsonObject().put("active", true), world.owner));
    assertEquals(202, app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/test", null, world.owner).statusCode());
    Eventually.until("delivered after re-enabling", () -> at("/down").size() > before && delivered(id) == 1);
  }

  @Test
  void aStrangerOrganizationCannotSeeOrChangeAnEndpoint() {
    var created = endpoint("/victim", List.of("booking.confirmed"));
    String id = created.getString("id");
    String victimDelivery = app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/test", null, world.owner)
        .bodyAsJsonObject().getString("id");
    Eventually.until("the victim's test event delivered", () -> delivered(id) == 1);
    String attacker = world.userToken();
    String rival = World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Rival").put("timezone", "UTC").put("currency", "EUR"), attacker));
    assertEquals(403, app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/webhooks",
        new JsonObject().put("url", url("/stolen")).put("eventTypes", new JsonArray().add("booking.confirmed")),
        attacker).statusCode());
    assertEquals(403, app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/webhooks", null,
        attacker).statusCode());
    for (var attempt : List.of(
        app.call(HttpMethod.GET, "/v1/webhooks/" + id, null, attacker),
        app.call(HttpMethod.PATCH, "/v1/webhooks/" + id, new JsonObject().put("url", url("/stolen")), attacker),
        app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/rotate-secret", null, attacker),
        app.call(HttpMethod.POST, "/v1/webhooks/" + id + "/test", null, attacker),
        app.call(HttpMethod.GET, "/v1/webhooks/" + id + "/deliveries", null, attacker),
        app.call(HttpMethod.POST, redeliver(id, victimDelivery), null, attacker),
        app.call(HttpMethod.DELETE, "/v1/webhooks/" + id, null, attacker))) {
      assertEquals(404, attempt.statusCode(), attempt.bodyAsString());
    }
    assertEquals(1, delivered(id), "the victim's delivery was not started again (a redelivery makes it pending)");
    var unchanged = World.ok(app.call(HttpMethod.GET, "/v1/webhooks/" + id, null, world.owner));
    assertEquals(url("/victim"), unchanged.getString("url"));
    assertEquals("active", unchanged.getString("status"));
    assertTrue(World.ok(app.call(HttpMethod.GET, "/v1/organizations/" + rival + "/webhooks", null, attacker))
        .getJsonArray("items").isEmpty());
  }

  @Test
  void withDefaultSettingsInternalAddressesAreRefused() {
    var strict = TestApp.start();
    try {
      var local = new World(strict, "UTC");
      for (String target : List.of("https://127.0.0.1/x", "https://localhost/x", "https://169.254.169.254/latest",
          "https://10.1.2.3/x", "https://192.168.0.10:8443/x", "https://[::1]/x", "https://[fd00::1]/x",
          "https://0.0.0.0/x", "https://100.64.0.1/x", "https://[::ffff:127.0.0.1]/x", "https://[64:ff9b::a9fe:a9fe]/x",
          "https://[2002:7f00:1::]/x", "https://198.18.0.1/x")) {
        var refused = strict.call(HttpMethod.POST, "/v1/organizations/" + local.organizationId + "/webhooks",
            new JsonObject().put("url", target).put("eventTypes", new JsonArray().add("booking.confirmed")),
            local.owner);
        assertEquals(422, refused.statusCode(), target + ": " + refused.bodyAsString());
        assertEquals("https://bookwell.dev/problems/endpoint-not-public", refused.bodyAsJsonObject()
            .getString("type"), target);
      }
      for (String malformed : List.of("ftp://example.org/x", "https://user:pw@example.org/x", "not a url",
          "http://example.org/x", "https://example.org:22/x")) {
        assertEquals(400, strict.call(HttpMethod.POST, "/v1/organizations/" + local.organizationId + "/webhooks",
            new JsonObject().put("url", malformed).put("eventTypes", new JsonArray().add("booking.confirmed")),
            local.owner).statusCode(), malformed);
      }
    } finally {
      strict.close();
    }
  }
}
