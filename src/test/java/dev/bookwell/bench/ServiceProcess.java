package dev.bookwell.bench;

import dev.bookwell.support.NodeProcess;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Bookwell in a JVM of its own, started like the run command starts it (dev.bookwell.Main on an external
 * database), so that its memory and CPU are measured apart from the load generator's.
 */
final class ServiceProcess implements AutoCloseable {

  final int port;
  private final NodeProcess node;

  private ServiceProcess(NodeProcess node) {
    this.node = node;
    this.port = node.httpPort;
  }

  /** Starts the service on {@code db} and returns once /ready answers 200. */
  static ServiceProcess start(String name, PgConnectOptions db, Map<String, String> env) {
    Path dir = Path.of("target", "bench");
    var jvm = new ArrayList<String>();
    // the flags the container image runs with, on a node of -Dservice.ram (what the heap's share is taken of);
    // -Dservice.options= (empty): the JVM's own defaults, which size the heap from this machine's memory
    String options = System.getProperty("service.options", "ops/image/jvm.options").trim();
    if (!options.isEmpty()) {
      jvm.add("@" + options);
      jvm.add("-XX:MaxRAM=" + System.getProperty("service.ram", "1g"));
    }
    // -Dservice.jvm="-Xlog:gc ...": more flags, after those (a later one wins, but another collector conflicts
    // with the file's: leave the file out for that)
    for (String flag : System.getProperty("service.jvm", "").trim().split("\\s+")) {
      if (!flag.isEmpty()) {
        jvm.add(flag);
      }
    }
    if (Boolean.getBoolean("jfr")) {  // -Djfr=true: a profile of each service run, for `jfr print` or JMC
      jvm.add("-XX:StartFlightRecording=filename=" + dir.resolve(name + ".jfr") + ",settings=profile");
    }
    var vars = new HashMap<>(Map.of(
        "DATABASE_URL", "postgresql://" + db.getUser() + ":" + db.getPassword() + "@" + db.getHost() + ":"
            + db.getPort() + "/" + db.getDatabase(),
        "BOOKWELL_DEMO_DATA", "false",
        "BOOKWELL_DB_POOL_SIZE", System.getProperty("pool", "16"),
        // a real database: simulated payments only when asked for (the purchase scenario brings its Stripe)
        "BOOKWELL_PAYMENTS", env.containsKey("STRIPE_SECRET_KEY") ? "stripe" : "simulated"));
    // every simulated user comes from this one address: the per-address limits would cap the run at 20 holds a
    // minute (behind a load balancer, BOOKWELL_TRUSTED_PROXIES gives each client its own address)
    vars.put("BOOKWELL_GUEST_HOLDS_PER_MINUTE", "1000000");
    vars.put("BOOKWELL_LOGIN_ATTEMPTS_PER_MINUTE", "1000000");
    vars.put("BOOKWELL_REGISTRATIONS_PER_MINUTE", "1000000");
    vars.putAll(env);
    var node = NodeProcess.start(name, dir, jvm, vars);
    try {
      node.awaitReady(Duration.ofSeconds(120));
    } catch (AssertionError e) {
      node.close();
      throw new IllegalStateException("the service did not become ready", e);
    }
    return new ServiceProcess(node);
  }

  /** The service's peak resident memory so far (VmHWM), in MB, or -1 when /proc is not there. */
  long peakRssMb() {
    return procStatus("VmHWM:") / 1024;
  }

  /** CPU time the service used so far (user + system), in seconds, or -1 when /proc is not there. */
  double cpuSeconds() {
    return ProcStat.cpuSeconds(Path.of("/proc", String.valueOf(node.pid()), "stat"));
  }

  /**
   * Of {@link #cpuSeconds}, the JIT compilers' threads ("C1 CompilerThread0", "C2 CompilerThread1", ...): work
   * the JVM does once as code gets hot, which a short run pays for in its window and a long-running node does not.
   * Summed over the threads alive now (compiler threads that were stopped meanwhile are not counted).
   */
  double jitCpuSeconds() {
    try (var tasks = Files.list(Path.of("/proc", String.valueOf(node.pid()), "task"))) {
      return tasks.filter(task -> {
        try {
          return Files.readString(task.resolve("comm")).matches("C[12] CompilerThre.*\\s*");
        } catch (IOException gone) {
          return false;
        }
      }).mapToDouble(task -> Math.max(0, ProcStat.cpuSeconds(task.resolve("stat")))).sum();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private long procStatus(String key) {
    try {
      return Files.readAllLines(Path.of("/proc", String.valueOf(node.pid()), "status")).stream()
          .filter(line -> line.startsWith(key))
          .map(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
    } catch (IOException e) {
      return -1;
    }
  }

  /** SIGTERM, as an orchestrator would stop it; killed if it has not stopped after 30 s. */
  @Override
  public void close() {
    node.close();
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
