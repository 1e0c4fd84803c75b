package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.CONSUMED_EVENT;
import static dev.bookwell.db.Tables.CONSUMER_RETRY;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.platform.Rounds;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.InOrder;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An internal consumer of outbox events that handles each event once, whatever the number of instances and however
 * often it is delivered. A round reads, from the outbox itself, the events of its types from the last
 * {@code window} that it has not handled (above its {@link ConsumerFloor}), oldest first, a bounded batch, one at
 * a time. For each, the consumer's {@code plan} asks whatever it needs first (outside any transaction: no
 * connection waits on the bus) and answers with the work to do; that work runs in the transaction that records the
 * event in {@code consumed_event}, so racing rounds do it once: a transaction per event ({@link #round}), or one for
 * the batch ({@link #roundTogether}); or, for a consumer with nothing to ask, one work for the whole batch
 * ({@link #roundInBulk}).
 * <p>
 * A plan that fails is tried again with backoff ({@code consumer_retry}: 1 s, 2 s, 4 s ... at most an hour apart);
 * meanwhile the later events of the same aggregate wait for it (a booking's cancellation is never handled before its
 * confirmation), other aggregates' events go on. After {@link #MAX_ATTEMPTS} it is given up: recorded as consumed
 * with outcome {@code given_up} and logged as an error, so it blocks nothing for ever. One failing with 404 from the
 * owning area (the subject is gone) is recorded with outcome {@code gone}, nothing done.
 */
public final class OutboxConsumer {

  static final int MAX_ATTEMPTS = 10;
  private static final Logger LOG = LoggerFactory.getLogger(OutboxConsumer.class);

  private final Db db;
  private final String consumer;
  private final List<String> types;
  private final Duration window;
  private final int batch;
  private final ConsumerFloor floor;

  public OutboxConsumer(Db db, String consumer, Collection<String> types, Duration window, int batch) {
    this(db, consumer, types, window, batch, ConsumerFloor.SETTLED);
  }

  /** With how long an event number takes to count as settled for the floor (tests shorten it). */
  OutboxConsumer(Db db, String consumer, Collection<String> types, Duration window, int batch, Duration settled) {
    this(db, consumer, types, window, batch, settled, ConsumerFloor.LONGEST);
  }

  /** And how long before a number settles whatever transactions are open (tests shorten it). */
  OutboxConsumer(Db db, String consumer, Collection<String> types, Duration window, int batch, Duration settled,
                 Duration longest) {
    this.db = db;
    this.consumer = consumer;
    this.types = List.copyOf(types);
    this.window = window;
    this.batch = batch;
    this.floor = new ConsumerFloor(consumer, settled, longest);
  }

  /**
   * One round: batches while they come full, at most {@link #BATCHES}, each event in a transaction of its own;
   * gives how many events were handled. Its batches take turns with the node's other background batches
   * ({@link Db#background()}), as those of {@link #roundTogether} do: until round two's eighteenth part of the
   * performance work they did not, and learning's classroom consumer ran beside a purchase rush at full speed.
   */
  public Future<Integer> round(Function<OutboxEventRecord, Future<Function<Sql, Future<Void>>>> plan) {
    return Rounds.whileFull(BATCHES, batch, () -> db.background().run(() -> batch(events ->
        handleAll(events, plan))));
  }

  /**
   * A round that handles each batch in one transaction ({@link #handleTogether}), its batches taking turns with the
   * node's other background batches ({@link Db#background()}). For a consumer whose plans do not read what its
   * own works write (the batch's plans are all asked before its works run), and whose works' timestamps do not
   * order its rows (one transaction's {@code now()} is the same for every event). Its {@code planner} makes the
   * plan fresh for each batch: one may keep what it asked of other areas for its batch's other events, and no
   * longer (a later batch asks again).
   */
  public Future<Integer> roundTogether(
      Supplier<Function<OutboxEventRecord, Future<Function<Sql, Future<Void>>>>> planner) {
    return Rounds.whileFull(BATCHES, batch, () -> db.background().run(() -> batch(events ->
        handleTogether(events, planner.get()))));
  }

  /**
   * A round whose batches are each one transaction in which one {@code work} does what all the batch's claimed
   * events call for, in their order: for a consumer with nothing to ask first, whose work for many events is one
   * statement over arrays where {@link #roundTogether} runs one per event (the webhooks' deliveries, the reports'
   * marks: five statements behind every purchase until round two's eighteenth part of the performance work). Each
   * event is first read into what the work needs by {@code prepare}, in order, outside the transaction: one that
   * fails there (a malformed payload) is that event's failure alone, tried again with backoff as a plan's is. When
   * the transaction fails, each event is handled alone, as there.
   */
  public <T> Future<Integer> roundInBulk(Function<OutboxEventRecord, T> prepare,
                                         BiFunction<Sql, List<T>, Future<Void>> work) {
    return Rounds.whileFull(BATCHES, batch, () -> db.background().run(() -> batch(events ->
        inOrder(events, event -> Future.succeededFuture(event).map(prepare).map(item -> new Ready<>(event, item)))
            .compose(prepared -> prepared.isEmpty() ? Future.succeededFuture(0) : handleInBulk(prepared, work)))));
  }

  /** An event and what its bulk work needs of it. */
  private record Ready<T>(OutboxEventRecord event, T item) {
  }

  static final int BATCHES = 10;

  private Future<Rounds.Batch> batch(Function<List<OutboxEventRecord>, Future<Integer>> handler) {
    boolean sweep = floor.sweepNow();
    return db.fetch(batchQuery(sweep))
        .compose(events -> handler.apply(events)
            .compose(done -> moveFloor(sweep, events).map(new Rounds.Batch(events.size(), done))));
  }

  /** A batch's events: unhandled, above the floor unless sweeping, not waiting for a retry, oldest first. */
  org.jooq.Select<OutboxEventRecord> batchQuery(boolean sweep) {
    var earlier = OUTBOX_EVENT.as("earlier");
    return Sql.DSL.selectFrom(OUTBOX_EVENT)
        .where(unhandled())
        .and(sweep ? DSL.noCondition() : floor.above())
        // an event waiting to be tried again, and the later events of its aggregate, are not due yet (a due
        // one comes in the batch before them, and if it fails again they wait in the round)
        .andNotExists(Sql.DSL.selectOne().from(CONSUMER_RETRY).join(earlier)
            .on(earlier.ID.eq(CONSUMER_RETRY.EVENT_ID))
            .where(CONSUMER_RETRY.CONSUMER.eq(consumer))
            .and(earlier.AGGREGATE_ID.eq(OUTBOX_EVENT.AGGREGATE_ID))
            .and(earlier.SEQ.le(OUTBOX_EVENT.SEQ)).and(CONSUMER_RETRY.NEXT_AT.gt(SqlTime.now())))
        .orderBy(OUTBOX_EVENT.SEQ).limit(batch);
  }

  /**
   * What a sweep found goes above the floor again (the rounds after it take it from there, in order); then every
   * batch raises the floor, full or not. Until round two's thirteenth part of the performance work only a batch
   * that was not full did (one that had caught up), so while a backlog drained the floor stayed where the backlog
   * began and each batch read every event handled since then again, to drop it by its {@code consumed_event} row:
   * after the purchase benchmark, the notifications' reads grew to 14 ms and 15,000 buffers for each 100 events,
   * and reads and raises were two thirds of the database's time in the catch-up (pg_stat_statements). A raise is
   * a short transaction; the batch after it starts where this one stopped (once a number above it has settled,
   * which a backlog's has). A failure here is logged; the next round tries.
   */
  private Future<Void> moveFloor(boolean sweep, List<OutboxEventRecord> events) {
    Future<Void> lowered = sweep && !events.isEmpty() ? floor.lower(db, events.getFirst().getSeq())
        : Future.succeededFuture();
    return lowered.compose(x -> floor.raise(db, unhandled()))
        .recover(e -> {
          LOG.warn("{}: moving its floor failed; the next round tries again", consumer, e);
          return Future.succeededFuture();
        });
  }

  /** For tests: the next round sweeps, as one does every {@link ConsumerFloor#SWEEP}. */
  void sweepNextRound() {
    floor.sweepNext();
  }

  /**
   * The events of the consumer's types in its window that it has not handled. Each event is looked up in
   * {@code consumed_event} by its key, one probe per event: the {@code offset 0} keeps PostgreSQL from turning the
   * NOT EXISTS into an anti-join, whose method it picks by the table's statistics. Those lag behind a table that
   * grows fast from small (a fresh installation, a first busy hour): they said 117 of the consumer's rows where there
   * were 12,520, and the planner read them all into memory and compared each candidate event with each of them,
   * 2.5 million comparisons and 217 ms for 198 events (the open-loop benchmark's first run, EXPLAIN ANALYZE; at
   * 25 % of the load, these reads took 8 s of the database's 10 s of statements). A probe per event costs the same
   * whatever the statistics say.
   */
  private Condition unhandled() {
    return OUTBOX_EVENT.TYPE.in(types)
        .and(OUTBOX_EVENT.OCCURRED_AT.gt(SqlTime.nowPlus(window.negated())))
        .andNotExists(Sql.DSL.selectOne().from(CONSUMED_EVENT)
            .where(CONSUMED_EVENT.CONSUMER.eq(consumer)).and(CONSUMED_EVENT.EVENT_ID.eq(OUTBOX_EVENT.ID))
            .offset(DSL.inline(0)));
  }

  /**
   * A plan's work when its event calls for none (a guest's booking enrolls nobody): in {@link #round}, the batch's
   * events planned so are recorded together after the others, by one statement without a transaction. Each was a
   * transaction of its own, three statements behind every confirmed booking in the purchase benchmark, which books
   * as guests (pg_stat_statements, round two's eighteenth part of the performance work).
   */
  public static final Function<Sql, Future<Void>> NOTHING = tx -> Future.succeededFuture();

  /**
   * Handles a batch's events in order, each in its own transaction; those whose work is {@link #NOTHING} (or whose
   * subject is gone) are recorded together at the end. One of those not recorded (the statement failed) is found
   * again by the next round; nothing of it is lost or done twice.
   */
  private Future<Integer> handleAll(List<OutboxEventRecord> events,
                                    Function<OutboxEventRecord, Future<Function<Sql, Future<Void>>>> plan) {
    var idle = new ArrayList<Planned>();
    return inOrder(events, event -> planOf(event, plan).compose(step -> {
      if (step.work() != NOTHING) {
        return once(step);
      }
      idle.add(step);
      return Future.succeededFuture(step);
    })).compose(done -> idle.isEmpty() ? Future.succeededFuture(done.size())
        : claim(db, idle).map(done.size()).recover(e -> {
          LOG.warn("{}: recording {} events that called for nothing failed; the next round finds them", consumer,
              idle.size(), e);
          return Future.succeededFuture(done.size() - idle.size());
        }));
  }

  /**
   * Handles a batch's events in one transaction: their plans in order, then one statement claims them all and
   * their works run, in order, for those claimed. Each event was a transaction for each consumer, three or four
   * behind every booking event (a commit each): catching up with the open-loop benchmark's warm-up took 16.5 s of
   * the service's CPU, 11 s in batches. When the transaction fails, the batch's events are handled one by one, so
   * one event's failure holds back only its own aggregate.
   */
  private Future<Integer> handleTogether(List<OutboxEventRecord> events,
                                         Function<OutboxEventRecord, Future<Function<Sql, Future<Void>>>> plan) {
    return inOrder(events, event -> planOf(event, plan)).compose(planned -> planned.isEmpty()
        ? Future.succeededFuture(0)
        : db.transaction(tx -> claimAndWork(tx, planned)).map(planned.size()).recover(e -> oneByOne(planned, e)));
  }

  /** Claims the planned events and does the works of those claimed (not handled before, by any node), in order. */
  private Future<Void> claimAndWork(Sql tx, List<Planned> planned) {
    return claim(tx, planned).compose(claimed -> InOrder.each(planned.stream()
        .filter(step -> claimed.contains(step.event().getId())).toList(), step -> step.work().apply(tx)));
  }

  /** The ids of the planned events this transaction claimed: those not handled before, by any node. */
  private Future<Set<UUID>> claim(Sql tx, List<Planned> planned) {
    return tx.fetch(CLAIM, Map.of("consumer", consumer,
            "events", planned.stream().map(step -> step.event().getId()).toArray(UUID[]::new),
            "outcomes", planned.stream().map(Planned::outcome).toArray(String[]::new)))
        .map(rows -> rows.stream().map(Record1::value1).collect(Collectors.toSet()));
  }

  /** The batch claimed in one transaction, and one work for the events claimed; alone each, if that fails. */
  private <T> Future<Integer> handleInBulk(List<Ready<T>> prepared, BiFunction<Sql, List<T>, Future<Void>> work) {
    var planned = prepared.stream()
        .map(each -> new Planned(each.event(), "handled", tx -> work.apply(tx, List.of(each.item())))).toList();
    return db.transaction(tx -> claim(tx, planned).compose(claimed -> claimed.isEmpty() ? Future.succeededFuture()
            : work.apply(tx, prepared.stream().filter(each -> claimed.contains(each.event().getId()))
                .map(Ready::item).toList())))
        .map(prepared.size()).recover(e -> oneByOne(planned, e));
  }

  private Future<Integer> oneByOne(List<Planned> planned, Throwable failure) {
    LOG.warn("{}: a batch of {} events failed together; each is handled alone", consumer, planned.size(), failure);
    var byEvent = planned.stream().collect(Collectors.toMap(step -> step.event().getId(), step -> step));
    return inOrder(planned.stream().map(Planned::event).toList(), event -> once(byEvent.get(event.getId())))
        .map(List::size);
  }

  /** An event's outcome and the work it calls for, as its consumer's plan says. */
  private record Planned(OutboxEventRecord event, String outcome, Function<Sql, Future<Void>> work) {
  }

  /** The plan's work for the event; none, with outcome {@code gone}, when the owning area answers 404. */
  private static Future<Planned> planOf(OutboxEventRecord event,
                                        Function<OutboxEventRecord, Future<Function<Sql, Future<Void>>>> plan) {
    // a plan that throws (a malformed payload) fails this event only
    return Future.succeededFuture(event).compose(plan).map(work -> new Planned(event, "handled", work))
        .recover(e -> e instanceof ReplyException reply && reply.failureCode() == 404
            ? Future.succeededFuture(new Planned(event, "gone", NOTHING))
            : Future.failedFuture(e));
  }

  /**
   * Each event's {@code step}, in order, giving the results of those that succeeded. Within the round too, an
   * aggregate whose step failed waits for it (the failure is counted), so its later events are not stepped.
   */
  private <T> Future<List<T>> inOrder(List<OutboxEventRecord> events, Function<OutboxEventRecord, Future<T>> step) {
    var stuck = new HashSet<String>();
    var done = new ArrayList<T>();
    Future<Void> chain = Future.succeededFuture();
    for (var event : events) {
      chain = chain.compose(x -> stuck.contains(event.getAggregateId()) ? Future.<Void>succeededFuture()
          : step.apply(event).<Void>map(result -> {
            done.add(result);
            return null;
          }).recover(e -> {
            stuck.add(event.getAggregateId());
            return failed(event, e);
          }));
    }
    return chain.map(x -> done);
  }

  /** Counts the failure; past {@link #MAX_ATTEMPTS} the event is given up (recorded, logged as an error). */
  private Future<Void> failed(OutboxEventRecord event, Throwable e) {
    String reason = String.valueOf(e.getMessage());
    var backoff = DSL.field("now() + least(interval '1 second' * power(2, least({0}, 12)), interval '1 hour')",
        java.time.OffsetDateTime.class, CONSUMER_RETRY.ATTEMPTS);
    return db.fetchOne(Sql.DSL.insertInto(CONSUMER_RETRY)
            .set(CONSUMER_RETRY.CONSUMER, consumer).set(CONSUMER_RETRY.EVENT_ID, event.getId())
            .set(CONSUMER_RETRY.ATTEMPTS, 1).set(CONSUMER_RETRY.NEXT_AT, SqlTime.nowPlus(Duration.ofSeconds(1)))
            .set(CONSUMER_RETRY.LAST_ERROR, reason)
            .onConflict(CONSUMER_RETRY.CONSUMER, CONSUMER_RETRY.EVENT_ID).doUpdate()
            .set(CONSUMER_RETRY.ATTEMPTS, CONSUMER_RETRY.ATTEMPTS.plus(1)).set(CONSUMER_RETRY.NEXT_AT, backoff)
            .set(CONSUMER_RETRY.LAST_ERROR, reason)
            .returning(CONSUMER_RETRY.ATTEMPTS))
        .compose(row -> {
          if (row.getAttempts() < MAX_ATTEMPTS) {
            LOG.warn("{}: handling {} {} failed (attempt {}); tried again later: {}", consumer, event.getType(),
                event.getId(), row.getAttempts(), reason);
            return Future.succeededFuture();
          }
          LOG.error("{}: gave up {} {} after {} attempts: {}", consumer, event.getType(), event.getId(),
              row.getAttempts(), reason);
          return once(event, "given_up", tx -> Future.succeededFuture());
        });
  }

  private Future<Planned> once(Planned step) {
    return once(step.event(), step.outcome(), step.work()).map(step);
  }

  /** The event's work, in the transaction that claims it, unless it was claimed before. */
  private Future<Void> once(OutboxEventRecord event, String outcome, Function<Sql, Future<Void>> work) {
    return db.transaction(tx -> claimAndWork(tx, List.of(new Planned(event, outcome, work))));
  }

  /**
   * Records the events as handled (or gone: {@code outcomes}, in the same order) by the consumer, those not recorded
   * already, and clears their retries, handled now or by another instance before: nothing waits on them any more.
   * Gives the ids it recorded, whose works are to be done. One statement, rendered once: every event of a booking
   * is handled by three or four consumers, and this was two statements rendered for each, behind every hold's event
   * (JFR: consumers catching up took a quarter of the service's samples during the searches after a spread run).
   */
  private static final Prepared<Record1<UUID>> CLAIM;

  static {
    var consumer = DSL.param("consumer", String.class);
    Field<UUID[]> events = Prepared.array("events", SQLDataType.UUID);
    Field<String[]> outcomes = Prepared.array("outcomes", SQLDataType.CLOB);
    var fresh = DSL.name("fresh").as(Sql.DSL.insertInto(CONSUMED_EVENT, CONSUMED_EVENT.CONSUMER,
            CONSUMED_EVENT.EVENT_ID, CONSUMED_EVENT.OUTCOME)
        // side by side, the two arrays are read as pairs, in their order
        .select(Sql.DSL.select(consumer, DSL.function("unnest", UUID.class, events),
            DSL.function("unnest", String.class, outcomes)))
        .onConflictDoNothing().returning(CONSUMED_EVENT.EVENT_ID));
    var cleared = DSL.name("cleared").as(Sql.DSL.deleteFrom(CONSUMER_RETRY)
        .where(CONSUMER_RETRY.CONSUMER.eq(consumer)).and(CONSUMER_RETRY.EVENT_ID.eq(DSL.any(events)))
        .returning(CONSUMER_RETRY.EVENT_ID));
    CLAIM = Prepared.of(Sql.DSL.with(fresh, cleared)
        .select(DSL.field(DSL.name("fresh", CONSUMED_EVENT.EVENT_ID.getName()), UUID.class)).from(fresh));
  }
}
