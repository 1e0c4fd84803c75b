package dev.bookwell.platform.http;

import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who waits for a change of which aggregate, on one edge instance (its event loop): a GET that asked to wait
 * ({@code Prefer: wait=N}) while already holding the current representation ({@code If-None-Match}) is told when an
 * event about the aggregate is published, or when its time is up, and asks its area again. A waiter is a map entry
 * and a timer: no database connection and no bus request is held while it waits.
 * <p>
 * The events come from the outbox relay of whichever node committed the change (published across the cluster);
 * only their {@code aggregate-id} header is read, so the event body is never copied for this.
 */
final class ChangeWaits {

  /** The longest wait granted, whatever is asked: a longer one is cut to this (RFC 7240 lets a server do less). */
  static final int MAX_SECONDS = 30;

  private final Vertx vertx;
  private final int capacity;
  private final Map<String, List<Watch>> watching = new HashMap<>();
  private int count;

  ChangeWaits(Vertx vertx, int capacity) {
    this.vertx = vertx;
    this.capacity = capacity;
    vertx.eventBus().consumer(Outbox.ALL_EVENTS, message -> changed(message.headers().get(Outbox.AGGREGATE_HEADER)));
  }

  /**
   * Starts watching {@code aggregateId}, before the read whose answer may make the caller wait, so a change
   * committed during that read is not missed. Null when this instance already has {@code capacity} waiters: the
   * caller then answers at once, as without the preference.
   */
  Watch watch(String aggregateId) {
    if (count >= capacity) {
      return null;
    }
    var watch = new Watch(aggregateId);
    watching.computeIfAbsent(aggregateId, id -> new ArrayList<>()).add(watch);
    count++;
    return watch;
  }

  private void changed(String aggregateId) {
    List<Watch> waiting = aggregateId == null ? null : watching.get(aggregateId);
    if (waiting != null) {
      List.copyOf(waiting).forEach(Watch::fire);
    }
  }

  /** One waiter: fires its step once, on the first change or when its time is up, whichever comes first. */
  final class Watch {

    private final String aggregateId;
    private boolean changed;
    private boolean done;
    private Runnable next;
    private long timer = -1;

    private Watch(String aggregateId) {
      this.aggregateId = aggregateId;
    }

    /** Runs {@code next} at the first change (at once if one came already) or after {@code millis}. */
    void then(long millis, Runnable next) {
      this.next = next;
      if (changed) {
        fire();
      } else {
        timer = vertx.setTimer(Math.max(1, millis), id -> fire());
      }
    }

    private void fire() {
      if (next == null) {
        changed = true;  // not waiting yet: the read in flight is stale, so the caller reads again
        return;
      }
      Runnable step = next;
      cancel();
      step.run();
    }

    /** Stops watching (the answer went out, or the client went away); safe to repeat. */
    void cancel() {
      if (done) {
        return;
      }
      done = true;
      next = null;
      vertx.cancelTimer(timer);
      List<Watch> waiting = watching.get(aggregateId);
      if (waiting != null && waiting.remove(this) && waiting.isEmpty()) {
        watching.remove(aggregateId);
      }
      count--;
    }
  }
}
