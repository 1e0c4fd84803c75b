package dev.bookwell.bench;

import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.SeatState;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hold throughput and latency under contention: a hot slot with 1,000 seats, 256 concurrent clients each holding
 * one seat until it is sold out, over real HTTP on the embedded PostgreSQL. Not a test: run it with
 * {@code ./mvnw -DskipTests test-compile exec:java@bench}. Prints a table and checks the invariant.
 */
public final class HoldBenchmark {

  public static void main(String[] args) {
    int seats = Integer.parseInt(System.getProperty("seats", "1000"));
    int clients = Integer.parseInt(System.getProperty("clients", "256"));
    try (TestApp app = TestApp.start("openapi.yaml", Map.of("BOOKWELL_DB_POOL_SIZE", System.getProperty("pool", "16"),
        "BOOKWELL_HOLD_SWEEP_INTERVAL", "1h"))) {
      var world = new World(app, "UTC");
      String service = world.service(new JsonObject().put("name", "Hot course").put("priceMinor", 1000)
          .put("seatsPerSlot", seats));
      String slot = world.session(service, world.providerId, OffsetDateTime.now(ZoneOffset.UTC).plusDays(3), seats);

      warmUp(app, world, service);
      var latencies = new long[seats * 4 + clients * 4];
      var recorded = new AtomicInteger();
      var statuses = new ConcurrentHashMap<Integer, AtomicInteger>();
      var soldOut = new AtomicLong();
      long start = System.nanoTime();
      Promise<Void> done = Promise.promise();
      var running = new AtomicInteger(clients);
      for (int c = 0; c < clients; c++) {
        client(app, slot, latencies, recorded, statuses, soldOut, start, running, done);
      }
      Wait.on(done.future());
      double seconds = (System.nanoTime() - start) / 1e9;

      long[] sorted = Arrays.copyOf(latencies, recorded.get());
      Arrays.sort(sorted);
      int held = Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT)
          .where(SEAT.SLOT_ID.eq(UUID.fromString(slot))).and(SEAT.STATE.eq(SeatState.held)))).value1();
      int ok = statuses.getOrDefault(201, new AtomicInteger()).get();
      System.out.printf("%nHot slot: %d seats, %d concurrent clients, 1 seat per hold%n", seats, clients);
      System.out.printf("| requests | holds | req/s | holds/s | sold out after | p50 | p95 | p99 | max | statuses |%n");
      System.out.printf("|---|---|---|---|---|---|---|---|---|---|%n");
      System.out.printf("| %d | %d | %.0f | %.0f | %.2f s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %s |%n",
          sorted.length, ok, sorted.length / seconds, ok / (soldOut.get() / 1e9), soldOut.get() / 1e9,
          ms(sorted, 0.50), ms(sorted, 0.95), ms(sorted, 0.99), sorted[sorted.length - 1] / 1e6, statuses);
      boolean hotOk = held == seats && ok == seats && !statuses.keySet().stream().anyMatch(s -> s >= 500);
      System.out.printf("Invariant: %d seats held, %d holds answered 201: %s%n", held, ok, hotOk ? "OK" : "BROKEN");
      double bookwellHoldsPerSecond = ok / (soldOut.get() / 1e9);
      var report = new JsonObject().put("machine", Runtime.getRuntime().availableProcessors() + " cores")
          .put("hotSlot", new JsonObject().put("seats", seats).put("clients", clients)
              .put("requests", sorted.length).put("holds", ok).put("requestsPerSecond", sorted.length / seconds)
              .put("holdsPerSecond", bookwellHoldsPerSecond).put("soldOutSeconds", soldOut.get() / 1e9)
              .put("p50Ms", ms(sorted, 0.50)).put("p95Ms", ms(sorted, 0.95)).put("p99Ms", ms(sorted, 0.99))
              .put("maxMs", sorted[sorted.length - 1] / 1e6).put("statuses", statuses.toString())
              .put("invariant", hotOk ? "OK" : "BROKEN"));

      var pgbench = PgbenchCeiling.pgbench();
      if (pgbench.isEmpty()) {
        System.out.println("pgbench not found: no database ceiling measured");
        return;
      }
      System.out.printf("%nThe database's ceiling (pgbench, same database, %d clients, %d seats):%n", clients, seats);
      System.out.printf("| design | attempts | successes | tps | successes/s | avg latency |%n|---|---|---|---|---|---|%n");
      var results = PgbenchCeiling.run(pgbench.get(), app, world, service, seats, clients);
      var designs = new io.vertx.core.json.JsonArray();
      for (var r : results) {
        System.out.printf("| %s | %d | %d | %.0f | %.0f | %.1f ms |%n", r.design(), r.attempts(), r.successes(),
            r.tps(), r.successesPerSecond(), r.latencyMs());
        designs.add(new JsonObject().put("design", r.design()).put("attempts", r.attempts())
            .put("successes", r.successes()).put("tps", r.tps()).put("successesPerSecond", r.successesPerSecond())
            .put("latencyMs", r.latencyMs()));
      }
      report.put("pgbenchHotSlot", designs)
          .put("ratioHotSlot", bookwellHoldsPerSecond / results.get(0).successesPerSecond());
      System.out.printf("Bookwell over HTTP / pgbench SKIP LOCKED ceiling: %.0f / %.0f holds/s = %.2f%n",
          bookwellHoldsPerSecond, results.get(0).successesPerSecond(),
          bookwellHoldsPerSecond / results.get(0).successesPerSecond());

      int spreadSlots = Integer.parseInt(System.getProperty("spread.slots", "20000"));
      int spreadSeconds = Integer.parseInt(System.getProperty("spread.seconds", "15"));
      SpreadScenario.load(app, 200, spreadSlots);
      var spread = SpreadScenario.run(app, clients, spreadSeconds);
      long[] spreadSorted = spread.latencies().clone();
      Arrays.sort(spreadSorted);
      int overbooked = oversoldSlots(app);
      System.out.printf("%nSpread: %d one-seat slots over 200 providers, %d clients, %d s%n", spreadSlots, clients,
          spreadSeconds);
      System.out.printf("| requests | holds | req/s | holds/s | p50 | p95 | p99 | max | statuses | oversold slots |%n");
      System.out.printf("|---|---|---|---|---|---|---|---|---|---|%n");
      System.out.printf("| %d | %d | %.0f | %.0f | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %s | %d |%n",
          spread.requests(), spread.holds(), spread.requests() / spread.seconds(), spread.holds() / spread.seconds(),
          ms(spreadSorted, 0.50), ms(spreadSorted, 0.95), ms(spreadSorted, 0.99),
          spreadSorted[spreadSorted.length - 1] / 1e6, spread.statuses(), overbooked);
      SpreadScenario.load(app, 200, spreadSlots);  // a fresh set for pgbench
      var ceiling = PgbenchCeiling.spread(pgbench.get(), app, spreadSlots, clients, spreadSeconds);
      double ratio = (spread.holds() / spread.seconds()) / (ceiling.successes() / (double) spreadSeconds);
      System.out.printf("pgbench spread: %d transactions, %d holds, %.0f tps, %.0f holds/s; Bookwell / pgbench = %.2f%n",
          ceiling.attempts(), ceiling.successes(), ceiling.tps(), ceiling.successes() / (double) spreadSeconds, ratio);
      report.put("spread", new JsonObject().put("slots", spreadSlots).put("seconds", spreadSeconds)
              .put("requests", spread.requests()).put("holds", spread.holds())
              .put("holdsPerSecond", spread.holds() / spread.seconds()).put("p50Ms", ms(spreadSorted, 0.50))
              .put("p99Ms", ms(spreadSorted, 0.99)).put("oversoldSlots", overbooked))
          .put("pgbenchSpread", new JsonObject().put("transactions", ceiling.attempts())
              .put("holds", ceiling.successes()).put("holdsPerSecond", ceiling.successes() / (double) spreadSeconds))
          .put("ratioSpread", ratio)
          .put("peakRssKb", peakRssKb());
      System.out.printf("Peak RSS of the JVM (service and load generator): %d MB%n", peakRssKb() / 1024);
      var out = java.nio.file.Path.of("bench/results/latest.json");
      java.nio.file.Files.createDirectories(out.getParent());
      java.nio.file.Files.writeString(out, report.encodePrettily());
      System.out.println("Results written to " + out);
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One client: holds until it gets a 409 (sold out), one request at a time. */
  private static void client(TestApp app, String slot, long[] latencies, AtomicInteger recorded,
                             Map<Integer, AtomicInteger> statuses, AtomicLong soldOut, long start,
                             AtomicInteger running, Promise<Void> done) {
    long sent = System.nanoTime();
    app.callAsync(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
            .put("guest", new JsonObject().put("name", "B").put("email", UUID.randomUUID() + "@example.org")), null)
        .onComplete(result -> {
          long now = System.nanoTime();
          int i = recorded.getAndIncrement();
          if (i < latencies.length) {
            latencies[i] = now - sent;
          }
          int status = result.succeeded() ? result.result().statusCode() : 0;
          statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
          if (status == 201) {
            client(app, slot, latencies, recorded, statuses, soldOut, start, running, done);
          } else {
            soldOut.compareAndSet(0, now - start);
            if (running.decrementAndGet() == 0) {
              done.complete();
            }
          }
        });
  }

  private static void warmUp(TestApp app, World world, String service) {
    String slot = world.session(service, world.providerId, OffsetDateTime.now(ZoneOffset.UTC).plusDays(4), 1000);
    var warm = new java.util.ArrayList<Future<?>>();
    for (int i = 0; i < 300; i++) {
      warm.add(app.callAsync(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
          .put("guest", new JsonObject().put("name", "W").put("email", UUID.randomUUID() + "@example.org")), null));
    }
    Wait.on(Future.join(warm));
  }

  /** VmHWM from /proc (Linux): the process's peak resident memory, or -1 elsewhere. */
  private static long peakRssKb() {
    try {
      return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
          .filter(line -> line.startsWith("VmHWM:"))
          .map(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /** Slots anywhere in the database with more seats taken than their capacity: must be 0. */
  private static int oversoldSlots(TestApp app) {
    var taken = Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(SLOT.ID)).and(SEAT.STATE.ne(SeatState.free))
        .asField();
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SLOT)
        .where(taken.gt(SLOT.CAPACITY)))).value1();
  }

  private static double ms(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) (quantile * sorted.length))] / 1e6;
  }
}
