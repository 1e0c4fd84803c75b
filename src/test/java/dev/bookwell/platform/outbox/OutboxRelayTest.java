package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestDatabase;
import dev.bookwell.support.Wait;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbox against a real PostgreSQL: only committed events leave, all of them, once, across relay restarts. */
class OutboxRelayTest {

  Vertx vertx;
  Db db;
  Platform platform;
  List<JsonObject> received;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    db = new Db(TestDatabase.fresh().createPool(vertx, 8));
    platform = new Platform(Config.from(Map.of(
        "BOOKWELL_OUTBOX_POLL_INTERVAL", "20ms", "BOOKWELL_OUTBOX_BATCH_SIZE", "25")), db, null, null);
    received = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Outbox.ALL_EVENTS, message -> received.add(message.body()));
  }

  @AfterEach
  void tearDown() {
    // Relays first: Vert.x alone would close the pool under a relay round in flight.
    Wait.on(Future.all(vertx.deploymentIDs().stream().map(vertx::undeploy).toList()));
    Wait.on(vertx.close());
  }

  @Test
  void onlyCommittedEventsArePublished() throws InterruptedException {
    Wait.on(db.transaction(tx -> append(tx, "kept", 1)));
    Wait.failureOf(db.transaction(tx -> append(tx, "rolled-back", 2)
        .compose(id -> Future.failedFuture(new IllegalStateException("the change failed")))));

    Wait.on(deployRelays(1));
    Eventually.until("the committed event arrives", () -> received.size() == 1);
    Thread.sleep(200);  // several more relay rounds

    assertEquals(1, received.size());
    JsonObject event = received.get(0);
    assertEquals("probe.kept", event.getString("type"));
    assertEquals("probe", event.getString("aggregateType"));
    assertEquals("1", event.getString("aggregateId"));
    assertEquals(new JsonObject().put("n", 1), event.getJsonObject("payload"));
    assertEquals(0, unpublished());
  }

  @Test
  void everyEventIsDeliveredAcrossARelayRestartInOrder() throws InterruptedException {
    appendMany(0, 60);
    Thread.sleep(150);
    assertEquals(0, received.size(), "nothing leaves while no relay runs");

    String relay = Wait.on(deployRelays(1));
    Eventually.until("the first 60 events arrive", () -> received.size() == 60);
    Wait.on(vertx.undeploy(relay));

    appendMany(60, 40);
    Thread.sleep(150);
    assertEquals(60, received.size(), "nothing leaves while the relay is stopped");
    assertEquals(40, unpublished());

    Wait.on(deployRelays(1));
    // Events are published before the relay's transaction marks them, so wait for both.
    Eventually.until("all 100 events arrive and are marked", () -> received.size() == 100 && unpublished() == 0);
    assertEquals(IntStream.range(0, 100).boxed().toList(), numbersReceived(), "one relay publishes in commit order");
  }

  @Test
  void severalRelaysNeverPublishTheSameEventTwice() {
    Wait.on(deployRelays(4));
    // 8 writers commit 50 events each while 4 relays race to claim them.
    var writers = new ArrayList<Future<?>>();
    for (int w = 0; w < 8; w++) {
      writers.add(appendManyAsync(w * 50, 50));
    }
    Wait.on(Future.all(writers));

    Eventually.until("all 400 events arrive", () -> received.size() >= 400 && unpublished() == 0);
    var ids = ConcurrentHashMap.newKeySet();
    received.forEach(event -> ids.add(event.getString("id")));
    assertEquals(400, ids.size(), "every event arrived");
    assertEquals(400, received.size(), "no event arrived twice");
  }

  @Test
  void eventsAlsoArriveOnTheirOwnTypeAddress() {
    var typed = new CopyOnWriteArrayList<JsonObject>();
    vertx.eventBus().<JsonObject>consumer(Outbox.address("probe.kept"), m -> typed.add(m.body()));
    Wait.on(db.transaction(tx -> append(tx, "kept", 7).compose(x -> append(tx, "other", 8))));
    Wait.on(deployRelays(1));
    Eventually.until("both events arrive on the catch-all address", () -> received.size() == 2);
    assertEquals(1, typed.size());
    assertEquals(7, typed.get(0).getJsonObject("payload").getInteger("n"));
  }

  private Future<String> deployRelays(int instances) {
    return vertx.deployVerticle(() -> new OutboxRelayVerticle(platform), new DeploymentOptions().setInstances(instances));
  }

  private static Future<?> append(Sql tx, String kind, int n) {
    return Outbox.append(tx, "probe." + kind, "probe", n, new JsonObject().put("n", n));
  }

  private void appendMany(int from, int count) {
    Wait.on(appendManyAsync(from, count));
  }

  /** One transaction per event, in sequence, as separate business transactions would. */
  private Future<?> appendManyAsync(int from, int count) {
    Future<?> chain = Future.succeededFuture();
    for (int n = from; n < from + count; n++) {
      int number = n;
      chain = chain.compose(x -> db.transaction(tx -> append(tx, "kept", number)));
    }
    return chain;
  }

  private int unpublished() {
    return Wait.on(db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT).where(OUTBOX_EVENT.PUBLISHED_AT.isNull())))
        .value1();
  }

  private List<Integer> numbersReceived() {
    var numbers = received.stream().map(e -> e.getJsonObject("payload").getInteger("n")).toList();
    assertTrue(numbers.stream().distinct().count() == numbers.size(), "no duplicates");
    return numbers;
  }
}
