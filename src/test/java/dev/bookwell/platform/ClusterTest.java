package dev.bookwell.platform;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.CONSUMED_EVENT;
import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.SEAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.PaymentStatus;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.FakeStripe;
import dev.bookwell.support.NodeProcess;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.TestDatabase;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * Three Bookwell processes on loopback, clustered with Hazelcast, on one PostgreSQL. Holds, payments (Stripe
 * webhooks) and cancellations race across all three while one is killed with SIGKILL. Then: no seat oversold, no
 * hold or payment lost (each ends paid and seated, or released with the money back), every event handled once per
 * consumer group, and the survivors serve on.
 */
class ClusterTest {

  static final String WEBHOOK_SECRET = "whsec_cluster";
  static final int SEATS = 24;
  static final int PRICE = 6000;

  @Test
  void threeNodesOneDatabaseAndANodeKilledMidRace() throws Exception {
    var database = TestDatabase.fresh();
    var pg = database.connectOptions();
    Vertx vertx = Vertx.vertx();
    var nodes = new ArrayList<NodeProcess>();
    var apps = new ArrayList<TestApp>();
    try (FakeStripe stripe = new FakeStripe()) {
      int[] clusterPorts = {TestApp.freePort(), TestApp.freePort(), TestApp.freePort()};
      for (int i = 0; i < 3; i++) {
        var env = new HashMap<>(env(stripe, "postgresql://" + pg.getUser() + ":" + pg.getPassword() + "@"
            + pg.getHost() + ":" + pg.getPort() + "/" + pg.getDatabase(), clusterPorts));
        env.put("BOOKWELL_CLUSTER_PORT", String.valueOf(clusterPorts[i]));
        nodes.add(NodeProcess.start("cluster-node-" + i, env));
      }
      for (var node : nodes) {
        node.awaitReady(Duration.ofSeconds(150));
        apps.add(TestApp.remote(vertx, database, node.httpPort));
      }
      Eventually.until("the three nodes form one cluster",
          () -> nodes.stream().allMatch(node -> node.logged("Members {size:3")));

      // set up through one node; a token any node signed works on every node (keys from the database)
      var world = new World(apps.get(0), "UTC");
      for (var app : apps) {
        assertEquals(200, app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId, null, world.owner)
            .statusCode());
      }
      String service = world.service(new JsonObject().put("name", "Cluster course").put("priceMinor", PRICE)
          .put("seatsPerSlot", SEATS));
      String slot = world.session(service, world.providerId,
          OffsetDateTime.now(ZoneOffset.UTC).plusDays(3).truncatedTo(ChronoUnit.HOURS), SEATS);

      // 3 x SEATS holds race for SEATS seats on all three nodes
      var holds = new ArrayList<Future<io.vertx.ext.web.client.HttpResponse<Buffer>>>();
      for (int i = 0; i < 3 * SEATS; i++) {
        holds.add(apps.get(i % 3).callAsync(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
            .put("guest", new JsonObject().put("name", "G" + i).put("email", UUID.randomUUID() + "@example.org")),
            null));
      }
      Wait.on(Future.join(holds).otherwiseEmpty(), 120);
      var bookings = new ArrayList<JsonObject>();
      holds.forEach(hold -> {
        assertTrue(hold.succeeded(), String.valueOf(hold.cause()));
        int status = hold.result().statusCode();
        assertTrue(status == 201 || status == 409, status + " " + hold.result().bodyAsString());
        if (status == 201) {
          bookings.add(hold.result().bodyAsJsonObject());
        }
      });
      assertEquals(SEATS, bookings.size(), "every seat held once, the rest told the slot is full");

      // payments and cancellations race on all three nodes; halfway through, node 2 dies
      var racing = new ArrayList<Future<?>>();
      var events = new ArrayList<FakeStripe.SignedEvent>();
      for (int i = 0; i < bookings.size(); i++) {
        var booking = bookings.get(i);
        var intent = stripe.authorize(booking.getJsonObject("payment").getString("intentId"));
        var event = stripe.event("payment_intent.amount_capturable_updated", intent, WEBHOOK_SECRET,
            System.currentTimeMillis() / 1000);
        events.add(event);
        racing.add(webhook(apps.get(i % 3), event));
        Future<?> cancelled = Future.succeededFuture();
        if (i % 4 == 0) {
          cancelled = apps.get((i + 1) % 3).client.post("/v1/bookings/" + booking.getString("id") + "/cancel")
              .putHeader("X-Booking-Token", booking.getString("accessToken")).send();
          racing.add(cancelled);
        }
        // newcomers race for the seats the cancellations free, on every node, the dying one too; one after a
        // cancellation asks once it is answered (asked at the same time, every newcomer could come before every
        // cancellation, and the race would have no seat freed to take)
        var node = apps.get(i % 3);
        var guest = new JsonObject().put("name", "Late " + i).put("email", UUID.randomUUID() + "@example.org");
        racing.add(cancelled.otherwiseEmpty().compose(x -> node.callAsync(HttpMethod.POST, "/v1/bookings",
            new JsonObject().put("slotId", slot).put("guest", guest), null)));
        if (i == bookings.size() / 2) {
          nodes.get(2).kill();
        }
      }
      Wait.on(Future.join(racing).otherwiseEmpty(), 120);

      // the survivors serve on: within the cluster's failure detection every request answers
      var survivors = apps.subList(0, 2);
      Eventually.until("the survivors answer", () -> survivors.stream().allMatch(app -> app
          .call(HttpMethod.GET, "/v1/bookings/" + bookings.get(0).getString("id"), null, world.owner)
          .statusCode() == 200));
      for (int i = 0; i < 20; i++) {
        var answer = survivors.get(i % 2).call(HttpMethod.GET, "/v1/organizations/" + world.organizationId, null,
            world.owner);
        assertEquals(200, answer.statusCode(), answer.bodyAsString());
      }
      // Stripe retries a webhook until it gets a 2xx: those the dead node never answered come again
      for (int i = 0; i < events.size(); i++) {
        var answer = Wait.on(webhook(survivors.get(i % 2), events.get(i)));
        assertEquals(200, answer.statusCode(), answer.bodyAsString());
      }

      var db = apps.get(0).db;
      // holds nobody paid for (late ones, some whose answer died with the node) run out and are swept
      Eventually.until("no hold left", Duration.ofSeconds(90), () -> Wait.on(db.fetchOne(Sql.DSL.selectCount()
          .from(BOOKING).where(BOOKING.SLOT_ID.eq(UUID.fromString(slot))).and(BOOKING.STATUS.eq(BookingStatus.held))))
          .value1() == 0);
      Eventually.until("every payment settled", Duration.ofSeconds(60), () -> Wait.on(db.fetchOne(Sql.DSL
          .selectCount().from(PAYMENT).where(PAYMENT.STATUS.eq(PaymentStatus.authorized)))).value1() == 0);
      var all = Wait.on(db.fetch(Sql.DSL.select(BOOKING.ID).from(BOOKING)
          .where(BOOKING.SLOT_ID.eq(UUID.fromString(slot))))).stream().map(r -> r.value1()).toList();
      assertTrue(all.size() > SEATS, "late holds were made too: " + all.size());
      assertTrue(all.containsAll(bookings.stream().map(b -> UUID.fromString(b.getString("id"))).toList()),
          "every hold a client was given exists");
      int confirmed = 0;
      for (UUID id : all) {
        confirmed += settledConsistently(db, stripe, id) ? 1 : 0;
      }
      assertTrue(confirmed > 0 && confirmed < SEATS, "both outcomes: " + confirmed);
      int seated = Wait.on(db.fetchOne(Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(UUID.fromString(slot)))
          .and(SEAT.BOOKING_ID.isNotNull()))).value1();
      assertEquals(confirmed, seated, "a seat for every confirmed booking and none for the others: none oversold");

