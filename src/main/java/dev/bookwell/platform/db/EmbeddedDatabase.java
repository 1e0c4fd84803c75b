package dev.bookwell.platform.db;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PostgreSQL 18 server started by this process, for the demo mode and for tests without Docker.
 * With a data directory the data survives restarts; without one it lives in a temporary directory.
 */
public final class EmbeddedDatabase implements Database {

  private final EmbeddedPostgres.Builder builder;
  private EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres.Builder builder, EmbeddedPostgres postgres) {
    this.builder = builder;
    this.postgres = postgres;
  }

  public static EmbeddedDatabase start(Path dataDir) {
    try {
      var builder = EmbeddedPostgres.builder().setServerConfig("max_connections", "300");
      if (dataDir != null) {
        Path pgData = dataDir.resolve("postgres");
        Files.createDirectories(pgData);
        builder.setDataDirectory(pgData).setCleanDataDirectory(false);
      }
      return new EmbeddedDatabase(builder, builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDir, e);
    }
  }

  @Override
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions()
        .setHost("localhost")
        .setPort(postgres.getPort())
        .setDatabase("postgres")
        .setUser("postgres")
        .setPassword("postgres");
  }

  /**
   * Stops the server and starts it again on the same port and data (a database restart, as operators and failovers
   * do); {@code whileDown} runs in between. Only with a data directory of its own.
   */
  public synchronized void restart(Runnable whileDown) {
    int port = postgres.getPort();
    close();
    whileDown.run();
    try {
      postgres = builder.setPort(port).start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL again", e);
    }
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
