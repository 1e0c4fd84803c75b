package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.CONSUMED_EVENT;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An internal consumer of outbox events that handles each event once, whatever the number of instances and however
 * often it is delivered. A round reads, from the outbox itself, the events of its types from the last
 * {@code window} that it has not handled, oldest first, a bounded batch, one at a time. For each, the consumer's
 * {@code plan} asks whatever it needs first (outside any transaction: no connection waits on the bus) and answers
 * with the work to do; that work runs in the transaction that records the event in {@code consumed_event}, so racing
 * rounds do it once. A plan that fails is tried again next round (an area down is no lost event), and the later
 * events of the same aggregate wait for it (a booking's cancellation is never handled before its confirmation);
 * one failing with 404 from the owning area (the subject is gone) is recorded as handled with nothing done.
 */
public final class OutboxConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxConsumer.class);

  private final Db db;
  private final String consumer;
  private final List<String> types;
  private final Duration window;
  private final int batch;

  public OutboxConsumer(Db db, String consumer, Collection<String> types, Duration window, int batch) {
    this.db = db;
    this.consumer = consumer;
    this.types = List.copyOf(types);
    this.window = window;
    this.batch = batch;
  }

  /** One round; gives how many events were handled. */
  public Future<Integer> round(Function<OutboxEventRecord, Future<Function<Sql, Future<Void>>>> plan) {
    return db.fetch(Sql.DSL.selectFrom(OUTBOX_EVENT)
            .where(OUTBOX_EVENT.TYPE.in(types))
            .and(OUTBOX_EVENT.OCCURRED_AT.gt(SqlTime.nowPlus(window.negated())))
            .andNotExists(Sql.DSL.selectOne().from(CONSUMED_EVENT)
                .where(CONSUMED_EVENT.CONSUMER.eq(consumer)).and(CONSUMED_EVENT.EVENT_ID.eq(OUTBOX_EVENT.ID)))
            .orderBy(OUTBOX_EVENT.SEQ).limit(batch))
        .compose(events -> {
          // an aggregate whose event failed waits for it: its later events are not handled before it
          var stuck = new java.util.HashSet<String>();
          Future<Integer> chain = Future.succeededFuture(0);
          for (var event : events) {
            chain = chain.compose(done -> stuck.contains(event.getAggregateId()) ? Future.succeededFuture(done)
                : handle(event, plan).map(done + 1).otherwise(e -> {
                  stuck.add(event.getAggregateId());
                  LOG.warn("{}: handling {} {} failed; tried again next round: {}", consumer, event.getType(),
                      event.getId(), e.getMessage());
                  return done;
                }));
          }
          return chain;
        });
  }

  private Future<Void> handle(OutboxEventRecord event,
                              Function<OutboxEventRecord, Future<Function<Sql, Future<Void>>>> plan) {
    // a plan that throws (a malformed payload) fails this event only
    return Future.succeededFuture(event).compose(plan)
        .compose(work -> once(event, work))
        .recover(e -> e instanceof ReplyException reply && reply.failureCode() == 404
            ? once(event, tx -> Future.succeededFuture()) : Future.failedFuture(e));
  }

  private Future<Void> once(OutboxEventRecord event, Function<Sql, Future<Void>> work) {
    return db.transaction(tx -> tx.update(Sql.DSL.insertInto(CONSUMED_EVENT)
            .set(CONSUMED_EVENT.CONSUMER, consumer).set(CONSUMED_EVENT.EVENT_ID, event.getId())
            .onConflictDoNothing())
        .compose(fresh -> fresh == 0 ? Future.succeededFuture() : work.apply(tx)));
  }
}
