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

/**
 * Where a consumer's rounds start ({@code consumer_floor}): below its floor, the consumer has handled every event
 * of its types in its window. Without it a round looked at every such event of the window (one to seven days) to
 * find the few not handled yet: with 300,000 events in a day, 280 ms of database per round, every second or two, for
 * each consumer on each node, with nothing to do.
 * <p>
 * The floor is raised after a round that found less than a batch: to just below the first event not handled (one
 * waiting for its retry included), and never past an event number known to be settled. Events are numbered when
 * inserted and seen when committed, so a number below one already committed can still appear, from a transaction
 * still open. Each raise notes the newest number committed and the database's snapshot: that number is settled once
 * every transaction that had an id then has ended (the snapshot's xmax is at most the xmin of the same or a later
 * one), and {@link #SETTLED} has passed. An event takes its transaction's id before its number
 * ({@link Outbox#insertWhen}), so a transaction that numbered an event below that number was running then, and has
 * committed by the time the number counts as settled. A transaction that stays open (a lock wait, a slow statement)
 * holds the floor below its events for as long as it stays open.
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
  /** At most this many numbers wait to settle (one a raise); while they are this many, no newer one is noted. */
  static final int WAITING = 64;
  static final Duration SWEEP = Duration.ofMinutes(5);

  private final String consumer;
  private final Duration settledAfter;
  /** The newest event number noted at each raise, not settled yet: when (nanoTime), the number, the xmax. */
  private final Deque<long[]> waiting = new ArrayDeque<>();
  /** The newest settled number (null: none yet). */
  private Long settled;
  private long lastSweep;
  private boolean swept;

  ConsumerFloor(String consumer, Duration settledAfter) {
    this.consumer = consumer;
    this.settledAfter = settledAfter;
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
   * The database is asked first where it stands, so a raise goes up to what the raise before it saw, or to what it
   * sees itself when nothing else was writing.
   */
  Future<Void> raise(Db db, Condition unhandled) {
    return db.fetchOne(NOTE, java.util.Map.of()).compose(row -> {
      note(row.value1() == null ? 0 : row.value1(), row.value2(), row.value3());
      Long upTo = settled;
      return upTo == null ? Future.succeededFuture() : moving(db, tx -> tx.update(raising(upTo, unhandled)));
    });
  }

  /**
   * The newest event number committed, and the snapshot's xmin (the oldest transaction still running) and xmax (the
   * first id not given out yet), as 64-bit transaction ids (no wraparound); one statement, so one snapshot.
   */
  private static final Prepared<Record3<Long, Long, Long>> NOTE = Prepared.of(Sql.DSL.select(
      DSL.max(OUTBOX_EVENT.SEQ), DSL.field("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", Long.class),
      DSL.field("pg_snapshot_xmax(pg_current_snapshot())::text::bigint", Long.class)).from(OUTBOX_EVENT));

  /** Notes {@code newest} with its snapshot's xmax, then settles what the xmin {@code oldestRunning} lets settle. */
  private void note(long newest, long oldestRunning, long notBegun) {
    long now = System.nanoTime();
    if (waiting.size() < WAITING) {
      waiting.addLast(new long[] {now, newest, notBegun});
    }
    while (!waiting.isEmpty() && waiting.peekFirst()[2] <= oldestRunning
        && now - waiting.peekFirst()[0] >= settledAfter.toNanos()) {
      settled = waiting.pollFirst()[1];
    }
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
