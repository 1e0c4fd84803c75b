package dev.bookwell.platform.db;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import java.util.concurrent.TimeoutException;

/**
 * Failures that mean "too busy right now", not "broken": the pool's or a {@link Lane}'s wait queue is full, no
 * connection came in time, a statement ran past the statement timeout, or a transaction still lost to a deadlock
 * or a serialization conflict after its retries. Nothing was done; they are answered 503 with Retry-After, and a
 * retry shortly may succeed.
 */
public final class Overload {

  private Overload() {
  }

  public static boolean is(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof ConnectionPoolTooBusyException || e instanceof TimeoutException || e instanceof Lane.Full
          || PgErrors.retryable(e)
          || PgErrors.is(e, PgErrors.QUERY_CANCELED)  // BOOKWELL_DB_STATEMENT_TIMEOUT: too slow right now
          || e.getClass().getSimpleName().equals("NoStackTraceTimeoutException")) {
        return true;
      }
    }
    return false;
  }
}
