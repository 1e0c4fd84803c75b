package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes committed outbox rows on the event bus, oldest first, and marks them published.
 *
 * <p>Each round claims a batch with {@code FOR UPDATE SKIP LOCKED}, publishes it and marks it in the same
 * transaction, so several relays (in one process or many) never publish the same row at once, and a crash
 * between publishing and committing only means the batch is published again: delivery is at-least-once and
 * consumers deduplicate on the event id. "Oldest first" is by {@code seq}, taken at insert, not at commit: events
 * of concurrent transactions, and of several relays, may arrive out of order, so consumers judge an event by what
 * it says, never by when it arrives.
 */
public final class OutboxRelayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelayVerticle.class);

  private final Platform platform;
  private long timerId = -1;
  private long lagTimer = -1;
  private io.micrometer.core.instrument.MeterRegistry metrics;
  private Future<Integer> round = Future.succeededFuture(0);

  public OutboxRelayVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    timerId = vertx.setPeriodic(0, platform.config().outboxPollInterval().toMillis(), id -> relayIfIdle());
    metrics = dev.bookwell.platform.metrics.Gauges.registry(platform.metricsRegistry());
    // how far publishing is behind: the age of the oldest event not published yet (0 when none)
    lagTimer = dev.bookwell.platform.metrics.Gauges.every(vertx, platform.metricsRegistry(),
        "bookwell.outbox.lag.seconds", "Age of the oldest unpublished outbox event", () -> platform.db()
            .fetchOptional(Sql.DSL.select(DSL.field("extract(epoch from now() - {0})::bigint", Long.class,
                    OUTBOX_EVENT.OCCURRED_AT)).from(OUTBOX_EVENT).where(OUTBOX_EVENT.PUBLISHED_AT.isNull())
                .orderBy(OUTBOX_EVENT.SEQ).limit(1))  // the first unpublished, off the outbox_event_unpublished index
            .map(row -> row.map(r -> r.value1()).orElse(0L)));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    vertx.cancelTimer(lagTimer);
    return round.otherwiseEmpty();  // let a round in flight commit
  }

  private void relayIfIdle() {
    if (!round.isComplete()) {
      return;
    }
    round = relayBatch()
        .onSuccess(count -> {
          if (count == platform.config().outboxBatchSize()) {
            vertx.runOnContext(v -> relayIfIdle());  // a full batch: more may be waiting, go again at once
          }
        })
        .onFailure(e -> LOG.warn("outbox relay round failed; will retry", e));
  }

  /** One round: claim, publish, mark. Gives the number of events published. */
  Future<Integer> relayBatch() {
    return platform.db().transaction(tx -> tx.fetch(Sql.DSL.selectFrom(OUTBOX_EVENT)
            .where(OUTBOX_EVENT.PUBLISHED_AT.isNull())
            .orderBy(OUTBOX_EVENT.SEQ)
            .limit(platform.config().outboxBatchSize())
            .forUpdate().skipLocked())
        .compose(events -> {
          if (events.isEmpty()) {
            return Future.succeededFuture(0);
          }
          events.forEach(this::publish);
          List<Long> claimed = events.stream().map(OutboxEventRecord::getSeq).toList();
          return tx.update(Sql.DSL.update(OUTBOX_EVENT)
                  .set(OUTBOX_EVENT.PUBLISHED_AT, DSL.currentOffsetDateTime())
                  .where(OUTBOX_EVENT.SEQ.in(claimed)))
              .map(events.size());
        }));
  }

  private void publish(OutboxEventRecord event) {
    var message = new JsonObject()
        .put("id", event.getId().toString())
        .put("type", event.getType())
        .put("aggregateType", event.getAggregateType())
        .put("aggregateId", event.getAggregateId())
        .put("occurredAt", event.getOccurredAt().toString())
        .put("payload", new JsonObject(event.getPayload().data()));
    var options = new DeliveryOptions().addHeader("event-id", event.getId().toString());
    vertx.eventBus().publish(Outbox.address(event.getType()), message, options);
    vertx.eventBus().publish(Outbox.ALL_EVENTS, message, options);
    Outbox.changed(vertx.eventBus(), event.getAggregateId());
    if (metrics != null) {  // holds, confirmations, payments failed or refunded... by event type
      metrics.counter("bookwell.events.published", "type", event.getType()).increment();
    }
  }
}
