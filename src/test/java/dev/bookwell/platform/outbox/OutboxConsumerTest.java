package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.CONSUMED_EVENT;
import static dev.bookwell.db.Tables.CONSUMER_RETRY;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestDatabase;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An internal consumer on a real PostgreSQL: a failed event waits with backoff and holds back only its own
 * aggregate's later events; an event that keeps failing is given up after its attempts and blocks nothing.
 */
class OutboxConsumerTest {

  Vertx vertx;
  Db db;
  final List<String> handled = new CopyOnWriteArrayList<>();
  final Set<String> failing = new java.util.concurrent.ConcurrentSkipListSet<>();
  /** Whether {@link #round} handles a batch in one transaction. */
  boolean together;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    db = new Db(TestDatabase.fresh().createPool(vertx, 4));
  }

  @AfterEach
  void stop() {
    Wait.on(vertx.close());
  }

  /** Both ways of handling a batch: a transaction per event, and one for the batch ({@code roundTogether}). */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aFailedEventHoldsBackOnlyItsAggregateAndAPoisonedOneIsGivenUp(boolean together) {
    this.together = together;
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
   * The floor (event numbers settle as soon as the transactions open when they were seen have ended, here):
   * raised below the first event not handled (one waiting for its retry holds it) and never past the newest number
   * seen at a raise before; a caught-up round reads nothing below it; a sweep finds what appeared there (a
   * transaction that committed late) and puts it above the floor again, so one that fails is retried in order. A
   * transaction elsewhere on the server (autovacuum analyzing) can hold a number back for a round: the floor is
   * checked to get there, never past it.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theFloorStopsAtWhatIsNotHandledAndTheSweepFindsWhatAppearsBelowIt(boolean together) {
    this.together = together;
    var consumer = settlingAtOnce("floored");
    append("a", "a1");
    append("b", "b1");
    failing.add("b1");
    append("c", "c1");
    round(consumer);  // the first round sweeps; its raise has no settled number yet
    assertEquals(List.of("a1", "c1"), handled);
    roundsUntilFloor(consumer, "floored", seqOf("b1") - 1, "b1 waits for its retry: the floor stays below it");

    failing.clear();
    due();
    round(consumer);
    append("d", "d1");
    round(consumer);
    assertEquals(List.of("a1", "c1", "b1", "d1"), handled);
    assertTrue(floor("floored") <= seqOf("c1"), "not past d1: its number was not seen at a raise before");
    roundsUntilFloor(consumer, "floored", seqOf("d1"), "d1 handled");

    late(0, "e1");  // numbered below the floor, committed only now (as by a transaction that stayed open)
    round(consumer);
    assertEquals(4, handled.size(), "below the floor: not read by a caught-up round");
    late(-1, "f1");
    failing.add("f1");
    consumer.sweepNextRound();
    round(consumer);
    assertEquals("e1", handled.getLast(), "the sweep looks over the whole window");
    assertEquals(-2, floor("floored"), "f1 failed: the floor went below it");
    failing.clear();
    due();
    round(consumer);
    assertEquals("f1", handled.getLast(), "retried by the rounds after the sweep");
    roundsUntilFloor(consumer, "floored", seqOf("d1"), "everything handled");
  }

  /** A consumer of the test's events whose noted numbers settle as soon as their transactions allow. */
  private OutboxConsumer settlingAtOnce(String name) {
    return new OutboxConsumer(db, name, List.of("test.happened"), Duration.ofDays(1), 100, Duration.ZERO);
  }

  /** Rounds until the consumer's floor is {@code expected} (for up to 5 s), checking it never goes past it. */
  private void roundsUntilFloor(OutboxConsumer consumer, String name, long expected, String why) {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (floor(name) != expected && System.nanoTime() < until) {
      assertTrue(floor(name) <= expected, why + ": not past " + expected);
      round(consumer);
      Wait.on(vertx.timer(50));
    }
    assertEquals(expected, floor(name), why);
  }

  /**
   * A number counts as settled only once every transaction given an id before it was seen has ended. Here T1 takes
   * an id, then T2 numbers an event and stays open, then T1 numbers an event of another type and commits, so the
   * consumer has nothing to handle and nothing else ends: T2 is then the newest transaction given an id, above the
   * snapshot's xmax, and a floor that compared a snapshot's xmax with a later xmin passed T2's event (the review of
   * this change found that). With the least time before a number settles at zero, as here, a floor that only
   * waited for time passed it too. A round that is not a sweep finds the event when T2 commits.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aTransactionStillOpenHoldsTheFloorBelowItsEvent(boolean together) {
    this.together = together;
    var consumer = settlingAtOnce("patient");
    append("a", "a1");
    round(consumer);  // the sweep
    var first = Wait.on(db.pool().getConnection());
    var slow = Wait.on(db.pool().getConnection());
    try {
      var t1 = Wait.on(first.begin());
      Wait.on(first.query("select pg_current_xact_id()").execute());
      var t2 = Wait.on(slow.begin());
      UUID x1 = Wait.on(Outbox.append(() -> slow, "test.happened", "thing", "x", new JsonObject().put("name", "x1")));
      long x1Seq = Wait.on(slow.preparedQuery("select seq from outbox_event where id = $1")
          .execute(io.vertx.sqlclient.Tuple.of(x1))).iterator().next().getLong(0);
      Wait.on(Outbox.append(() -> first, "test.other", "thing", "o", new JsonObject().put("name", "o1")));
      Wait.on(t1.commit());
      for (int i = 0; i < 4; i++) {
        round(consumer);
        assertTrue(floor("patient") < x1Seq, "T2 is open: the floor stays below x1 (round " + i + ")");
      }
      append("b", "b1");
      round(consumer);
      round(consumer);
      assertEquals(List.of("a1", "b1"), handled);
      assertTrue(floor("patient") < x1Seq, "T2 is still open");

      Wait.on(t2.commit());
      round(consumer);
      assertEquals(List.of("a1", "b1", "x1"), handled, "found without a sweep when its transaction commits");
      roundsUntilFloor(consumer, "patient", seqOf("b1"), "settled once T2 ended");
    } finally {
      Wait.on(first.close());
      Wait.on(slow.close());
    }
  }

  /**
   * A transaction open for longer than the longest wait (idle in transaction, anywhere on the server) no longer
   * holds the floor: numbers settle by time alone, as they all did before the snapshot was asked, and the sweep finds
   * its event when it commits.
   */
  @Test
  void aTransactionOpenPastTheLongestWaitNoLongerHoldsTheFloor() throws InterruptedException {
    var consumer = new OutboxConsumer(db, "impatient", List.of("test.happened"), Duration.ofDays(1), 100,
        Duration.ZERO, Duration.ofSeconds(3));
    append("a", "a1");
    round(consumer);  // the sweep
    var slow = Wait.on(db.pool().getConnection());
    try {
      var open = Wait.on(slow.begin());
      Wait.on(Outbox.append(() -> slow, "test.happened", "thing", "x", new JsonObject().put("name", "x1")));
      append("b", "b1");
      round(consumer);
      round(consumer);
      assertTrue(floor("impatient") < seqOf("b1"), "within the longest wait the open transaction holds the floor");
      Thread.sleep(3_200);
      roundsUntilFloor(consumer, "impatient", seqOf("b1"), "past the longest wait, numbers settle by time");
      Wait.on(open.commit());
      round(consumer);
      assertEquals(List.of("a1", "b1"), handled, "x1 is below the floor now");
      consumer.sweepNextRound();
      round(consumer);
      assertEquals(List.of("a1", "b1", "x1"), handled, "the sweep finds it");
    } finally {
      Wait.on(slow.close());
    }
  }

  /**
   * What the floor counts on: an event takes its transaction's id before its number, and numbers are drawn in time
   * order. In the plan the id is asked in a one-time filter of the node that makes the row, so before the row's
   * number is drawn.
   */
  @Test
  void anEventTakesItsTransactionsIdBeforeItsNumber() {
    String plan = String.join("\n", Wait.on(db.fetch(Sql.DSL.resultQuery("explain (verbose, costs off) "
        + Sql.DSL.renderInlined(Outbox.insertWhen(DSL.noCondition(), DSL.val("test.happened"), DSL.val("thing"),
            DSL.val("a"), DSL.val(org.jooq.JSONB.valueOf("{}"))))).coerce(DSL.field("plan", String.class))))
        .stream().map(r -> r.value1()).toList());
    assertEquals(1, count("select cache_size as c from pg_sequences where sequencename = 'outbox_event_seq_seq'"),
        "numbers are drawn in time order");
    assertTrue(plan.matches("(?s).*->  Result\\n\\s+Output: nextval\\('outbox_event_seq_seq'\\)[^\\n]*\\n"
        + "\\s+One-Time Filter: [^\\n]*pg_current_xact_id\\(\\).*"), plan);
  }

  private void late(long seq, String name) {
    Wait.on(db.execute(Sql.DSL.query("insert into outbox_event (seq, type, aggregate_type, aggregate_id, payload)"
        + " overriding system value values (?, 'test.happened', 'thing', ?, jsonb_build_object('name', ?::text))",
        seq, name, name)));
  }

  /** A backlog drains in one round, batch after full batch, up to OutboxConsumer.BATCHES of them. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aRoundTakesBatchesWhileTheyComeFullAndStaysBounded(boolean together) {
    this.together = together;
    var consumer = new OutboxConsumer(db, "busy", List.of("test.happened"), Duration.ofDays(1), 10);
    for (int i = 0; i < 25; i++) {
      append("x" + i, "x" + i);
    }
    round(consumer);
    assertEquals(25, handled.size(), "three batches, the last not full");
    for (int i = 0; i < 10 * OutboxConsumer.BATCHES + 5; i++) {
      append("y" + i, "y" + i);
    }
    round(consumer);
    assertEquals(25 + 10 * OutboxConsumer.BATCHES, handled.size(), "at most BATCHES batches a round");
  }

  /**
   * While a backlog drains, each batch raises the floor to where it stopped, so the next batch does not read the
   * events handled before it again (a floor raised only by a batch that was not full stayed at 0 here, and every
   * batch read all the handled ones again).
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aBacklogsBatchesEachRaiseTheFloor(boolean together) {
    this.together = together;
    var consumer = new OutboxConsumer(db, "draining", List.of("test.happened"), Duration.ofDays(1), 10,
        Duration.ZERO);
    int backlog = 10 * OutboxConsumer.BATCHES + 5;
    for (int i = 0; i < backlog; i++) {
      append("z" + i, "z" + i);
    }
    round(consumer);
    assertEquals(10 * OutboxConsumer.BATCHES, handled.size(), "one round: BATCHES full batches");
    assertEquals(seqOf("z" + (10 * OutboxConsumer.BATCHES - 1)), floor("draining"),
        "the round's full batches raised the floor to the last event handled");
    round(consumer);
    assertEquals(backlog, handled.size());
    assertEquals(seqOf("z" + (backlog - 1)), floor("draining"));

    failing.add("w25");  // a full batch's raise stops below an event waiting for its retry
    for (int i = 0; i < 10 * OutboxConsumer.BATCHES; i++) {
      append("w" + i, "w" + i);
    }
    round(consumer);
    round(consumer);
    assertEquals(backlog + 10 * OutboxConsumer.BATCHES - 1, handled.size(), "all but w25");
    assertEquals(seqOf("w25") - 1, floor("draining"), "below w25, though later batches were full and handled");
    failing.clear();
    due();
    round(consumer);
    assertEquals("w25", handled.getLast());
    assertEquals(seqOf("w" + (10 * OutboxConsumer.BATCHES - 1)), floor("draining"));
  }

  private long seqOf(String name) {
    return Wait.on(db.fetchOne(Sql.DSL.select(dev.bookwell.db.Tables.OUTBOX_EVENT.SEQ)
        .from(dev.bookwell.db.Tables.OUTBOX_EVENT)
        .where(DSL.field("payload->>'name'", String.class).eq(name)))).value1();
  }

  /** The consumer's floor; 0 before its first raise (as the rounds read it). */
  private long floor(String consumer) {
    return Wait.on(db.fetchOptional(Sql.DSL.select(dev.bookwell.db.Tables.CONSUMER_FLOOR.SEQ)
        .from(dev.bookwell.db.Tables.CONSUMER_FLOOR)
        .where(dev.bookwell.db.Tables.CONSUMER_FLOOR.CONSUMER.eq(consumer)))).map(r -> r.value1()).orElse(0L);
  }

  /**
   * Together: racing rounds (as several instances run them) handle each event once; a work that fails inside the
   * batch's transaction rolls it back, and the batch is handled one by one, so only that event's aggregate waits;
   * an event whose subject is gone (404 from the owning area) is recorded as gone, its work not done.
   */
  @Test
  void togetherRacingRoundsHandleEachEventOnceAndAFailingWorkHoldsBackOnlyItsAggregate() {
    raceFourNodes("test_handled", "r", "racing",
        consumer -> consumer.roundTogether(() -> event -> Future.succeededFuture(recorded(event))));

    var consumer = new OutboxConsumer(db, "breaking", List.of("test.happened"), Duration.ofDays(1), 100);
    Wait.on(db.execute(Sql.DSL.query("delete from test_handled")));
    Wait.on(db.execute(Sql.DSL.query("insert into consumed_event (consumer, event_id, outcome)"
        + " select 'breaking', id, 'handled' from outbox_event")));  // the racing rounds' events: not this one's
    append("p", "p1");
    append("q", "q1");
    append("q", "q2");
    append("s", "s1");
    append("g", "g1");
    Function<OutboxEventRecord, Future<Function<Sql, Future<Void>>>> plan = event -> switch (name(event)) {
      case "q1" -> Future.succeededFuture(tx -> tx.execute(Sql.DSL.query("select 1 / 0")).mapEmpty());
      case "g1" -> Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 404, "gone"));
      default -> Future.succeededFuture(recorded(event));
    };
    Wait.on(consumer.roundTogether(() -> plan));
    assertEquals(List.of("p1", "s1"), Wait.on(db.fetch(Sql.DSL.resultQuery("select name from test_handled"
        + " order by name").coerce(DSL.field("name", String.class)))).stream().map(r -> r.value1()).toList(),
        "q1's work failed: its batch went one by one; q2 waits for it, p1 and s1 are done (g1 is gone)");
    assertEquals(1, Wait.on(db.fetchOne(Sql.DSL.select(CONSUMER_RETRY.ATTEMPTS).from(CONSUMER_RETRY)
        .where(CONSUMER_RETRY.CONSUMER.eq("breaking")))).value1(), "q1 waits for its retry");
    assertEquals(List.of("gone", "handled", "handled"), Wait.on(db.fetch(Sql.DSL.select(CONSUMED_EVENT.OUTCOME)
            .from(CONSUMED_EVENT).join(OUTBOX_EVENT).on(OUTBOX_EVENT.ID.eq(CONSUMED_EVENT.EVENT_ID))
            .where(CONSUMED_EVENT.CONSUMER.eq("breaking")).and(OUTBOX_EVENT.AGGREGATE_ID.in("p", "q", "s", "g"))
            .orderBy(CONSUMED_EVENT.OUTCOME)))
        .stream().map(r -> r.value1()).toList(), "g1 gone, p1 and s1 handled; q1 and q2 not yet");
  }

  /**
   * In bulk: racing rounds give each claimed event to one work call, once, in order; a work that fails for one of
   * its events rolls the batch back, and the batch is handled one by one, so only that event's aggregate waits.
   */
  @Test
  void inBulkRacingRoundsHandleEachEventOnceInOrderAndAFailingEventHoldsBackOnlyItsAggregate() {
    raceFourNodes("test_bulk", "b", "bulk",
        consumer -> consumer.roundInBulk(OutboxConsumerTest::name, OutboxConsumerTest::bulkRecorded));

    var consumer = new OutboxConsumer(db, "bulk-breaking", List.of("test.happened"), Duration.ofDays(1), 100);
    Wait.on(db.execute(Sql.DSL.query("delete from test_bulk")));
    Wait.on(db.execute(Sql.DSL.query("insert into consumed_event (consumer, event_id, outcome)"
        + " select 'bulk-breaking', id, 'handled' from outbox_event")));
    append("p", "p1");
    append("q", "q1");
    append("q", "q2");
    append("m", "m1");
    append("m", "m2");
    append("s", "s1");
    Wait.on(consumer.roundInBulk(event -> {
      if (name(event).equals("m1")) {
        throw new IllegalArgumentException("a malformed payload");
      }
      return name(event);
    }, (tx, names) -> names.contains("q1") ? tx.execute(Sql.DSL.query("select 1 / 0")).mapEmpty()
        : bulkRecorded(tx, names)));
    assertEquals(List.of("p1", "s1"), Wait.on(db.fetch(Sql.DSL.resultQuery("select name from test_bulk"
        + " order by name").coerce(DSL.field("name", String.class)))).stream().map(r -> r.value1()).toList(),
        "m1 failed to be read, alone; q1's work failed: its batch went one by one; m2 and q2 wait, p1 and s1 done");
    assertEquals(2, count("select count(*) from consumer_retry where consumer = 'bulk-breaking' and attempts = 1"),
        "m1 and q1 wait for their retries");
  }

  /**
   * A transaction per event: those that call for nothing ({@code NOTHING}, or gone) are recorded together by one
   * statement at the end of the batch, the others each in its own transaction, in order.
   */
  @Test
  void eventsThatCallForNothingAreRecordedTogether() {
    Wait.on(db.execute(Sql.DSL.query("create table test_each (n bigserial, name text not null,"
        + " tx bigint not null default txid_current())")));
    for (int i = 0; i < 30; i++) {
      append("e" + i % 3, "e" + i);
    }
    var consumer = new OutboxConsumer(db, "each", List.of("test.happened"), Duration.ofDays(1), 100);
    Wait.on(consumer.round(event -> {
      int n = Integer.parseInt(name(event).substring(1));
      return n % 5 == 0 ? Future.succeededFuture(tx -> tx.execute(Sql.DSL.query(
              "insert into test_each (name) values (?)", name(event))).mapEmpty())
          : n % 7 == 0 ? Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 404, "gone"))
          : Future.succeededFuture(OutboxConsumer.NOTHING);
    }));
    assertEquals(30, count("select count(*) from consumed_event where consumer = 'each'"), "every event recorded");
    assertEquals(6, count("select count(distinct tx) from test_each"), "each working event in its own transaction");
    assertEquals(4, count("select count(*) from consumed_event where consumer = 'each' and outcome = 'gone'"));
    assertEquals(1, count("select count(distinct c.xmin::text) from consumed_event c join outbox_event e"
        + " on e.id = c.event_id where c.consumer = 'each' and (e.payload ->> 'name') not in"
        + " (select name from test_each)"), "the others by one statement");
  }

  /** Records the events' names in the test's table in one statement, in their order. */
  private static Future<Void> bulkRecorded(Sql tx, List<String> names) {
    return tx.execute(Sql.DSL.query("insert into test_bulk (name) select name from unnest(?::text[])"
        + " with ordinality as e(name, i) order by i", (Object) names.toArray(String[]::new))).mapEmpty();
  }

  /**
   * Four nodes (a lane each, one database) race {@code round}s of the consumer {@code name}, batches of 40, over 300
   * events of 50 aggregates named {@code prefix} and a number, whose works write their names into {@code table}
   * (made here); then the table holds each event once, each aggregate's in order, a transaction per batch.
   */
  private void raceFourNodes(String table, String prefix, String name,
                             Function<OutboxConsumer, Future<Integer>> round) {
    Wait.on(db.execute(Sql.DSL.query("create table " + table + " (n bigserial, name text not null,"
        + " tx bigint not null default txid_current())")));
    int count = 300;
    for (int i = 0; i < count; i++) {
      append(prefix + i % 50, prefix + i);
    }
    var racing = new ArrayList<Future<Integer>>();
    for (int i = 0; i < 4; i++) {
      racing.add(round.apply(new OutboxConsumer(new Db(db.pool()), name, List.of("test.happened"), Duration.ofDays(1),
          40)));
    }
    Wait.on(Future.all(racing));
    assertEquals(count, count("select count(distinct name) from " + table), "every event handled");
    assertEquals(count, count("select count(*) from " + table), "and each once");
    assertEquals(0, count("select count(*) from " + table + " a join " + table + " b"
        + " on substr(a.name, 2)::int % 50 = substr(b.name, 2)::int % 50"
        + " and substr(a.name, 2)::int < substr(b.name, 2)::int and a.n > b.n"), "each aggregate's in order");
    int transactions = count("select count(distinct tx) from " + table);
    assertTrue(transactions <= 4 * (count / 40 + 1), transactions + " transactions: a batch is one");
  }

  private int count(String sql) {
    return Wait.on(db.fetchOne(Sql.DSL.resultQuery(sql).coerce(DSL.field("c", Integer.class)))).value1();
  }

  /** A work that records the event's name in the test's table, in the consumer's transaction. */
  private static Function<Sql, Future<Void>> recorded(OutboxEventRecord event) {
    return tx -> tx.execute(Sql.DSL.query("insert into test_handled (name) values (?)", name(event))).mapEmpty();
  }

  private static String name(OutboxEventRecord event) {
    return new JsonObject(event.getPayload().data()).getString("name");
  }

  private void round(OutboxConsumer consumer) {
    Function<OutboxEventRecord, Future<Function<Sql, Future<Void>>>> plan = event -> {
      String name = name(event);
      return failing.contains(name) ? Future.failedFuture(new IllegalStateException("not now: " + name))
          : Future.succeededFuture(tx -> {
            handled.add(name);
            return Future.succeededFuture();
          });
    };
    Wait.on(together ? consumer.roundTogether(() -> plan) : consumer.round(plan));
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
