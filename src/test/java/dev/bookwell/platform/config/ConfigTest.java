package dev.bookwell.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigTest {

  @Test
  void defaultsWhenNothingIsSet() {
    var config = Config.from(Map.of());
    assertEquals(8080, config.httpPort());
    assertEquals(Optional.empty(), config.databaseUrl());
    assertEquals(Path.of(".bookwell"), config.dataDir());
    assertEquals(Duration.ofSeconds(10), config.shutdownTimeout());
    assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), config.eventLoops(),
        "one event loop per two cores");
    assertEquals(config.eventLoops(), config.httpInstances(), "one edge verticle per loop");
    var set = Config.from(Map.of("BOOKWELL_EVENT_LOOPS", "3"));
    assertEquals(3, set.httpInstances(), "the edge follows the loops set");
  }

  @Test
  void paymentsFailClosed() {
    var noStripe = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("DATABASE_URL", "postgresql://u:p@db:5432/bookwell")));
    assertTrue(noStripe.getMessage().contains("STRIPE_SECRET_KEY"), noStripe.getMessage());
    var noWebhookSecret = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("STRIPE_SECRET_KEY", "sk_live_x")));
    assertTrue(noWebhookSecret.getMessage().contains("STRIPE_WEBHOOK_SECRET"), noWebhookSecret.getMessage());
    assertTrue(Config.from(Map.of("DATABASE_URL", "postgresql://u:p@db:5432/bookwell", "BOOKWELL_PAYMENTS",
        "simulated")).payments().simulated(), "simulated only when asked for by name");
    var demo = Config.from(Map.of());
    assertTrue(demo.payments().simulated(), "the embedded demo runs offline");
    assertEquals("127.0.0.1", demo.httpHost(), "the demo, with its known passwords, is local by default");
    assertEquals("0.0.0.0", Config.from(Map.of("DATABASE_URL", "postgresql://u:p@db/b", "STRIPE_SECRET_KEY", "sk",
        "STRIPE_WEBHOOK_SECRET", "whsec")).httpHost());
  }

  @Test
  void clusterNodesShareADatabaseASecretAndNeverMakeKeysOfTheirOwn() {
    assertEquals("file", Config.from(Map.of()).keys().source(), "one node keeps its keys in the data directory");
    var embedded = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("BOOKWELL_CLUSTER", "hazelcast", "BOOKWELL_SECRET_KEY", "x".repeat(32))));
    assertTrue(embedded.getMessage().contains("DATABASE_URL"), embedded.getMessage());
    var noSecret = assertThrows(IllegalArgumentException.class, () -> Config.from(cluster(Map.of())));
    assertTrue(noSecret.getMessage().contains("BOOKWELL_SECRET_KEY"), noSecret.getMessage());
    var shortSecret = assertThrows(IllegalArgumentException.class,
        () -> Config.from(cluster(Map.of("BOOKWELL_SECRET_KEY", "short"))));
    assertTrue(shortSecret.getMessage().contains("32"), shortSecret.getMessage());
    var ownKeys = assertThrows(IllegalArgumentException.class, () -> Config.from(cluster(Map.of(
        "BOOKWELL_SECRET_KEY", "x".repeat(32), "BOOKWELL_JWT_KEYS", "file"))));
    assertTrue(ownKeys.getMessage().contains("BOOKWELL_JWT_KEYS=file"), ownKeys.getMessage());
    var loopback = assertThrows(IllegalArgumentException.class, () -> Config.from(cluster(Map.of(
        "BOOKWELL_SECRET_KEY", "x".repeat(32), "BOOKWELL_CLUSTER_MEMBERS", "10.0.0.1,10.0.0.2"))));
    assertTrue(loopback.getMessage().contains("BOOKWELL_CLUSTER_HOST"), loopback.getMessage());
    var fastRotation = assertThrows(IllegalArgumentException.class, () -> Config.from(cluster(Map.of(
        "BOOKWELL_SECRET_KEY", "x".repeat(32), "BOOKWELL_JWT_ROTATION", "10m"))));
    assertTrue(fastRotation.getMessage().contains("BOOKWELL_JWT_ROTATION"), fastRotation.getMessage());
    var config = Config.from(cluster(Map.of("BOOKWELL_SECRET_KEY", "x".repeat(32),
        "BOOKWELL_CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2", "BOOKWELL_CLUSTER_HOST", "10.0.0.1")));
    assertEquals("database", config.keys().source());
    // loopback lists in the forms Hazelcast reads them are a one-machine cluster, not a misconfiguration
    for (String members : java.util.List.of("::1", "[::1]:5701, [::1]:5702", "127.0.0.1 127.0.0.1:5702", "LOCALHOST")) {
      Config.from(cluster(Map.of("BOOKWELL_SECRET_KEY", "x".repeat(32), "BOOKWELL_CLUSTER_MEMBERS", members)));
    }
    assertEquals(java.util.List.of("10.0.0.1:5701", "10.0.0.2"), config.cluster().members());
    assertTrue(config.cluster().enabled());
  }

  private static Map<String, String> cluster(Map<String, String> more) {
    var env = new java.util.HashMap<>(Map.of("BOOKWELL_CLUSTER", "hazelcast", "DATABASE_URL",
        "postgresql://u:p@db:5432/bookwell", "BOOKWELL_PAYMENTS", "simulated"));
    env.putAll(more);
    return env;
  }

  @Test
  void readsTypedValues() {
    var config = Config.from(Map.of(
        "BOOKWELL_HTTP_PORT", "9090",
        "DATABASE_URL", "postgresql://u:p@db:5432/bookwell",
        "BOOKWELL_SHUTDOWN_TIMEOUT", "1500ms",
        "BOOKWELL_OUTBOX_POLL_INTERVAL", "PT2S",
        "BOOKWELL_PAYMENTS", "simulated"));
    assertEquals(9090, config.httpPort());
    assertEquals(Optional.of("postgresql://u:p@db:5432/bookwell"), config.databaseUrl());
    assertEquals(Duration.ofMillis(1500), config.shutdownTimeout());
    assertEquals(Duration.ofSeconds(2), config.outboxPollInterval());
  }

  @Test
  void malformedValuesNameTheVariable() {
    var port = assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("BOOKWELL_HTTP_PORT", "80a")));
    assertTrue(port.getMessage().startsWith("BOOKWELL_HTTP_PORT=80a"), port.getMessage());
    var range = assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("BOOKWELL_HTTP_PORT", "70000")));
    assertTrue(range.getMessage().contains("0 to 65535"), range.getMessage());
    var duration = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("BOOKWELL_SHUTDOWN_TIMEOUT", "soon")));
    assertTrue(duration.getMessage().startsWith("BOOKWELL_SHUTDOWN_TIMEOUT=soon"), duration.getMessage());
  }
}
