package dev.bookwell.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A load generator over keep-alive HTTP connections, latencies into an HdrHistogram. Closed loop ({@link #run}): a
 * fixed number of clients, each sending its next request as soon as the previous one is answered. Open loop
 * ({@link #openLoop}): requests on a fixed schedule, latency from the scheduled time.
 */
final class LoadGenerator implements AutoCloseable {

  /** One client step against the service (one request, or a short sequence); completes with its final status. */
  interface Action {
    Future<Integer> run(WebClient http);
  }

  /** What a run did: {@code firstRefusalSeconds} is when the first client was told no (e.g. sold out). */
  record Outcome(long requests, long successes, double seconds, double firstRefusalSeconds, Histogram latency,
                 Map<Integer, Long> statuses) {

    double requestsPerSecond() {
      return requests / seconds;
    }

    double successesPerSecond() {
      return successes / seconds;
    }

    double ms(double percentile) {
      return latency.getValueAtPercentile(percentile) / 1000.0;
    }

    /** A failure no client could act on: a 500 or a request that failed without an answer (503 and 429 say when). */
    boolean anyBroken() {
      return statuses.keySet().stream().anyMatch(status -> status == 500 || status == 0);
    }

    boolean any5xx() {
      return statuses.keySet().stream().anyMatch(status -> status >= 500 || status == 0);
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final WebClient http;

  LoadGenerator(int port, int connections) {
    // connections are kept for the whole stage: closed after the client's default 60 s unused, the open loop's
    // later runs opened them anew in the middle of a run, many at once whenever a hiccup needed more (JFR caught
    // the harness connecting during a burst), work on the same two cores that made the hiccup longer
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setConnectTimeout(10_000).setKeepAliveTimeout(3600), new PoolOptions().setHttp1MaxSize(connections));
  }

  Vertx vertx() {
    return vertx;
  }

  /**
   * Runs {@code clients} clients until the time is up; a client also stops after a status {@code keepGoing}
   * refuses. A step is a success when its status is 2xx.
   */
  Outcome run(int clients, Duration limit, Action action, IntPredicate keepGoing) {
    var latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
    var statuses = new ConcurrentHashMap<Integer, AtomicLong>();
    var requests = new AtomicLong();
    var successes = new AtomicLong();
    var firstRefusal = new AtomicLong();
    long start = System.nanoTime();
    long end = start + limit.toNanos();
    var running = new AtomicInteger(clients);
    Promise<Void> done = Promise.promise();
    Runnable[] clientLoop = new Runnable[1];
    clientLoop[0] = () -> {
      if (System.nanoTime() > end) {
        if (running.decrementAndGet() == 0) {
          done.complete();
        }
        return;
      }
      long sent = System.nanoTime();
      attempt(action).onComplete(result -> {
        long now = System.nanoTime();
        int status = result.result();
        latency.recordValue(Math.min(latency.getHighestTrackableValue(), (now - sent) / 1000));
        requests.incrementAndGet();
        statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
        if (status >= 200 && status < 300) {
          successes.incrementAndGet();
        }
        if (keepGoing.test(status)) {
          clientLoop[0].run();
        } else {
          firstRefusal.compareAndSet(0, now - start);
          if (running.decrementAndGet() == 0) {
            done.complete();
          }
        }
      });
    };
    for (int c = 0; c < clients; c++) {
      vertx.runOnContext(nothing -> clientLoop[0].run());
    }
    done.future().await();
    double seconds = (System.nanoTime() - start) / 1e9;
    var counts = new TreeMap<Integer, Long>();
    statuses.forEach((status, count) -> counts.put(status, count.get()));
    return new Outcome(requests.get(), successes.get(), seconds, firstRefusal.get() / 1e9, latency, counts);
  }

  /**
   * Open loop: requests sent on a fixed schedule, {@code perSecond} of them, whether or not the earlier ones were
   * answered, for {@code limit}. Each latency runs from the request's scheduled time, not from when it could be
   * sent, so a service that falls behind shows its queue in the figures (no coordinated omission). Requests that
   * wait for one of the connections wait on the clock too.
   */
  Outcome openLoop(double perSecond, Duration limit, Action action) {
    var latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
    var statuses = new ConcurrentHashMap<Integer, AtomicLong>();
    var successes = new AtomicLong();
    long total = Math.round(perSecond * limit.toNanos() / 1e9);
    double gapNanos = 1e9 / perSecond;
    var outstanding = new AtomicLong(total);
    Promise<Void> done = Promise.promise();
    long start = System.nanoTime();
    long[] next = {0};
    vertx.runOnContext(x -> vertx.setPeriodic(1, timer -> {
      long now = System.nanoTime();
      for (; next[0] < total && start + (long) (next[0] * gapNanos) <= now; next[0]++) {
        long scheduled = start + (long) (next[0] * gapNanos);
        attempt(action).onComplete(result -> {
          latency.recordValue(Math.min(latency.getHighestTrackableValue(), (System.nanoTime() - scheduled) / 1000));
          statuses.computeIfAbsent(result.result(), code -> new AtomicLong()).incrementAndGet();
          if (result.result() >= 200 && result.result() < 300) {
            successes.incrementAndGet();
          }
          if (outstanding.decrementAndGet() == 0) {
            done.complete();
          }
        });
      }
      if (next[0] == total) {
        vertx.cancelTimer(timer);
      }
    }));
    done.future().await();
    double seconds = (System.nanoTime() - start) / 1e9;
    var counts = new TreeMap<Integer, Long>();
    statuses.forEach((status, count) -> counts.put(status, count.get()));
    return new Outcome(total, successes.get(), seconds, 0, latency, counts);
  }

  /** The action's status; 0 when it failed without one (a connection refused or cut: the first few are printed). */
  private Future<Integer> attempt(Action action) {
    return action.run(http).recover(e -> {
      if (failuresShown.incrementAndGet() <= 3) {
        System.out.println("a request failed without a status: " + e);
      }
      return Future.succeededFuture(0);
    });
  }

  private final AtomicLong failuresShown = new AtomicLong();

  /**
   * A fresh account made owner of {@code organization} (the membership written straight into the database, as
   * the data set is): registers, joins, signs in, gives the access token.
   */
  String owner(DataSets data, java.util.UUID organization) {
    String email = "owner-" + java.util.UUID.randomUUID() + "@example.org";
    String password = "bench-password-1234";
    var user = http.post("/v1/auth/register").sendJsonObject(new io.vertx.core.json.JsonObject().put("email", email)
        .put("password", password).put("name", "Bench owner")).await().bodyAsJsonObject();
    data.execute("insert into organization_member (organization_id, user_id, role) values ('" + organization + "', '"
        + user.getString("id") + "', 'owner')");
    return http.post("/v1/auth/login").sendJsonObject(new io.vertx.core.json.JsonObject().put("email", email)
        .put("password", password)).await().bodyAsJsonObject().getString("accessToken");
  }

  /** One signed-in GET's JSON body. */
  io.vertx.core.json.JsonObject json(String path, String token) {
    return http.get(path).putHeader("Authorization", "Bearer " + token).send().await().bodyAsJsonObject();
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
