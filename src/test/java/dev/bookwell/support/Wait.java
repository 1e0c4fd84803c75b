package dev.bookwell.support;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Blocks the test thread on a Vert.x future (never call it on an event loop). */
public final class Wait {

  private Wait() {
  }

  public static <T> T on(Future<T> future) {
    return on(future, 30);
  }

  /** As {@link #on(Future)}, for bulk loads that may take longer on a busy machine. */
  public static <T> T on(Future<T> future, int seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + seconds + " s", e);
    }
  }

  /**
   * Waits out the last seconds of a clock minute, so that the requests that follow are counted in one window of a
   * per-minute limit (the limits count per {@code date_trunc('minute', now())}): a burst that straddled two minutes
   * would start the count again and not meet the limit. Call it right before a burst of at most 15 s.
   */
  public static void clearOfMinuteEnd() {
    int second = java.time.LocalTime.now().getSecond();
    if (second >= 45) {
      try {
        Thread.sleep((61 - second) * 1000L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The failure of a future that is expected to fail. */
  public static Throwable failureOf(Future<?> future) {
    try {
      future.await(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within 30 s", e);
    } catch (RuntimeException e) {
      return future.cause() != null ? future.cause() : e;
    }
    throw new AssertionError("expected a failure, got " + future.result());
  }
}
