package dev.bookwell;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.auth.JwtKeys;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Database;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.EmbeddedDatabase;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boot: configuration, then the database (external from DATABASE_URL, else embedded PostgreSQL 18 kept in
 * BOOKWELL_DATA_DIR), then migrations, then the verticles. SIGTERM drains HTTP, closes the pool and stops the
 * embedded database.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    Config config;
    try {
      config = Config.fromEnv();
    } catch (IllegalArgumentException e) {
      System.err.println("bookwell: " + e.getMessage());
      System.exit(2);
      return;
    }

    Database database = config.databaseUrl().map(Database::external)
        .orElseGet(() -> EmbeddedDatabase.start(config.dataDir()));
    database.migrate();

    Vertx vertx = Bookwell.createVertx("bookwell", config).await(120, TimeUnit.SECONDS);
    Bookwell bookwell;
    try {
      var db = new Db(database.createPool(vertx, config.dbPoolSize(), config.limits().dbWaitQueue(),
          config.limits().dbConnectionTimeout(), config.limits().dbStatementTimeout()));
      var platform = new Platform(config, db, JwtKeys.load(vertx, config, db).await(60, TimeUnit.SECONDS),
          "bookwell");
      bookwell = Bookwell.start(vertx, platform, Bookwell.CONTRACT).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("Bookwell failed to start", e);
      vertx.close().await(10, TimeUnit.SECONDS);
      database.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(bookwell, database, config), "bookwell-shutdown"));

    var db = database.connectOptions();
    LOG.info("Bookwell listening on http://{}:{} (database {}: {}:{}/{})", displayHost(config.httpHost()),
        config.httpPort(), config.databaseUrl().isPresent() ? "external" : "embedded in " + config.dataDir(),
        db.getHost(), db.getPort(), db.getDatabase());
    if (config.demoData()) {
      LOG.warn("Demo data is on: the demo accounts {} exist with the password '{}'. Never expose this instance.",
          DemoAccounts.ALL.stream().map(DemoAccounts.Account::email).toList(), DemoAccounts.PASSWORD);
    }
    if (config.payments().simulated()) {
      LOG.warn("Payments are simulated (BOOKWELL_PAYMENTS=simulated): nobody is charged.");
    }
  }

  private static void shutdown(Bookwell bookwell, Database database, Config config) {
    LOG.info("Bookwell shutting down");
    try {
      bookwell.stop().await(config.edge().drainDelay().toMillis() + config.shutdownTimeout().toMillis() + 5_000,
          TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("Vert.x did not close cleanly", e);
    } finally {
      database.close();
      LOG.info("Bookwell stopped");
    }
  }

  private static String displayHost(String host) {
    return "0.0.0.0".equals(host) ? "localhost" : host;
  }
}
