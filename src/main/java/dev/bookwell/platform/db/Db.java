package dev.bookwell.platform.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/** The pool as an {@link Sql}, plus transactions: {@code db.transaction(tx -> tx.update(...).compose(...))}. */
public final class Db implements Sql {

  /** Tries of a transaction that PostgreSQL aborted as a deadlock victim or a serialization failure. */
  static final int ATTEMPTS = 4;

  private final Pool pool;
  private final Lane background = new Lane();

  public Db(Pool pool) {
    this.pool = pool;
  }

  /** The lane this node's background batches take turns in (see {@link Lane}). */
  public Lane background() {
    return background;
  }

  @Override
  public SqlClient client() {
    return pool;
  }

  public Pool pool() {
    return pool;
  }

  /**
   * Runs {@code work} in one transaction: committed when its future succeeds, rolled back when it fails. A
   * transaction PostgreSQL aborted to break a deadlock (40P01) or a serialization conflict (40001) did nothing, so it
   * is run again, up to {@link #ATTEMPTS} times, after a short random pause that grows with each try (the other
   * party finishes meanwhile). {@code work} must therefore only touch the database (it does: areas authorize and
   * call other areas before they open a transaction). Still failing, the error goes up and is answered 503.
   */
  public <T> Future<T> transaction(Function<Sql, Future<T>> work) {
    return attempt(work, 1);
  }

  private <T> Future<T> attempt(Function<Sql, Future<T>> work, int attempt) {
    return pool.<T>withTransaction(connection -> work.apply(() -> connection))
        .recover(e -> attempt < ATTEMPTS && PgErrors.retryable(e)
            ? pause(attempt).compose(x -> attempt(work, attempt + 1))
            : Future.failedFuture(e));
  }

  private static Future<Void> pause(int attempt) {
    var context = Vertx.currentContext();
    long millis = ThreadLocalRandom.current().nextLong(5, 20L * attempt + 5);
    return context == null ? Future.succeededFuture() : context.owner().timer(millis).mapEmpty();
  }
}
