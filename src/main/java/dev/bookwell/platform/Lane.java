package dev.bookwell.platform;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * One lane for the node's background work: the steps given to it run one at a time, in the order they came, each
 * on the context that gave it. The outbox consumers (notifications, reporting, webhooks, learning) wake on their
 * own timers, often on the same tick, and each batch they run keeps a core busy (the service and its database
 * connection taking turns). Three at once took the cores from the requests: in the open-loop benchmark the holds'
 * p99 at half the maximum rate was 28-50 ms with the consumers running, 17 ms with them stopped. In one lane the
 * background takes at most about one core, and a backlog still drains, a batch at a time.
 */
public final class Lane {

  /** Each Vert.x instance's lane (tests run several in one JVM; one closed must not hold up another's). */
  private static final Map<Vertx, Lane> LANES = new WeakHashMap<>();

  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private boolean busy;

  /**
   * Runs {@code step} in the background lane of the Vert.x instance it is called on, when the lane is free; the
   * lane is taken until the step's future completes. Called off any Vert.x context (a test), it runs at once.
   */
  public static <T> Future<T> background(Supplier<Future<T>> step) {
    Context context = Vertx.currentContext();
    if (context == null) {
      return step.get();
    }
    Lane lane;
    synchronized (LANES) {
      lane = LANES.computeIfAbsent(context.owner(), vertx -> new Lane());
    }
    return lane.run(context, step);
  }

  private <T> Future<T> run(Context context, Supplier<Future<T>> step) {
    Promise<T> done = Promise.promise();
    Runnable start = () -> {
      Future<T> running;
      try {
        running = step.get();
      } catch (RuntimeException e) {
        running = Future.failedFuture(e);
      }
      running.onComplete(result -> {
        next();
        done.handle(result);
      });
    };
    Runnable onContext = () -> context.runOnContext(x -> start.run());
    boolean now;
    synchronized (this) {
      now = !busy;
      busy = true;
      if (!now) {
        waiting.add(onContext);
      }
    }
    if (now) {
      start.run();
    }
    return done.future();
  }

  private void next() {
    Runnable following;
    synchronized (this) {
      following = waiting.poll();
      busy = following != null;
    }
    if (following != null) {
      following.run();
    }
  }
}
