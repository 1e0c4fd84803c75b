package dev.bookwell.bench;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 2, "spread": one-seat slots across many providers, clients booking random slots for a fixed time.
 * The data set is written straight into the database (20,000 slots through the API would take minutes).
 */
final class SpreadScenario {

  record Outcome(int requests, int holds, double seconds, long[] latencies, Map<Integer, AtomicInteger> statuses) {
  }

  private SpreadScenario() {
  }

  /** Creates {@code slots} one-seat slots over {@code providers} active providers; numbers them in bench_slot. */
  static void load(TestApp app, int providers, int slots) {
    UUID org = UUID.randomUUID();
    UUID service = UUID.randomUUID();
    for (String statement : List.of(
        "insert into organization (id, kind, name, timezone, currency, created_by) values ('" + org
            + "', 'clinic', 'Spread clinic', 'UTC', 'EUR', gen_random_uuid())",
        "insert into service (id, organization_id, name, duration_minutes, price_minor, currency, horizon_days)"
            + " values ('" + service + "', '" + org + "', 'Spread', 30, 0, 'EUR', 365)",
        "create table if not exists bench_provider (id uuid primary key, g int not null)",
        "truncate bench_provider",
        "insert into bench_provider select gen_random_uuid(), g from generate_series(1, " + providers + ") g",
        "insert into provider (id, user_id, display_name, timezone, status) select id, gen_random_uuid(),"
            + " 'Spread ' || g, 'UTC', 'active' from bench_provider",
        "insert into slot (organization_id, service_id, provider_id, starts_at, ends_at, occupied, capacity, origin)"
            + " select '" + org + "', '" + service + "', p.id, t, t + interval '30 minutes',"
            + " tstzrange(t, t + interval '30 minutes'), 1, 'rule' from bench_provider p,"
            + " generate_series(date_trunc('hour', now()) + interval '1 day', date_trunc('hour', now()) + interval '1 day'"
            + " + (" + (slots / providers - 1) + " || ' hours')::interval, interval '1 hour') t",
        "insert into seat (slot_id, seat_no) select id, 1 from slot where service_id = '" + service + "'",
        "truncate bench_slot",
        "insert into bench_slot select row_number() over (order by id), id from slot where service_id = '" + service
            + "'",
        "analyze")) {
      Wait.on(app.db.execute(Sql.DSL.query(statement)));
    }
  }

  /** {@code clients} clients, each holding random slots one request at a time, for {@code seconds}. */
  static Outcome run(TestApp app, int clients, int seconds) {
    var ids = Wait.on(app.db.execute(Sql.DSL.query("select slot_id from bench_slot order by n")));
    var slots = new java.util.ArrayList<String>();
    ids.forEach(row -> slots.add(row.getUUID(0).toString()));
    var latencies = new long[2_000_000];
    var recorded = new AtomicInteger();
    var holds = new AtomicInteger();
    var statuses = new ConcurrentHashMap<Integer, AtomicInteger>();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    Promise<Void> done = Promise.promise();
    var running = new AtomicInteger(clients);
    for (int c = 0; c < clients; c++) {
      next(app, slots, end, latencies, recorded, holds, statuses, running, done);
    }
    Wait.on(done.future());
    double elapsed = (System.nanoTime() - start) / 1e9;
    return new Outcome(recorded.get(), holds.get(), elapsed,
        java.util.Arrays.copyOf(latencies, Math.min(recorded.get(), latencies.length)), statuses);
  }

  private static void next(TestApp app, List<String> slots, long end, long[] latencies, AtomicInteger recorded,
                           AtomicInteger holds, Map<Integer, AtomicInteger> statuses, AtomicInteger running,
                           Promise<Void> done) {
    if (System.nanoTime() > end) {
      if (running.decrementAndGet() == 0) {
        done.complete();
      }
      return;
    }
    String slot = slots.get(ThreadLocalRandom.current().nextInt(slots.size()));
    long sent = System.nanoTime();
    app.callAsync(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
            .put("guest", new JsonObject().put("name", "S").put("email", UUID.randomUUID() + "@example.org")), null)
        .onComplete(result -> {
          int i = recorded.getAndIncrement();
          if (i < latencies.length) {
            latencies[i] = System.nanoTime() - sent;
          }
          int status = result.succeeded() ? result.result().statusCode() : 0;
          statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
          if (status == 201) {
            holds.incrementAndGet();
          }
          next(app, slots, end, latencies, recorded, holds, statuses, running, done);
        });
  }
}
