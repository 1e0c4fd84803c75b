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
   * The floor (event numbers settle as soon as no transaction is open, here): raised below the first event not
   * handled (one waiting for its retry holds it), and to the newest number when nothing else is open; a caught-up
   * round reads nothing below it; a sweep finds what appeared there (a transaction that committed late) and puts it
   * above the floor again, so one that fails is retried in order.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theFloorStopsAtWhatIsNotHandledAndTheSweepFindsWhatAppearsBelowIt(boolean together) {
    this.together = together;
    var consumer = new OutboxConsumer(db, "floored", List.of("test.happened"), Duration.ofDays(1), 100,
        Duration.ZERO);
    append("a", "a1");
    append("b", "b1");
    failing.add("b1");
    append("c", "c1");
    round(consumer);  // the first round sweeps; its raise has no settled number yet
    round(consumer);
    assertEquals(List.of("a1", "c1"), handled);
    assertEquals(seqOf("b1") - 1, floor("floored"), "b1 waits for its retry: the floor stays below it");

    failing.clear();
    due();
    round(consumer);
    append("d", "d1");
    round(consumer);
    assertEquals(List.of("a1", "c1", "b1", "d1"), handled);
    assertEquals(seqOf("d1"), floor("floored"), "no other transaction was open: what the raise saw is settled");

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
    round(consumer);
    assertEquals(seqOf("d1"), floor("floored"));
  }

  /**
   * A number counts as settled only once the transactions running when it was seen have ended: a transaction that
   * stays open with an event numbered below committed ones holds the floor below it (with the least time before a
   * number settles at zero, as here, a floor that only waited for time passed it at once), and a round that is not a
   * sweep finds the event when it commits.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aTransactionStillOpenHoldsTheFloorBelowItsEvent(boolean together) {
    this.together = together;
    var consumer = new OutboxConsumer(db, "patient", List.of("test.happened"), Duration.ofDays(1), 100,
        Duration.ZERO);
    append("a", "a1");
    round(consumer);  // the sweep
    var open = Wait.on(db.pool().getConnection());
    var transaction = Wait.on(open.begin());
    // the event is the transaction's first write: it takes the transaction's id itself
    UUID slow = Wait.on(Outbox.append(() -> open, "test.happened", "thing", "x", new JsonObject().put("name", "x1")));
    long slowSeq = Wait.on(open.preparedQuery("select seq from outbox_event where id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(slow))).iterator().next().getLong(0);
    append("b", "b1");
    for (int i = 0; i < 4; i++) {
      round(consumer);
      append("c", "c" + i);
    }
    assertEquals(List.of("a1", "b1", "c0", "c1", "c2"), handled);
    assertTrue(floor("patient") < slowSeq, "x1's transaction is open: the floor stays below its number");

    Wait.on(transaction.commit());
    Wait.on(open.close());
    round(consumer);
    assertEquals(List.of("a1", "b1", "c0", "c1", "c2", "x1", "c3"), handled, "found without a sweep when its transaction commits");
    round(consumer);
    assertEquals(seqOf("c3"), floor("patient"), "settled once the transaction ended");
  }

  /**
   * What the floor counts on: an event takes its transaction's id before its number. In the plan the id is asked in
   * a one-time filter of the node that makes the row, so before the row's number is drawn.
   */
  @Test
  void anEventTakesItsTransactionsIdBeforeItsNumber() {
    String plan = String.join("\n", Wait.on(db.fetch(Sql.DSL.resultQuery("explain (verbose, costs off) "
        + Sql.DSL.renderInlined(Outbox.insertWhen(DSL.noCondition(), DSL.val("test.happened"), DSL.val("thing"),
            DSL.val("a"), DSL.val(org.jooq.JSONB.valueOf("{}"))))).coerce(DSL.field("plan", String.class))))
        .stream().map(r -> r.value1()).toList());
    assertTrue(plan.matches("(?s).*->  Result\\s+Output: nextval\\('outbox_event_seq_seq'\\).*\\s+"
        + "One-Time Filter: .*pg_current_xact_id\\(\\).*"), plan);
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

  /**
   * Together: racing rounds (as several instances run them) handle each event once; a work that fails inside the
   * batch's transaction rolls it back, and the batch is handled one by one, so only that event's aggregate waits;
   * an event whose subject is gone (404 from the owning area) is recorded as gone, its work not done.
   */
  @Test
  void togetherRacingRoundsHandleEachEventOnceAndAFailingWorkHoldsBackOnlyItsAggregate() {
    Wait.on(db.execute(Sql.DSL.query("create table test_handled (n bigserial, name text not null,"
        + " tx bigint not null default txid_current())")));
    int count = 300;
    for (int i = 0; i < count; i++) {
      append("r" + i % 50, "r" + i);
    }
    var racing = new ArrayList<Future<Integer>>();
    for (int i = 0; i < 4; i++) {  // four nodes: a lane each, one database
      var consumer = new OutboxConsumer(new Db(db.pool()), "racing", List.of("test.happened"), Duration.ofDays(1),
          40);
      racing.add(consumer.roundTogether(event -> Future.succeededFuture(recorded(event))));
    }
    Wait.on(Future.all(racing));
    assertEquals(count, count("select count(distinct name) from test_handled"), "every event handled");
    assertEquals(count, count("select count(*) from test_handled"), "and each once");
    assertEquals(0, count("select count(*) from test_handled a join test_handled b"
        + " on substr(a.name, 2)::int % 50 = substr(b.name, 2)::int % 50"
        + " and substr(a.name, 2)::int < substr(b.name, 2)::int and a.n > b.n"), "each aggregate's in order");
    int transactions = count("select count(distinct tx) from test_handled");
    assertTrue(transactions <= 4 * (count / 40 + 1), transactions + " transactions: a batch is one");

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
    Wait.on(consumer.roundTogether(plan));
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
    Wait.on(together ? consumer.roundTogether(plan) : consumer.round(plan));
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
