package dev.bookwell.platform.db;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * Where the PostgreSQL server is and how to reach it: an external one ({@code DATABASE_URL}) or an embedded one
 * that this process started. Closing it stops an embedded server; an external one is left alone.
 */
public interface Database extends AutoCloseable {

  PgConnectOptions connectOptions();

  /** JDBC URL for Flyway, which is the one JDBC user and runs only at boot, off the event loop. */
  default String jdbcUrl() {
    var o = connectOptions();
    return "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
  }

  /**
   * The reactive pool. Each connection keeps its prepared statements (jOOQ renders one text per statement
   * shape), so PostgreSQL parses a statement once per connection instead of once per execution. At most
   * {@code maxWaiting} requests wait for a connection, each at most 10 s; past either the request fails at once
   * and is answered 503 with Retry-After ({@link Overload}), instead of queueing without end behind a stall.
   */
  default Pool createPool(Vertx vertx, int maxSize) {
    return createPool(vertx, maxSize, 256);
  }

  default Pool createPool(Vertx vertx, int maxSize, int maxWaiting) {
    return createPool(vertx, maxSize, maxWaiting, java.time.Duration.ofSeconds(10), java.time.Duration.ZERO);
  }

  /**
   * With how long a request may wait for a connection ({@code BOOKWELL_DB_CONNECTION_TIMEOUT}) and how long one
   * statement may run before PostgreSQL cancels it ({@code BOOKWELL_DB_STATEMENT_TIMEOUT}, sent as the session's
   * {@code statement_timeout}; zero: none).
   */
  default Pool createPool(Vertx vertx, int maxSize, int maxWaiting, java.time.Duration connectionTimeout,
                          java.time.Duration statementTimeout) {
    // Statements are prepared once per connection and reused, however long: the client's default caches only those
    // under 2,048 characters, so the slot search (about 2,500) and every statement as long was parsed and planned
    // again at every execution (the search: 1.9 ms to parse and 1.5-4 ms to plan, for 1.1-2.2 ms of executing).
    var connect = new PgConnectOptions(connectOptions()).setCachePreparedStatements(true)
        .setPreparedStatementCacheSqlLimit(32 * 1024);
    if (!statementTimeout.isZero()) {
      connect.addProperty("statement_timeout", String.valueOf(statementTimeout.toMillis()));
    }
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxSize).setName("bookwell").setShared(false)
            .setMaxWaitQueueSize(maxWaiting).setConnectionTimeout((int) connectionTimeout.toMillis())
            .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }

  default void migrate() {
    var o = connectOptions();
    Migrations.apply(jdbcUrl(), o.getUser(), o.getPassword());
  }

  @Override
  void close();

  /** An external server from a {@code postgres://user:password@host:port/db} URL. */
  static Database external(String url) {
    var options = PgConnectOptions.fromUri(url.startsWith("jdbc:") ? url.substring(5) : url);
    return new Database() {
      @Override
      public PgConnectOptions connectOptions() {
        return options;
      }

      @Override
      public void close() {
      }
    };
  }
}
