package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.NOTIFICATION_EVENT;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Turns an event into the messages it calls for, once: the event's id is recorded in the same transaction as the
 * queued messages, so a redelivered event (delivery is at-least-once) finds its row and queues nothing.
 * Who hears of it is asked of the owning areas first ({@link Audiences}), outside the transaction (no connection
 * waits on the bus).
 */
final class Intake {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Intake.class);

  static final String CONSUMER = "email";
  /** Events older than this are not looked at again (an owning area down for a day loses its messages). */
  private static final Duration WINDOW = Duration.ofDays(1);
  private static final int BATCH = 100;

  private final Db db;
  private final Audiences audiences;

  Intake(Db db, Audiences audiences) {
    this.db = db;
    this.audiences = audiences;
  }

  /**
   * One round: the events of the handled types from the last day that this consumer has not handled, oldest first,
   * one at a time (bounded work). Reading the outbox, not only listening on the bus, makes delivery at-least-once
   * for real: an event whose handling failed (an area down, the pool full) is simply found again next round. One
   * the owning area answers 404 for (a reset already used, a booking purged) is recorded as handled, with nothing
   * to send. Several instances may run rounds: the dedupe row decides, so nothing is queued twice.
   */
  Future<Integer> round() {
    return db.fetch(Sql.DSL.selectFrom(OUTBOX_EVENT)
            .where(OUTBOX_EVENT.TYPE.in(Audiences.HANDLED))
            .and(OUTBOX_EVENT.OCCURRED_AT.gt(SqlTime.nowPlus(WINDOW.negated())))
            .andNotExists(Sql.DSL.selectOne().from(NOTIFICATION_EVENT)
                .where(NOTIFICATION_EVENT.CONSUMER.eq(CONSUMER)).and(NOTIFICATION_EVENT.EVENT_ID.eq(OUTBOX_EVENT.ID)))
            .orderBy(OUTBOX_EVENT.SEQ).limit(BATCH))
        .compose(events -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var event : events) {
            chain = chain.compose(done -> handle(event).map(queued -> done + 1).otherwise(e -> {
              LOG.warn("handling {} {} failed; retried next round: {}", event.getType(), event.getId(),
                  e.getMessage());
              return done;
            }));
          }
          return chain;
        });
  }

  private Future<Boolean> handle(OutboxEventRecord event) {
    // a malformed event fails this event only (a throw here would end the whole round)
    return Future.succeededFuture(new JsonObject(event.getPayload().data()))
        .compose(payload -> audiences.of(event.getId(), event.getType(), event.getAggregateId(), payload))
        .compose(plan -> once(event.getId(), tx -> plan.apply(tx).map(true)))
        .recover(e -> e instanceof ReplyException reply && reply.failureCode() == 404
            ? once(event.getId(), tx -> Future.succeededFuture(false))
            : Future.failedFuture(e));
  }

  /** Runs {@code work} in the transaction that records the event as handled, unless it was handled before. */
  private Future<Boolean> once(UUID eventId, Function<Sql, Future<Boolean>> work) {
    return db.transaction(tx -> tx.update(Sql.DSL.insertInto(NOTIFICATION_EVENT)
            .set(NOTIFICATION_EVENT.CONSUMER, CONSUMER).set(NOTIFICATION_EVENT.EVENT_ID, eventId)
            .onConflictDoNothing())
        .compose(fresh -> fresh == 0 ? Future.succeededFuture(false) : work.apply(tx)));
  }

  /** Queues {@code notes} one after the other in {@code tx}. */
  static Future<Void> queueAll(Sql tx, UUID eventId, List<Deliveries.Note> notes) {
    Future<Void> chain = Future.succeededFuture();
    for (var note : notes) {
      chain = chain.compose(x -> Deliveries.queue(tx, eventId, note));
    }
    return chain;
  }
}
