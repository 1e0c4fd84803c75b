package dev.bookwell.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A Bookwell node in a process of its own ({@code dev.bookwell.Main} on the test classpath), as an operator runs
 * one: configured by environment variables only, its output in {@code target/nodes/<name>.log}.
 */
public final class NodeProcess implements AutoCloseable {

  public final String name;
  public final int httpPort;
  private final Process process;
  private final Path log;

  private NodeProcess(String name, int httpPort, Process process, Path log) {
    this.name = name;
    this.httpPort = httpPort;
    this.process = process;
    this.log = log;
  }

  /** A cluster test's node: a small heap, quick to start; output in {@code target/nodes}. */
  public static NodeProcess start(String name, Map<String, String> env) {
    return start(name, Path.of("target", "nodes"), List.of("-Xmx384m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED"), env);
  }

  /** A node with {@code jvmArgs}, its log {@code <dir>/<name>.log}, its data directory beside it. */
  public static NodeProcess start(String name, Path dir, List<String> jvmArgs, Map<String, String> env) {
    int port = TestApp.freePort();
    var command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    command.addAll(jvmArgs);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.bookwell.Main"));
    try {
      Path log = dir.resolve(name + ".log");
      Files.createDirectories(dir);
      var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("BOOKWELL_HTTP_HOST", "127.0.0.1");
      builder.environment().put("BOOKWELL_DATA_DIR", dir.resolve(name + "-data").toString());
      builder.environment().putAll(env);
      builder.environment().put("BOOKWELL_HTTP_PORT", String.valueOf(port));
      return new NodeProcess(name, port, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public long pid() {
    return process.pid();
  }

  /** Waits until {@code /ready} says ready; fails with the node's log when it does not come up in time. */
  public void awaitReady(Duration within) {
    var http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        var answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (answer.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      sleep(250);
    }
    throw new AssertionError(name + " not ready within " + within + ":\n" + log());
  }

  /** Whether the log says {@code text} (e.g. Hazelcast's member list). */
  public boolean logged(String text) {
    return log().contains(text);
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** SIGKILL: no shutdown hook, no goodbye to the cluster, connections cut mid-request. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();  // SIGTERM: the graceful path
      try {
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
