package dev.bookwell.support;

import dev.bookwell.Bookwell;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.auth.JwtKeys;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** The whole service on a fresh test database and a free port, with a web client pointed at it. */
public final class TestApp implements AutoCloseable {

  /** One key pair for the whole test run: generating one costs a few milliseconds, but there is no need. */
  public static final JwtKeys KEYS = JwtKeys.generate();

  public final Vertx vertx;
  public final Db db;
  public final Config config;
  public final dev.bookwell.platform.db.Database database;
  public final WebClient client;

  private final Bookwell bookwell;

  private TestApp(Vertx vertx, Db db, Config config, dev.bookwell.platform.db.Database database,
                  Bookwell bookwell) {
    this.database = database;
    this.bookwell = bookwell;
    this.vertx = vertx;
    this.db = db;
    this.config = config;
    this.client = WebClient.create(vertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(config.httpPort()),
        new PoolOptions().setHttp1MaxSize(64));
  }

  /** Starts with the real contract. */
  public static TestApp start() {
    return start(Bookwell.CONTRACT, Map.of());
  }

  /** Starts with a given contract (a classpath path) and extra environment variables. */
  public static TestApp start(String contract, Map<String, String> env) {
    return start(contract, env, TestDatabase.fresh());
  }

  /** Starts on a given database, e.g. a second instance beside another one. */
  public static TestApp start(String contract, Map<String, String> env, dev.bookwell.platform.db.Database database) {
    var vars = new HashMap<>(env);
    vars.putIfAbsent("BOOKWELL_HTTP_PORT", String.valueOf(freePort()));
    vars.putIfAbsent("BOOKWELL_HTTP_INSTANCES", "2");
    vars.putIfAbsent("BOOKWELL_OUTBOX_POLL_INTERVAL", "50ms");
    vars.putIfAbsent("BOOKWELL_DEMO_DATA", "false");
    vars.putIfAbsent("BOOKWELL_DRAIN_DELAY", "0s");  // GracefulShutdownTest sets one
    vars.putIfAbsent("BOOKWELL_DEV_MAILBOX", "false");  // no mail files in the working directory
    vars.putIfAbsent("BOOKWELL_CHECK_RESPONSES", "true");  // every answer of the suite is held to the contract
    vars.putIfAbsent("BOOKWELL_ARGON2_MEMORY_KIB", "8192");  // cheaper hashes keep the suite fast
    vars.putIfAbsent("BOOKWELL_ARGON2_ITERATIONS", "1");
    vars.putIfAbsent("BOOKWELL_LOGIN_ATTEMPTS_PER_MINUTE", "100000");  // every test client is 127.0.0.1
    vars.putIfAbsent("BOOKWELL_REGISTRATIONS_PER_MINUTE", "100000");
    vars.putIfAbsent("BOOKWELL_PASSWORD_RESETS_PER_MINUTE", "100000");
    vars.putIfAbsent("BOOKWELL_GUEST_HOLDS_PER_MINUTE", "100000");
    Config config = Config.from(vars);
    String registry = "test-" + UUID.randomUUID();
    Vertx vertx = Bookwell.createVertx(registry);
    Db db = new Db(database.createPool(vertx, config.dbPoolSize(), config.limits().dbWaitQueue(),
        config.limits().dbConnectionTimeout(), config.limits().dbStatementTimeout()));
    var platform = new Platform(config, db, KEYS, registry);
    return new TestApp(vertx, db, config, database, Wait.on(Bookwell.start(vertx, platform, contract)));
  }

  /**
   * A client of a service running elsewhere (another process) on {@code port}, with a pool of the test's own on
   * its database; closing it stops nothing but the client.
   */
  public static TestApp remote(Vertx vertx, dev.bookwell.platform.db.Database database, int port) {
    Db db = new Db(database.createPool(vertx, 8, 256, java.time.Duration.ofSeconds(10), java.time.Duration.ZERO));
    Config config = Config.from(Map.of("BOOKWELL_HTTP_PORT", String.valueOf(port)));
    return new TestApp(vertx, db, config, database, null);
  }

  /**
   * A port nothing listens on now, below Linux's ephemeral range (32768-60999). A port the kernel hands out for
   * {@code ServerSocket(0)} comes from that range, where the outgoing connections of the nodes started meanwhile
   * (Hazelcast members, database clients) take theirs too: ClusterTest once found its node's HTTP port taken so.
   */
  public static int freePort() {
    var random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = random.nextInt(20_000, 32_000);
      try (var socket = new ServerSocket(port)) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new UncheckedIOException(new IOException("no free port between 20000 and 32000"));
  }

  /** A JSON request, with a bearer token when {@code token} is not null. */
  public io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> call(
      io.vertx.core.http.HttpMethod method, String path, io.vertx.core.json.JsonObject body, String token) {
    return Wait.on(callAsync(method, path, body, token));
  }

  public io.vertx.core.Future<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>> callAsync(
      io.vertx.core.http.HttpMethod method, String path, io.vertx.core.json.JsonObject body, String token) {
    var request = client.request(method, path);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return body == null ? request.send() : request.sendJsonObject(body);
  }

  @Override
  public void close() {
    if (bookwell == null) {
      client.close();
      return;
    }
    Wait.on(bookwell.stop());
  }

  /** Starts stopping and returns at once; {@code wait} false lets a test act while the edge drains. */
  public io.vertx.core.Future<Void> close(boolean wait) {
    var stopping = bookwell.stop();
    return wait ? io.vertx.core.Future.succeededFuture(Wait.on(stopping)) : stopping;
  }
}
