package dev.bookwell.platform.http;

import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who waits for a change of which aggregate, on one edge instance (its event loop): a GET that asked to wait
 * ({@code Prefer: wait=N}) while already holding the current representation ({@code If-None-Match}) is told when the
 * aggregate changes, or when its time is up. A waiter is a map entry and a timer: no database
 * connection and no bus request is held while it waits.
 * <p>
 * The changes come from the outbox relay of whichever node published their events ({@link Outbox#CHANGES}: no body,
 * the aggregate in a header), and a payment's settlement also from the node that committed it, at once
 * ({@link Outbox#changed}). Bounded: at most {@code capacity} waiters per instance and {@link #PER_AGGREGATE} per
 * aggregate, so a client opening thousands of waits on its own booking cannot make each change cost thousands of
 * reads; past either, and while the node drains, the caller answers at once, as without the preference.
 */
final class ChangeWaits {

  /** The longest wait granted, whatever is asked: a longer one is cut to this (RFC 7240 lets a server do less). */
  static final int MAX_SECONDS = 30;
  static final int PER_AGGREGATE = 8;
  private static final Logger LOG = LoggerFactory.getLogger(ChangeWaits.class);

  private final Vertx vertx;
  private final int capacity;
  private final Map<String, List<Watch>> watching = new HashMap<>();
  private int count;

  ChangeWaits(Vertx vertx, int capacity) {
    this.vertx = vertx;
    this.capacity = capacity;
    vertx.eventBus().consumer(Outbox.CHANGES, message -> changed(message.headers().get(Outbox.AGGREGATE_HEADER)));
    // a draining node answers its waiters now (their answers in hand, 304), not when the shutdown cuts them off
    vertx.eventBus().localConsumer(HttpVerticle.DRAINING, message -> watching.values().stream()
        .flatMap(List::stream).toList().forEach(watch -> watch.fire(false)));
  }

  /**
   * Starts watching {@code aggregateId}, before the read whose answer may make the caller wait, so a change
   * committed during that read is not missed. Null when there is no room or the node is draining.
   */
  Watch watch(String aggregateId) {
    String key = key(aggregateId);
    List<Watch> waiting = watching.get(key);
    if (count >= capacity || waiting != null && waiting.size() >= PER_AGGREGATE || HttpVerticle.draining(vertx)) {
      return null;
    }
    var watch = new Watch(key);
    watching.computeIfAbsent(key, id -> new ArrayList<>()).add(watch);
    count++;
    return watch;
  }

  /** Events name a booking as {@code UUID.toString()} (lower case); a path may spell it in capitals. */
  private static String key(String aggregateId) {
    try {
      return UUID.fromString(aggregateId).toString();
    } catch (IllegalArgumentException | NullPointerException notAUuid) {
      return aggregateId;
    }
  }

  private void changed(String aggregateId) {
    List<Watch> waiting = aggregateId == null ? null : watching.get(aggregateId);
    if (waiting == null) {
      return;
    }
    for (Watch watch : List.copyOf(waiting)) {
      try {
        watch.fire(true);
      } catch (RuntimeException e) {  // one waiter's failure must not keep the others waiting
        LOG.warn("waking a long poll on {} failed", aggregateId, e);
      }
    }
  }

  /** One waiter: its step runs once, at the first change or when its time is up, whichever comes first. */
  final class Watch {

    private final String key;
    private boolean changed;
    private boolean done;
    private Consumer<Boolean> next;
    private long timer = -1;

    private Watch(String key) {
      this.key = key;
    }

    /** Runs {@code next} with true at the first change (at once if one came already), with false after {@code millis}. */
    void then(long millis, Consumer<Boolean> next) {
      this.next = next;
      if (changed) {
        fire(true);
      } else if (HttpVerticle.draining(vertx)) {
        fire(false);  // the node began to drain during the read, whose waiter was not waiting yet: answered now
      } else {
        timer = vertx.setTimer(Math.max(1, millis), id -> fire(false));
      }
    }

    private void fire(boolean change) {
      if (next == null) {
        changed |= change;  // not waiting yet: the read in flight may be stale, so the caller reads again
        return;
      }
      Consumer<Boolean> step = next;
      cancel();
      step.accept(change);
    }

    /** Stops watching (the answer went out, or the client went away); safe to repeat. */
    void cancel() {
      if (done) {
        return;
      }
      done = true;
      next = null;
      vertx.cancelTimer(timer);
      List<Watch> waiting = watching.get(key);
      if (waiting != null && waiting.remove(this) && waiting.isEmpty()) {
        watching.remove(key);
      }
      count--;
    }
  }
}
