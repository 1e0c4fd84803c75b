package dev.bookwell.platform.db;

import io.vertx.pgclient.PgException;

/**
 * Failures that mean "PostgreSQL cannot be reached right now": a connection refused or reset, a connection closed
 * under a statement, the server shutting down or starting up (SQLSTATE class 57P: admin shutdown, crash shutdown,
 * cannot connect now) or a connection exception (class 08). A transaction whose connection dies before its commit
 * is rolled back by the server; one that dies during its commit may have committed, so the answer, 503 {@code
 * database-unavailable} with Retry-After, says the outcome is unknown: retry with the same Idempotency-Key. The
 * service goes on by itself once the database is back: the pool drops dead connections and opens new ones.
 */
public final class DatabaseDown {

  private DatabaseDown() {
  }

  /** The SQLSTATEs of a server going away or not accepting connections (not 08P01: a protocol bug is a bug). */
  private static final java.util.Set<String> STATES = java.util.Set.of("57P01", "57P02", "57P03", "08000", "08001",
      "08003", "08004", "08006");

  public static boolean is(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      String type = e.getClass().getName();
      if (type.startsWith("com.stripe.") || type.startsWith("dev.bookwell.")) {
        return false;  // another service's network failure (Stripe, a webhook), wrapped: not the database's
      }
      if (e instanceof java.net.ConnectException || e instanceof java.nio.channels.ClosedChannelException
          || e instanceof PgException pg && STATES.contains(pg.getSqlState())
          || e.getClass().getSimpleName().equals("ClosedConnectionException")
          // a statement handed to a connection the server had just closed (the pool had not noticed yet)
          || e instanceof io.vertx.core.VertxException && String.valueOf(e.getMessage())
              .startsWith("Connection is not active now")
          || e instanceof java.io.IOException && String.valueOf(e.getMessage()).contains("Connection reset")) {
        return true;
      }
    }
    return false;
  }
}
