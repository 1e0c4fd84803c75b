package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.CONSUMER_FLOOR;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * Where a consumer's rounds start ({@code consumer_floor}): below its floor, the consumer has handled every event
 * of its types in its window. Without it a round looked at every such event of the window (one to seven days) to
 * find the few not handled yet: with 300,000 events in a day, 280 ms of database per round, every second or two, for
 * each consumer on each node, with nothing to do.
 * <p>
 * The floor is raised after a round that found less than a batch: to just below the first event not handled (one
 * waiting for its retry included), and never past the newest event number this instance saw {@link #SETTLED} ago.
 * Events are numbered when inserted and seen when committed: an event numbered below one already committed can
 * still appear, but only from a transaction that was open when that number was seen, and the service's
 * transactions last milliseconds, not {@link #SETTLED}. One that lasts longer is found by the sweep: every
 * {@link #SWEEP}, a round ignores the floor and looks over the whole window, as every round used to, and what it
 * finds below the floor lowers the floor to it, so the rounds after it take it from there in order. Several nodes
 * raise the same floor; a raise only moves it up.
 */
final class ConsumerFloor {

  static final Duration SETTLED = Duration.ofSeconds(30);
  static final Duration SWEEP = Duration.ofMinutes(5);

  private final String consumer;
  private final Duration settledAfter;
  /** The newest event number seen at each raise, and when (nanoTime), oldest first. */
  private final Deque<long[]> newest = new ArrayDeque<>();
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

  /** Raises the floor after a round; {@code unhandled} selects the events of interest the consumer has not handled. */
  Future<Void> raise(Db db, Condition unhandled) {
    Long settled = settled();
    Future<Void> raised = settled == null ? Future.succeededFuture()
        : moving(db, tx -> tx.update(raising(settled, unhandled)));
    return raised.compose(x -> db.fetchOne(Sql.DSL.select(DSL.max(OUTBOX_EVENT.SEQ)).from(OUTBOX_EVENT)))
        .map(row -> {
          newest.addLast(new long[] {System.nanoTime(), row.value1() == null ? 0 : row.value1()});
          return null;
        });
  }

  /** The newest event number seen at least {@link #SETTLED} ago (null: none yet); older samples are dropped. */
  private Long settled() {
    long cutoff = System.nanoTime() - settledAfter.toNanos();
    long[] found = null;
    while (!newest.isEmpty() && newest.peekFirst()[0] <= cutoff) {
      found = newest.pollFirst();
    }
    if (found != null) {
      newest.addFirst(found);  // still the newest settled one until a later one settles
    }
    return found == null ? null : found[1];
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