      // every event published, and handled once by each consumer group (whichever node got it)
      Eventually.until("every event published", () -> Wait.on(db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
          .where(OUTBOX_EVENT.PUBLISHED_AT.isNull()))).value1() == 0);
      var confirmations = Wait.on(db.fetch(Sql.DSL.select(OUTBOX_EVENT.ID).from(OUTBOX_EVENT)
          .where(OUTBOX_EVENT.TYPE.eq("booking.confirmed")))).stream().map(r -> r.value1()).toList();
      // a booking confirmed and then cancelled by its racing cancellation (refunded) keeps its confirmation event
      int cancelledAfter = Wait.on(db.fetchOne(Sql.DSL.selectCount().from(BOOKING)
          .where(BOOKING.SLOT_ID.eq(UUID.fromString(slot))).and(BOOKING.STATUS.eq(BookingStatus.cancelled))
          .and(BOOKING.ID.cast(String.class).in(Sql.DSL.select(OUTBOX_EVENT.AGGREGATE_ID).from(OUTBOX_EVENT)
              .where(OUTBOX_EVENT.TYPE.eq("booking.confirmed")))))).value1();
      assertEquals(confirmed + cancelledAfter, confirmations.size());
      for (String consumer : List.of("email", "webhooks", "reporting")) {
        Eventually.until(consumer + " handled every confirmation", () -> Wait.on(db.fetchOne(Sql.DSL.selectCount()
            .from(CONSUMED_EVENT).where(CONSUMED_EVENT.CONSUMER.eq(consumer))
            .and(CONSUMED_EVENT.EVENT_ID.in(confirmations))))
            .value1() == confirmations.size());
      }
      Eventually.until("a confirmation email for every confirmed booking", () -> Wait.on(db.fetchOne(Sql.DSL
          .selectCount().from(OUTGOING_MESSAGE).where(OUTGOING_MESSAGE.EVENT_ID.in(confirmations)))).value1()
          >= confirmations.size());
      var twice = Wait.on(db.fetch(Sql.DSL.select(OUTGOING_MESSAGE.EVENT_ID, OUTGOING_MESSAGE.RECIPIENT,
              OUTGOING_MESSAGE.TEMPLATE, OUTGOING_MESSAGE.CHANNEL, DSL.count()).from(OUTGOING_MESSAGE)
          .groupBy(OUTGOING_MESSAGE.EVENT_ID, OUTGOING_MESSAGE.RECIPIENT, OUTGOING_MESSAGE.TEMPLATE,
              OUTGOING_MESSAGE.CHANNEL)
          .having(DSL.count().gt(1))));
      assertTrue(twice.isEmpty(), "no message queued twice for one event: " + twice);
    } finally {
      apps.forEach(TestApp::close);
      nodes.forEach(NodeProcess::close);
      Wait.on(vertx.close());
    }
  }

  private static Map<String, String> env(FakeStripe stripe, String databaseUrl, int[] clusterPorts) {
    var env = new HashMap<String, String>();
    env.put("DATABASE_URL", databaseUrl);
    env.put("STRIPE_SECRET_KEY", "sk_test_cluster");
    env.put("STRIPE_API_BASE", stripe.apiBase());
    env.put("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
    env.put("BOOKWELL_CLUSTER", "hazelcast");
    env.put("BOOKWELL_CLUSTER_MEMBERS", "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1]
        + ",127.0.0.1:" + clusterPorts[2]);
    env.put("BOOKWELL_SECRET_KEY", "cluster-test-secret-key-0123456789abcdef");
    env.put("BOOKWELL_HTTP_INSTANCES", "1");
    env.put("BOOKWELL_DB_POOL_SIZE", "6");
    env.put("BOOKWELL_OUTBOX_POLL_INTERVAL", "100ms");
    env.put("BOOKWELL_MAIL_POLL_INTERVAL", "500ms");
    env.put("BOOKWELL_HOLD_TTL", "20s");
    env.put("BOOKWELL_HOLD_SWEEP_INTERVAL", "1s");
    env.put("BOOKWELL_PAYMENT_RECONCILE_INTERVAL", "5s");  // what a killed node left half done is picked up
    env.put("BOOKWELL_DRAIN_DELAY", "0s");
    env.put("BOOKWELL_DEMO_DATA", "false");
    env.put("BOOKWELL_CHECK_RESPONSES", "true");
    env.put("BOOKWELL_ARGON2_MEMORY_KIB", "8192");
    env.put("BOOKWELL_ARGON2_ITERATIONS", "1");
    for (String limit : List.of("LOGIN_ATTEMPTS", "REGISTRATIONS", "PASSWORD_RESETS", "GUEST_HOLDS")) {
      env.put("BOOKWELL_" + limit + "_PER_MINUTE", "100000");
    }
    env.put("BOOKWELL_GUEST_SEATS_PER_SLOT", "10000");
    return env;
  }

  private static Future<io.vertx.ext.web.client.HttpResponse<Buffer>> webhook(TestApp app,
                                                                            FakeStripe.SignedEvent event) {
    return app.client.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json")
        .putHeader("Stripe-Signature", event.signature()).sendBuffer(Buffer.buffer(event.payload()));
  }

  /** Confirmed and captured at Stripe, or ended with the authorization released or refunded; true if confirmed. */
  private static boolean settledConsistently(dev.bookwell.platform.db.Db db, FakeStripe stripe, UUID id) {
    var status = Wait.on(db.fetchOne(Sql.DSL.select(BOOKING.STATUS).from(BOOKING).where(BOOKING.ID.eq(id))))
        .value1();
    var found = Wait.on(db.fetchOptional(Sql.DSL.selectFrom(PAYMENT).where(PAYMENT.BOOKING_ID.eq(id))));
    if (found.isEmpty()) {  // its node died before the payment was asked for: nobody could pay, the hold ran out
      assertTrue(status == BookingStatus.expired || status == BookingStatus.cancelled, id + ": " + status);
      return false;
    }
    var payment = found.get();
    var intent = stripe.intent(payment.getIntentId());
    String story = id + ": booking " + status + ", payment " + payment.getStatus() + ", Stripe " + intent;
    if (status == BookingStatus.confirmed) {
      assertEquals(PaymentStatus.captured, payment.getStatus(), story);
      assertEquals("succeeded", intent.getString("status"), story);
      return true;
    }
    assertTrue(status == BookingStatus.cancelled || status == BookingStatus.expired, story);
    boolean neverPaid = payment.getStatus() == PaymentStatus.requires_payment
        && !intent.getString("status").equals("requires_capture") && !intent.getString("status").equals("succeeded");
    assertTrue(neverPaid
        || payment.getStatus() == PaymentStatus.canceled && intent.getString("status").equals("canceled")
        || payment.getStatus() == PaymentStatus.refunded && intent.getLong("amount_refunded") == PRICE, story);
    return false;
  }
}
