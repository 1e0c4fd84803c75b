package dev.bookwell.platform.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.util.function.Function;

/** The pool as an {@link Sql}, plus transactions: {@code db.transaction(tx -> tx.update(...).compose(...))}. */
public final class Db implements Sql {

  private final Pool pool;

  public Db(Pool pool) {
    this.pool = pool;
  }

  @Override
  public SqlClient client() {
    return pool;
  }

  public Pool pool() {
    return pool;
  }

  /** Runs {@code work} in one transaction: committed when its future succeeds, rolled back when it fails. */
  public <T> Future<T> transaction(Function<Sql, Future<T>> work) {
    return pool.withTransaction(connection -> work.apply(() -> connection));
  }
}
