package dev.bookwell.platform.db;

import io.vertx.pgclient.PgException;

/** The PostgreSQL errors areas turn into problems: constraints that keep the data right did their job. */
public final class PgErrors {

  public static final String UNIQUE = "23505";
  public static final String FOREIGN_KEY = "23503";
  public static final String CHECK = "23514";
  public static final String EXCLUSION = "23P01";
  /** A lock asked for with NOWAIT is held by another transaction. */
  public static final String LOCK_NOT_AVAILABLE = "55P03";

  private PgErrors() {
  }

  public static final String DEADLOCK = "40P01";
  public static final String SERIALIZATION = "40001";

  /** A deadlock victim or a serialization failure: the transaction did nothing and may simply run again. */
  public static boolean retryable(Throwable error) {
    return is(error, DEADLOCK) || is(error, SERIALIZATION);
  }

  /** Whether {@code error} is PostgreSQL refusing with SQLSTATE {@code state}. */
  public static boolean is(Throwable error, String state) {
    return error instanceof PgException pg && state.equals(pg.getSqlState());
  }
}
