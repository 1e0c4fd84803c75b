package dev.bookwell.platform.db;

import io.vertx.pgclient.PgException;

/**
 * Failures that mean "PostgreSQL cannot be reached right now": a connection refused or reset, a connection closed
 * under a statement, the server shutting down or starting up (SQLSTATE class 57P: admin shutdown, crash shutdown,
 * cannot connect now) or a connection exception (class 08). Whatever the statement was, it did not commit (a
 * transaction whose connection dies is rolled back by the server), so the answer is 503 {@code
 * database-unavailable} with Retry-After, and the service goes on by itself once the database is back: the pool
 * drops dead connections and opens new ones.
 */
public final class DatabaseDown {

  private DatabaseDown() {
  }

  public static boolean is(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof java.net.ConnectException || e instanceof java.nio.channels.ClosedChannelException
          || e instanceof PgException pg && pg.getSqlState() != null
              && (pg.getSqlState().startsWith("57P") || pg.getSqlState().startsWith("08"))
          || e.getClass().getSimpleName().equals("ClosedConnectionException")
          || e instanceof java.io.IOException && String.valueOf(e.getMessage()).contains("Connection reset")) {
        return true;
      }
    }
    return false;
  }
}
