package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.CONSUMER_FLOOR;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import java.time.Duration;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * Where a consumer's rounds start ({@code consumer_floor}): below its floor, the consumer has handled every event
 * of its types in its window. Without it a round looked at every such event of the window (one to seven days) to
 * find the few not handled yet: with 300,000 events in a day, 280 ms of database per round, every second or two, for
 * each consumer on each node, with nothing to do.
 * <p>
 * The floor is raised after a round that found less than a batch, to just below the first event not handled (one
 * waiting for its retry included), and never past an event younger than {@link #SETTLED}. Events are numbered when
 * inserted, not when committed: an event of a transaction still open is invisible to the raise while later numbers
 * are visible. Such a transaction started after the newest event older than {@link #SETTLED} was inserted, unless it
 * has been open longer than that, so the floor passes none of its events; and one open longer (the service's
 * transactions last milliseconds) is caught by the sweep: every {@link #SWEEP}, one round ignores the floor and
 * looks over the whole window, as every round used to. Several nodes raise the same floor; it only goes up.
 */
final class ConsumerFloor {

  static final Duration SETTLED = Duration.ofSeconds(30);
  static final Duration SWEEP = Duration.ofMinutes(5);

  private final String consumer;
  private long lastSweep;
  private boolean swept;

  ConsumerFloor(String consumer) {
    this.consumer = consumer;
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
    return OUTBOX_EVENT.SEQ.gt(floor());
  }

  private Field<Long> floor() {
    return DSL.coalesce(DSL.field(Sql.DSL.select(CONSUMER_FLOOR.SEQ).from(CONSUMER_FLOOR)
        .where(CONSUMER_FLOOR.CONSUMER.eq(consumer))), DSL.inline(0L));
  }

  /** Raises the floor after a round; {@code unhandled} selects the events of interest the consumer has not handled. */
  Future<Void> raise(Db db, Condition unhandled) {
    Field<Long> firstUnhandled = DSL.field(Sql.DSL.select(DSL.min(OUTBOX_EVENT.SEQ)).from(OUTBOX_EVENT)
        .where(above()).and(unhandled));
    Field<Long> newest = DSL.field(Sql.DSL.select(DSL.max(OUTBOX_EVENT.SEQ)).from(OUTBOX_EVENT));
    // the newest event older than SETTLED, off the occurred_at index
    Field<Long> settled = DSL.field(Sql.DSL.select(OUTBOX_EVENT.SEQ).from(OUTBOX_EVENT)
        .where(OUTBOX_EVENT.OCCURRED_AT.lt(SqlTime.nowPlus(SETTLED.negated())))
        .orderBy(OUTBOX_EVENT.OCCURRED_AT.desc()).limit(1));
    var limits = Sql.DSL.select(DSL.coalesce(firstUnhandled.minus(1), newest).as("handled"), settled.as("settled"))
        .asTable("limits");
    Field<Long> handled = limits.field("handled", Long.class);
    Field<Long> old = limits.field("settled", Long.class);
    // LEAST ignores nulls in PostgreSQL, so both are required to be there
    return db.update(Sql.DSL.insertInto(CONSUMER_FLOOR, CONSUMER_FLOOR.CONSUMER, CONSUMER_FLOOR.SEQ)
            .select(Sql.DSL.select(DSL.val(consumer), DSL.least(handled, old)).from(limits)
                .where(handled.isNotNull()).and(old.isNotNull()))
            .onConflict(CONSUMER_FLOOR.CONSUMER).doUpdate()
            .set(CONSUMER_FLOOR.SEQ, DSL.greatest(CONSUMER_FLOOR.SEQ, DSL.excluded(CONSUMER_FLOOR.SEQ)))
            .set(CONSUMER_FLOOR.UPDATED_AT, SqlTime.now()))
        .mapEmpty();
  }
}
