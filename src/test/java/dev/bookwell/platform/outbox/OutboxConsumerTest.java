package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.CONSUMED_EVENT;
import static dev.bookwell.db.Tables.CONSUMER_RETRY;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestDatabase;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * An internal consumer on a real PostgreSQL: a failed event waits with backoff and holds back only its own
 * aggregate's later events; an event that keeps failing is given up after its attempts and blocks nothing.
 */
class OutboxConsumerTest {

  Vertx vertx;
  Db db;
  final List<String> handled = new CopyOnWriteArrayList<>();
  final Set<String> failing = new java.util.concurrent.ConcurrentSkipListSet<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    db = new Db(TestDatabase.fresh().createPool(vertx, 4));
  }

  @AfterEach
  void stop() {
    Wait.on(vertx.close());
  }

  @Test
  void aFailedEventHoldsBackOnlyItsAggregateAndAPoisonedOneIsGivenUp() {
    var consumer = new OutboxConsumer(db, "test", List.of("test.happened"), Duration.ofDays(1), 100);
    append("a", "a1");
    append("a", "a2");
    append("b", "b1");
    failing.add("a1");
    round(consumer);
    assertEquals(List.of("b1"), handled, "a1 failed; a2 waits for it; b goes on");
    round(consumer);
    assertEquals(List.of("b1"), handled, "a1 waits for its backoff, not every round");

    failing.clear();
    due();
    round(consumer);
    assertEquals(List.of("b1", "a1", "a2"), handled, "then a1 and a2, in order");

    append("c", "c1");
    append("c", "c2");
    failing.add("c1");
    for (int i = 0; i < OutboxConsumer.MAX_ATTEMPTS; i++) {
      round(consumer);
      due();
    }
    round(consumer);
    assertEquals(List.of("b1", "a1", "a2", "c2"), handled, "c1 given up after its attempts; c2 goes on");
    assertEquals("given_up", Wait.on(db.fetchOne(Sql.DSL.select(CONSUMED_EVENT.OUTCOME).from(CONSUMED_EVENT)
        .where(CONSUMED_EVENT.CONSUMER.eq("test")).and(CONSUMED_EVENT.EVENT_ID.in(Sql.DSL.select(
            dev.bookwell.db.Tables.OUTBOX_EVENT.ID).from(dev.bookwell.db.Tables.OUTBOX_EVENT)
            .where(dev.bookwell.db.Tables.OUTBOX_EVENT.AGGREGATE_ID.eq("c"))))
        .orderBy(CONSUMED_EVENT.HANDLED_AT).limit(1))).value1());
    assertEquals(0, Wait.on(db.fetchOne(Sql.DSL.selectCount().from(CONSUMER_RETRY))).value1());
  }

  /**
   * The floor: raised below the first event not handled (one waiting for its retry holds it), never past an event
   * younger than ConsumerFloor.SETTLED; a caught-up round reads nothing below it, and the sweep still finds an event
   * that appeared there (a transaction that committed late).
   */
  @Test
  void theFloorStopsAtWhatIsNotHandledAndTheSweepFindsWhatAppearsBelowIt() {
    var consumer = new OutboxConsumer(db, "floored", List.of("test.happened"), Duration.ofDays(1), 100);
    append("a", "a1");
    append("b", "b1");
    failing.add("b1");
    append("c", "c1");
    settle();
    round(consumer);
    assertEquals(List.of("a1", "c1"), handled);
    assertEquals(seqOf("b1") - 1, floor("floored"), "b1 waits for its retry: the floor stays below it");

    failing.clear();
    due();
    round(consumer);
    append("d", "d1");  // too young to pass
    round(consumer);
    assertEquals(List.of("a1", "c1", "b1", "d1"), handled);
    assertEquals(seqOf("c1"), floor("floored"), "up to the newest settled event, not past d1");

    settle();
    round(consumer);
    assertEquals(seqOf("d1"), floor("floored"));
    // a number below the floor, committed only now (as by a transaction that stayed open)
    Wait.on(db.execute(Sql.DSL.query("insert into outbox_event (seq, type, aggregate_type, aggregate_id, payload,"
        + " occurred_at) overriding system value values (0, 'test.happened', 'thing', 'e', '{\"name\": \"e1\"}',"
        + " now() - interval '1 minute')")));
    round(consumer);
    assertEquals(4, handled.size(), "below the floor: not read by a caught-up round");
    consumer.sweepNextRound();
    round(consumer);
    assertEquals("e1", handled.getLast(), "the sweep looks over the whole window");
  }

  private long seqOf(String name) {
    return Wait.on(db.fetchOne(Sql.DSL.select(dev.bookwell.db.Tables.OUTBOX_EVENT.SEQ)
        .from(dev.bookwell.db.Tables.OUTBOX_EVENT)
        .where(DSL.field("payload->>'name'", String.class).eq(name)))).value1();
  }

  private long floor(String consumer) {
    return Wait.on(db.fetchOne(Sql.DSL.select(dev.bookwell.db.Tables.CONSUMER_FLOOR.SEQ)
        .from(dev.bookwell.db.Tables.CONSUMER_FLOOR)
        .where(dev.bookwell.db.Tables.CONSUMER_FLOOR.CONSUMER.eq(consumer)))).value1();
  }

  /** Time passes: every event so far is older than ConsumerFloor.SETTLED. */
  private void settle() {
    Wait.on(db.execute(Sql.DSL.query("update outbox_event set occurred_at = occurred_at - interval '1 minute'")));
  }

  private void round(OutboxConsumer consumer) {
    Wait.on(consumer.round(event -> {
      String name = new JsonObject(event.getPayload().data()).getString("name");
      return failing.contains(name) ? Future.failedFuture(new IllegalStateException("not now: " + name))
          : Future.succeededFuture(tx -> {
            handled.add(name);
            return Future.succeededFuture();
          });
    }));
  }

  /** Time passes: every waiting event is due again. */
  private void due() {
    Wait.on(db.update(Sql.DSL.update(CONSUMER_RETRY).set(CONSUMER_RETRY.NEXT_AT,
        java.time.OffsetDateTime.now().minusSeconds(1))));
  }

  private void append(String aggregate, String name) {
    Wait.on(db.transaction(tx -> Outbox.append(tx, "test.happened", "thing", aggregate,
        new JsonObject().put("name", name))));
  }
}
