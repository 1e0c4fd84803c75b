package dev.bookwell.notifications;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the intake asked of the owning areas about whoever hears of one batch of events (an organization's and a
 * provider's facts, a contact, the staff who opted in, the events they hear of), kept for that batch only: a
 * batch's events are mostly one rush's, the bookings of a few organizations and providers. Until round two's
 * eighteenth part of the performance work every booking event asked again, seven statements and four bus hops per
 * purchase (pg_stat_statements, the purchase benchmark). A batch's plans are all asked before its transaction
 * queues their messages, so what the batch's first event was told stands for its last as it did before; the next
 * batch asks again (not the next round: a round runs up to {@code OutboxConsumer.BATCHES} batches, and a member
 * removed from the staff meanwhile would hear of them).
 * <p>
 * Not thread-safe: a batch is planned on its verticle's event loop, each event's plan asked after the previous
 * one's (so a second asker finds the first's answer, whether or not it has come). A failed answer is forgotten, so
 * the next event asks again; "gone" (404, nobody to tell) is an answer, kept.
 */
final class Asked {

  private final Map<List<Object>, Future<?>> answers = new HashMap<>();

  /** The answer to {@code question} (its kind and ids), asked by {@code ask} unless asked before for this batch. */
  @SuppressWarnings("unchecked")
  <T> Future<T> of(List<Object> question, Supplier<Future<T>> ask) {
    var known = (Future<T>) answers.get(question);
    if (known != null) {
      return known;
    }
    Future<T> asked = ask.get();
    answers.put(question, asked);
    asked.onFailure(e -> answers.remove(question, asked));
    return asked;
  }
}
