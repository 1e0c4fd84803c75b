package dev.bookwell.notifications;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.InOrder;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.OutboxConsumer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Turns events into the messages they call for, once each ({@link OutboxConsumer}: the event's id is recorded in
 * the transaction that queues its messages, so a redelivered event queues nothing). Who hears of an event is asked
 * of the owning areas first ({@link Audiences}), outside the transaction.
 */
final class Intake {

  static final String CONSUMER = "email";
  /** Events older than this are not looked at again (an owning area down for a day loses its messages). */
  private static final Duration WINDOW = Duration.ofDays(1);
  private static final int BATCH = 100;

  private final OutboxConsumer events;
  private final Supplier<Audiences> audiences;

  /** {@code audiences}: a fresh one for each batch of events (what it asked is kept for that batch only). */
  Intake(Db db, Supplier<Audiences> audiences) {
    this.events = new OutboxConsumer(db, CONSUMER, Audiences.HANDLED, WINDOW, BATCH);
    this.audiences = audiences;
  }

  /** One round over the events not handled yet; several instances may race, each event is handled once. */
  Future<Integer> round() {
    return events.roundTogether(() -> {
      var batch = audiences.get();
      return event -> batch.of(event.getId(), event.getType(), event.getAggregateId(),
          new JsonObject(event.getPayload().data()));
    });
  }

  /** Queues {@code notes} one after the other in {@code tx}. */
  static Future<Void> queueAll(Sql tx, UUID eventId, List<Deliveries.Note> notes) {
    return InOrder.each(notes, note -> Deliveries.queue(tx, eventId, note));
  }
}
