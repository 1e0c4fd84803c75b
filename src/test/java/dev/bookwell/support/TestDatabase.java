package dev.bookwell.support;

import dev.bookwell.platform.db.Database;
import dev.bookwell.platform.db.EmbeddedDatabase;
import dev.bookwell.platform.db.Migrations;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A real PostgreSQL for tests: Testcontainers when a Docker engine answers, otherwise an embedded PostgreSQL 18.
 * The server starts once per JVM; the migrations run once, into a template database; every test class then gets
 * a fresh database copied from that template, which takes milliseconds and keeps classes isolated.
 */
public final class TestDatabase {

  private static final String TEMPLATE = "bookwell_template";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static PgConnectOptions server;

  private TestDatabase() {
  }

  /** A new, migrated, empty database. Closing it leaves the shared server running. */
  public static Database fresh() {
    PgConnectOptions admin = server();
    String name = "test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    admin(admin, "CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
    var options = new PgConnectOptions(admin).setDatabase(name);
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

  private static synchronized PgConnectOptions server() {
    if (server == null) {
      server = dockerAvailable() ? startContainer() : startEmbedded();
      admin(server, "CREATE DATABASE " + TEMPLATE);
      var template = new PgConnectOptions(server).setDatabase(TEMPLATE);
      Migrations.apply(jdbcUrl(template), template.getUser(), template.getPassword());
    }
    return server;
  }

  private static boolean dockerAvailable() {
    // Ask Testcontainers only when there is a hint of an engine: the probe logs an ERROR when none answers.
    boolean hint = System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"));
    return hint && DockerClientFactory.instance().isDockerAvailable();
  }

  private static PgConnectOptions startContainer() {
    var container = new PostgreSQLContainer("postgres:18").withCommand("postgres", "-c", "max_connections=300");
    container.start();
    Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
    return new PgConnectOptions().setHost(container.getHost()).setPort(container.getFirstMappedPort())
        .setDatabase(container.getDatabaseName()).setUser(container.getUsername())
        .setPassword(container.getPassword());
  }

  private static PgConnectOptions startEmbedded() {
    EmbeddedDatabase embedded = EmbeddedDatabase.start(null);
    Runtime.getRuntime().addShutdownHook(new Thread(embedded::close));
    return embedded.connectOptions();
  }

  private static void admin(PgConnectOptions options, String statement) {
    try (var connection = DriverManager.getConnection(jdbcUrl(options), options.getUser(), options.getPassword());
         var sql = connection.createStatement()) {
      sql.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException("test database setup failed: " + statement, e);
    }
  }

  private static String jdbcUrl(PgConnectOptions o) {
    return "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
  }
}
