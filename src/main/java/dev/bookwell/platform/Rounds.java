package dev.bookwell.platform;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way an area runs a background round: every {@code interval}, never two at once (a tick that finds the
 * last round still running is skipped, so a slow database never piles rounds up), a failure logged and the next
 * tick tried as usual.
 */
public final class Rounds {

  private static final Logger LOG = LoggerFactory.getLogger(Rounds.class);

  private Rounds() {
  }

  /**
   * A round to start on demand (an event just came): now, or once more right after the one running, never two at
   * once; a burst of demands is one or two rounds. Call it on one event loop (the verticle's).
   */
  public static Runnable coalescing(String what, Supplier<Future<?>> round) {
    var running = new AtomicBoolean();
    var again = new AtomicBoolean();
    Runnable[] start = new Runnable[1];
    start[0] = () -> {
      if (!running.compareAndSet(false, true)) {
        again.set(true);
        return;
      }
      again.set(false);
      Future.succeededFuture().compose(x -> round.get())
          .onFailure(e -> LOG.warn("{} failed", what, e))
          .onComplete(x -> {
            running.set(false);
            if (again.get()) {
              start[0].run();
            }
          });
    };
    return start[0];
  }

  /** What one batch of a round took and how much of it was done. */
  public record Batch(int taken, int done) {
  }

  /**
   * A batch, and at once another while the last was full ({@code taken} equals {@code full}) and all of it done, at
   * most {@code batches} in all; gives the sum of what each did. A backlog then drains as fast as the work goes, not
   * one batch per interval (the notifications' intake took 100 events per 2 s, a fifth of the holds a node makes at
   * peak), while one round stays bounded, and a batch with failures (SMTP down) waits for the next round.
   */
  public static Future<Integer> whileFull(int batches, int full, Supplier<Future<Batch>> batch) {
    return batch.get().compose(b -> b.taken() < full || b.done() < full || batches <= 1
        ? Future.succeededFuture(b.done())
        : whileFull(batches - 1, full, batch).map(more -> more + b.done()));
  }

  /** Starts the rounds; gives the timer id (cancel it on stop). */
  public static long every(Vertx vertx, Duration interval, String what, Supplier<Future<?>> round) {
    var running = new AtomicBoolean();
    return vertx.setPeriodic(interval.toMillis(), id -> {
      if (running.compareAndSet(false, true)) {
        Future.succeededFuture().compose(x -> round.get())  // a round that throws fails like one that fails
            .onFailure(e -> LOG.warn("{} failed", what, e))
            .onComplete(x -> running.set(false));
      }
    });
  }
}
