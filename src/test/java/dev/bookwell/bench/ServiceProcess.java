package dev.bookwell.bench;

import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Bookwell in a JVM of its own, started like the run command starts it (dev.bookwell.Main on an external
 * database), so that its memory and CPU are measured apart from the load generator's.
 */
final class ServiceProcess implements AutoCloseable {

  private static final long CLOCK_TICKS_PER_SECOND = 100;  // USER_HZ on Linux

  final int port;
  private final Process process;
  private final Path log;

  private ServiceProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts the service on {@code db} and returns once /ready answers 200. */
  static ServiceProcess start(String name, PgConnectOptions db, Map<String, String> env) {
    int port = dev.bookwell.support.TestApp.freePort();
    Path dir = Path.of("target", "bench");
    Path log = dir.resolve(name + ".log");
    var command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    if (Boolean.getBoolean("jfr")) {  // -Djfr=true: a profile of each service run, for `jfr print` or JMC
      command.add("-XX:StartFlightRecording=filename=" + dir.resolve(name + ".jfr") + ",settings=profile");
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.bookwell.Main"));
    var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(Map.of(
        "DATABASE_URL", "postgresql://" + db.getUser() + ":" + db.getPassword() + "@" + db.getHost() + ":"
            + db.getPort() + "/" + db.getDatabase(),
        "BOOKWELL_HTTP_PORT", String.valueOf(port),
        "BOOKWELL_DATA_DIR", dir.resolve(name + "-data").toString(),
        "BOOKWELL_DEMO_DATA", "false",
        "BOOKWELL_DB_POOL_SIZE", System.getProperty("pool", "16"),
        // a real database: simulated payments only when asked for (the purchase scenario brings its Stripe)
        "BOOKWELL_PAYMENTS", env.containsKey("STRIPE_SECRET_KEY") ? "stripe" : "simulated"));
    builder.environment().putAll(env);
    try {
      Files.createDirectories(dir);
      var service = new ServiceProcess(builder.start(), port, log);
      service.awaitReady();
      return service;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady() {
    var http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the service exited with " + process.exitValue() + "; see " + log);
      }
      try {
        var ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      sleep(200);
    }
    close();
    throw new IllegalStateException("the service did not become ready; see " + log);
  }

  /** The service's peak resident memory so far (VmHWM), in MB, or -1 when /proc is not there. */
  long peakRssMb() {
    return procStatus("VmHWM:") / 1024;
  }

  /** CPU time the service used so far (user + system), in seconds, or -1 when /proc is not there. */
  double cpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");  // fields from the third on
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private long procStatus(String key) {
    try {
      return Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status")).stream()
          .filter(line -> line.startsWith(key))
          .map(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
    } catch (IOException e) {
      return -1;
    }
  }

  /** SIGTERM, as an orchestrator would stop it; killed if it has not stopped after 30 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
