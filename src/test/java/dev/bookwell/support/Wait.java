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
