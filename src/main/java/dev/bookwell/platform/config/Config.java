package dev.bookwell.platform.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Typed configuration, read once at boot from environment variables (the README has the table).
 * A malformed value stops the boot with a message naming the variable.
 */
public record Config(
    String httpHost,
    int httpPort,
    int httpInstances,
    Optional<String> databaseUrl,
    Path dataDir,
    int dbPoolSize,
    Duration shutdownTimeout,
    Duration outboxPollInterval,
    int outboxBatchSize) {

  public static Config fromEnv() {
    return from(System.getenv());
  }

  public static Config from(Map<String, String> env) {
    var vars = new EnvReader(env);
    return new Config(
        vars.string("BOOKWELL_HTTP_HOST", "0.0.0.0"),
        vars.integer("BOOKWELL_HTTP_PORT", 8080, 0, 65535),
        vars.integer("BOOKWELL_HTTP_INSTANCES", Runtime.getRuntime().availableProcessors(), 1, 256),
        vars.optional("DATABASE_URL"),
        Path.of(vars.string("BOOKWELL_DATA_DIR", ".bookwell")),
        vars.integer("BOOKWELL_DB_POOL_SIZE", 16, 1, 1000),
        vars.duration("BOOKWELL_SHUTDOWN_TIMEOUT", Duration.ofSeconds(10)),
        vars.duration("BOOKWELL_OUTBOX_POLL_INTERVAL", Duration.ofMillis(200)),
        vars.integer("BOOKWELL_OUTBOX_BATCH_SIZE", 200, 1, 10_000));
  }

  /** The same configuration with another value for one field; handy in tests. */
  public Config withHttpPort(int port) {
    return new Config(httpHost, port, httpInstances, databaseUrl, dataDir, dbPoolSize, shutdownTimeout,
        outboxPollInterval, outboxBatchSize);
  }
}
