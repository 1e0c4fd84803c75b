package dev.bookwell.platform.db;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lane for a node's background batches ({@link Db#background()}, one per pool): the steps given to it run one
 * at a time, in the order they came, each on the context that gave it. The outbox consumers that handle a batch in
 * one transaction (notifications, reporting, webhooks) wake on their own timers, often on the same tick, and each
 * batch keeps about a core busy (the service and its connection taking turns). Three at once took the cores from
 * the requests: in the open-loop benchmark the holds' p99 at half the maximum rate was 28-50 ms with them running,
 * 17 ms with them stopped. In one lane their batches take about one core at most, and a backlog still drains. A
 * step that runs past {@link #PATIENCE} (a bus call waiting for its timeout) no longer holds the lane: it goes on
 * outside it, and the next step starts.
 */
public final class Lane {

  static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);

  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private final Duration patience;
  private boolean busy;

  Lane() {
    this(PATIENCE);
  }

  /** With another patience (tests). */
  Lane(Duration patience) {
    this.patience = patience;
  }

  /** Runs {@code step} when the lane is free (on the caller's context, if any); gives the step's outcome. */
  public <T> Future<T> run(Supplier<Future<T>> step) {
    Context context = Vertx.currentContext();
    Promise<T> done = Promise.promise();
    Runnable start = () -> start(context, step, done);
    boolean now;
    synchronized (this) {
      now = !busy;
      busy = true;
      if (!now) {
        waiting.add(context == null ? start : () -> context.runOnContext(x -> start.run()));
      }
    }
    if (now) {
      start.run();
    }
    return done.future();
  }

  /** Starts the step; the lane is freed once, when it completes or outlasts the patience, whichever comes first. */
  private <T> void start(Context context, Supplier<Future<T>> step, Promise<T> done) {
    var freed = new AtomicBoolean();
    Runnable free = () -> {
      if (freed.compareAndSet(false, true)) {
        next();
      }
    };
    long[] timer = {-1};
    Future<T> running;
    try {
      if (context != null) {
        timer[0] = context.owner().setTimer(patience.toMillis(), id -> {
          LOG.warn("a background step has run for {}; the next one starts meanwhile", patience);
          free.run();
        });
      }
      running = java.util.Objects.requireNonNull(step.get(), "a step gave no future");
    } catch (Throwable e) {
      running = Future.failedFuture(e);
    }
    running.onComplete(result -> {
      try {
        if (timer[0] >= 0) {
          context.owner().cancelTimer(timer[0]);
        }
        free.run();
      } finally {
        done.handle(result);
      }
    });
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
