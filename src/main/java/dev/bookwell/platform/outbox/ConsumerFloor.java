package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.CONSUMER_FLOOR;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record3;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a consumer's rounds start ({@code consumer_floor}): below its floor, the consumer has handled every event
 * of its types in its window. Without it a round looked at every such event of the window (one to seven days) to
 * find the few not handled yet: with 300,000 events in a day, 280 ms of database per round, every second or two, for
 * each consumer on each node, with nothing to do.
 * <p>
 * The floor is raised after each batch: to just below the first event not handled (one
 * waiting for its retry included), and never past an event number known to be settled. Events are numbered when
 * inserted and seen when committed, so a number below one already committed can still appear, from a transaction
 * still open. Each raise notes the newest number committed, in a transaction that takes an id: that number is
 * settled once every transaction given an id before it has ended (a later snapshot's xmin is past it), and
 * {@link #SETTLED} has passed. An event takes its transaction's id before its number ({@link Outbox#insertWhen}),
 * so a transaction that numbered an event below that number had its id by then, and has ended by the time the
 * number counts as settled. A transaction that stays open (a lock wait, a slow statement) holds the floor below its
 * events while it is open, up to {@link #LONGEST}.
 * <p>
 * Until this part of round two of the performance work, a number counted as settled 30 s after it was seen, without
 * looking at the transactions, and the service's transactions last milliseconds. But a caught-up round then read
 * 30 s of events above the floor: with 440 events/s in the purchase benchmark, 7,900 buffers and 19 ms of database
 * per round of each consumer whose events were elsewhere (pg_stat_statements).
 * <p>
 * The sweep stays for what nothing above foresees: every {@link #SWEEP}, a round ignores the floor and looks over
 * the whole window, and what it finds below the floor lowers the floor to it, so the rounds after it take it from
 * there in order. Several nodes raise the same floor; a raise only moves it up.
 */
final class ConsumerFloor {

  /**
   * The least time before a number counts as settled, even when its transactions have ended: the belt to the
   * snapshot's braces, should an event ever be numbered before its transaction has an id (microseconds apart).
   */
  static final Duration SETTLED = Duration.ofSeconds(2);
  /**
   * A number this old settles even while a transaction that was open when it was seen still runs (idle in
   * transaction, a migration, anything holding an id anywhere on the server): as every number did before the
   * snapshot was asked, and the sweep still looks under the floor.
   */
  static final Duration LONGEST = Duration.ofSeconds(30);
  /** At most this many numbers wait to settle (one a raise); past it, a newer one replaces the newest. */
  static final int WAITING = 64;
  static final Duration SWEEP = Duration.ofMinutes(5);
  private static final Logger LOG = LoggerFactory.getLogger(ConsumerFloor.class);

  private final String consumer;
  private final Duration settledAfter;
  private final Duration longest;
  /** The newest event number noted at each raise, not settled yet: when (nanoTime), the number, the noting id. */
  private final Deque<long[]> waiting = new ArrayDeque<>();
  /** The newest settled number (null: none yet). */
  private Long settled;
  /** Whether numbers settle by time alone, a transaction having been open for over {@link #LONGEST}. */
  private boolean stalled;
  private long lastSweep;
  private boolean swept;

  ConsumerFloor(String consumer, Duration settledAfter, Duration longest) {
    this.consumer = consumer;
    this.settledAfter = settledAfter;
    this.longest = longest;
  }

  /** Whether the round starting now looks over the whole window (the first round of each instance does). */
  boolean sweepNow() {
    long now = System.nanoTime();
    if (swept && now - lastSweep < SWEEP.toNanos()) {
      return false;
    }
    swept = true;
    lastSweep = now;
    return true;
  }

  void sweepNext() {
    swept = false;
  }

  /** The events above the floor. */
  Condition above() {
    return OUTBOX_EVENT.SEQ.gt(DSL.coalesce(DSL.field(Sql.DSL.select(CONSUMER_FLOOR.SEQ).from(CONSUMER_FLOOR)
        .where(CONSUMER_FLOOR.CONSUMER.eq(consumer))), DSL.inline(0L)));
  }

  /** A sweep found events not handled from {@code lowest} on: the floor goes below them. */
  Future<Void> lower(Db db, long lowest) {
    return moving(db, tx -> tx.update(Sql.DSL.update(CONSUMER_FLOOR).set(CONSUMER_FLOOR.SEQ, lowest - 1)
        .set(CONSUMER_FLOOR.UPDATED_AT, SqlTime.now())
        .where(CONSUMER_FLOOR.CONSUMER.eq(consumer)).and(CONSUMER_FLOOR.SEQ.ge(lowest))));
  }

  /**
   * One move of the floor at a time, per consumer, across nodes: a raise computed from the floor before another
   * node's sweep lowered it would otherwise put it back above what that sweep found. Its statement runs after the
   * lock, so it sees the last move committed.
   */
  private Future<Void> moving(Db db, java.util.function.Function<Sql, Future<Integer>> move) {
    return db.transaction(tx -> Locks.lock(tx, "consumer-floor:" + consumer).compose(x -> move.apply(tx)))
        .mapEmpty();
  }

  /**
   * Raises the floor after a round; {@code unhandled} selects the events of interest the consumer has not handled.
   * In the move's transaction, the database is first asked where it stands; the floor goes up to a number an
   * earlier raise saw, once it is settled.
   */
  Future<Void> raise(Db db, Condition unhandled) {
    return moving(db, tx -> tx.fetchOne(NOTE, java.util.Map.of()).compose(row -> {
      note(row.value1() == null ? 0 : row.value1(), row.value2(), row.value3());
      Long upTo = settled;
      return upTo == null ? Future.succeededFuture(0) : tx.update(raising(upTo, unhandled));
    }));
  }

  /**
   * The newest event number committed, the snapshot's xmin (the oldest transaction still running), and this
   * transaction's own id, taken now: every id given out before it is lower, as 64-bit ids (no wraparound). The
   * snapshot's xmax would not do: it is one past the newest transaction that ended, so a transaction given an id
   * after that, and still open, would be below no later xmin (the review of this change showed it on PostgreSQL).
   * Sound only as the transaction's first id-taking statement (the advisory lock takes none), after its snapshot,
   * and with the events' sequence drawing numbers in time order (CACHE 1, which OutboxConsumerTest checks).
   */
  private static final Prepared<Record3<Long, Long, Long>> NOTE = Prepared.of(Sql.DSL.select(
      DSL.max(OUTBOX_EVENT.SEQ), DSL.field("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", Long.class),
      Outbox.TRANSACTION_ID).from(OUTBOX_EVENT));

  /**
   * Notes {@code newest}, seen by the transaction {@code own}; then settles the numbers noted before whose
   * transactions have all ended ({@code oldestRunning} is past their noting transaction's id) and that are
   * {@link #SETTLED} old, or that are {@link #LONGEST} old whatever runs.
   */
  private void note(long newest, long oldestRunning, long own) {
    long now = System.nanoTime();
    while (!waiting.isEmpty() && settles(waiting.peekFirst(), oldestRunning, now)) {
      settled = waiting.pollFirst()[1];
    }
    if (waiting.size() == WAITING) {
      waiting.pollLast();  // the newer one below is stricter: later, and noted by a higher id
    }
    waiting.addLast(new long[] {now, newest, own});
  }

  private boolean settles(long[] noted, long oldestRunning, long now) {
    long age = now - noted[0];
    if (age < settledAfter.toNanos()) {
      return false;
    }
    if (noted[2] < oldestRunning) {
      stalled = false;
      return true;
    }
    if (age < longest.toNanos()) {
      return false;
    }
    if (!stalled) {
      stalled = true;
      LOG.warn("{}: transaction {} (pg_stat_activity.backend_xid, in any database of the server) has been open for"
          + " over {}; the floor goes up by time alone until it ends", consumer, oldestRunning, longest);
    }
    return true;
  }

  private org.jooq.Query raising(long settled, Condition unhandled) {
    Field<Long> firstUnhandled = DSL.field(Sql.DSL.select(OUTBOX_EVENT.SEQ).from(OUTBOX_EVENT)
        .where(above()).and(unhandled).orderBy(OUTBOX_EVENT.SEQ).limit(1));
    Field<Long> newestSettled = DSL.val(settled);  // bound: the statement's text stays the same from raise to raise
    Field<Long> target = DSL.least(DSL.coalesce(firstUnhandled.minus(1), newestSettled), newestSettled);
    return Sql.DSL.insertInto(CONSUMER_FLOOR, CONSUMER_FLOOR.CONSUMER, CONSUMER_FLOOR.SEQ)
        .select(Sql.DSL.select(DSL.val(consumer), target))
        .onConflict(CONSUMER_FLOOR.CONSUMER).doUpdate()
        .set(CONSUMER_FLOOR.SEQ, DSL.excluded(CONSUMER_FLOOR.SEQ)).set(CONSUMER_FLOOR.UPDATED_AT, SqlTime.now())
        .where(CONSUMER_FLOOR.SEQ.lt(DSL.excluded(CONSUMER_FLOOR.SEQ)));
  }
}
