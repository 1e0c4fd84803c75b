package dev.bookwell.notifications;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one intake round asked of the owning areas about whoever hears of its events (an organization's and a
 * provider's facts, a contact, the staff who opted in, the events they hear of), kept for that round only: a
 * round's events are mostly one rush's, the bookings of a few organizations and providers. Until round two's
 * eighteenth part of the performance work every booking event asked again, six statements and three bus hops per
 * purchase (pg_stat_statements, the purchase benchmark). A round is at most {@code OutboxConsumer.BATCHES} batches
 * of its events, seconds at most: its messages say what was true when it began, as they would had it run then.
 * <p>
 * Not thread-safe: a round runs on its verticle's event loop, and each event's plan is asked after the previous
 * one's (so a second asker finds the first's answer, whether or not it has come). A failed answer is forgotten, so
 * the next event asks again.
 */
final class Asked {

  private final Map<List<Object>, Future<?>> answers = new HashMap<>();

  /** The answer to {@code question} (its kind and ids), asked by {@code ask} unless asked before in this round. */
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
