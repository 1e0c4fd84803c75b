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
 *
 * <p>A wider lane ({@link #Lane(int, int, Duration)}) lets a few steps run at once: the slot searches take one,
 * so that a node sends PostgreSQL only as many as the cores can run, and the rest wait their turn here, holding
 * no connection, rather than slowing each other down in the database.
 */
public final class Lane {

  static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);

  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private final int width;
  private final int maxWaiting;
  private final Duration patience;
  private final Duration maxWait;
  private int running;

  Lane() {
    this(PATIENCE);
  }

  /** With another patience (tests). */
  Lane(Duration patience) {
    this(1, Integer.MAX_VALUE, patience, null);
  }

  /**
   * At most {@code width} steps at once and {@code maxWaiting} waiting; a step beyond those fails at once with
   * {@link Full}, which {@link Overload} counts as too busy (503, try again shortly), and so does one whose turn
   * comes after {@code maxWait}: its client has been told to come back by then, and running it would only add to
   * the load that made it wait. Without a patience: its steps are statements, bounded by the pool and the
   * statement timeout, and one running long must go on holding its place, or a stalled database would let another
   * {@code width} in every few seconds.
   */
  public Lane(int width, int maxWaiting, Duration maxWait) {
    this(width, maxWaiting, null, maxWait);
  }

  private Lane(int width, int maxWaiting, Duration patience, Duration maxWait) {
    if (width < 1 || maxWaiting < 0) {
      throw new IllegalArgumentException("a lane is at least one wide: " + width + ", " + maxWaiting);
    }
    this.width = width;
    this.maxWaiting = maxWaiting;
    this.patience = patience;
    this.maxWait = maxWait;
  }

  /** A step waiting for its turn: how to start it, how to refuse it, since when it waits. */
  private record Waiter(Runnable start, Runnable refuse, long since) {
  }

  /** Runs {@code step} when the lane has room (on the caller's context, if any); gives the step's outcome. */
  public <T> Future<T> run(Supplier<Future<T>> step) {
    Context context = Vertx.currentContext();
    Promise<T> done = Promise.promise();
    boolean now;
    synchronized (this) {
      now = running < width;
      if (now) {
        running++;
      } else if (waiting.size() >= maxWaiting) {
        return Future.failedFuture(new Full("too many steps waiting for this lane"));
      } else {
        waiting.add(new Waiter(onContext(context, () -> start(context, step, done)),
            onContext(context, () -> done.fail(new Full("waited longer than " + maxWait + " for this lane"))),
            System.nanoTime()));
      }
    }
    if (now) {
      start(context, step, done);
    }
    return done.future();
  }

  private static Runnable onContext(Context context, Runnable action) {
    return context == null ? action : () -> context.runOnContext(x -> action.run());
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
    Future<T> outcome;
    try {
      if (context != null && patience != null) {
        timer[0] = context.owner().setTimer(patience.toMillis(), id -> {
          LOG.warn("a step in a lane has run for {}; the next one starts meanwhile", patience);
          free.run();
        });
      }
      outcome = java.util.Objects.requireNonNull(step.get(), "a step gave no future");
    } catch (Throwable e) {
      outcome = Future.failedFuture(e);
    }
    outcome.onComplete(result -> {
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

  /** Gives the freed place to the next waiting step, refusing those that waited past {@code maxWait}. */
  private void next() {
    while (true) {
      Waiter following;
      synchronized (this) {
        following = waiting.poll();
        if (following == null) {
          running--;
          return;
        }
      }
      if (maxWait == null || System.nanoTime() - following.since() <= maxWait.toNanos()) {
        following.start().run();
        return;
      }
      following.refuse().run();
    }
  }

  /** The step found the lane and its queue full, or its turn came too late: not run (see {@link Overload}). */
  public static final class Full extends RuntimeException {

    Full(String message) {
      super(message, null, false, false);
    }
  }
}
