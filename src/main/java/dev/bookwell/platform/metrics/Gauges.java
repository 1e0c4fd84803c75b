package dev.bookwell.platform.metrics;

import dev.bookwell.platform.Rounds;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.micrometer.backends.BackendRegistries;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Business gauges (backlogs, lags, counts by status) kept from a query every {@code interval}: a Prometheus scrape
 * reads the last values and never touches the database, and the query runs once per interval whatever the number
 * of scrapers. Each area registers its own, about its own tables.
 */
public final class Gauges {

  /** How often the gauges are refreshed. */
  public static final Duration INTERVAL = Duration.ofSeconds(15);

  private Gauges() {
  }

  /** The named Micrometer registry, or null when metrics are off (some tests). */
  public static MeterRegistry registry(String name) {
    return name == null ? null : BackendRegistries.getNow(name);
  }

  /**
   * One gauge per value of {@code tag} (e.g. {@code status}), all kept from one query that gives a count per value
   * (values it does not name read 0). Gives the timer id (cancel it on stop), or -1 with metrics off.
   */
  public static long every(Vertx vertx, String registryName, String name, String help, String tag, List<String> values,
                           Supplier<Future<Map<String, Long>>> query) {
    MeterRegistry registry = registry(registryName);
    if (registry == null) {
      return -1;
    }
    var current = new ConcurrentHashMap<String, AtomicLong>();
    for (String value : values) {
      var holder = current.computeIfAbsent(value, v -> new AtomicLong());
      Gauge.builder(name, holder, AtomicLong::get).description(help).tag(tag, value).register(registry);
    }
    java.util.function.Supplier<Future<?>> refresh = () -> query.get().onSuccess(counts ->
        current.forEach((value, holder) -> holder.set(counts.getOrDefault(value, 0L))));
    vertx.runOnContext(x -> refresh.get());  // a first value at once, not after the first interval
    return Rounds.every(vertx, INTERVAL, "gauge " + name, refresh);
  }

  /** A single gauge kept from a query. */
  public static long every(Vertx vertx, String registryName, String name, String help,
                           Supplier<Future<Long>> query) {
    return every(vertx, registryName, name, help, "of", List.of("all"),
        () -> query.get().map(value -> Map.of("all", value)));
  }
}
