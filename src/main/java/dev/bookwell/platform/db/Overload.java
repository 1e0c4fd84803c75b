package dev.bookwell.platform.db;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import java.util.concurrent.TimeoutException;

/**
 * Failures that mean "too busy right now", not "broken": the pool's wait queue is full, or no connection came
 * in time. Nothing was done; they are answered 503 with Retry-After, and a retry shortly may succeed.
 */
public final class Overload {

  private Overload() {
  }

  public static boolean is(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof ConnectionPoolTooBusyException || e instanceof TimeoutException
          || e.getClass().getSimpleName().equals("NoStackTraceTimeoutException")) {
        return true;
      }
    }
    return false;
  }
}
