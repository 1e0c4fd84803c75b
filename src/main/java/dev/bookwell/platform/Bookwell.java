package dev.bookwell.platform;

import dev.bookwell.platform.http.HttpVerticle;
import dev.bookwell.platform.outbox.OutboxRelayVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/** Assembles the service: the Vert.x instance with metrics, then every area's verticles and the HTTP edge. */
public final class Bookwell {

  public static final String CONTRACT = "openapi.yaml";

  private Bookwell() {
  }

  /** A Vert.x instance reporting HTTP, pool and event-bus metrics into the Prometheus registry {@code registry}. */
  public static Vertx createVertx(String registry) {
    var metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(registry)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory())
        .build();
  }

  /** Deploys the areas first, then the HTTP edge, so the edge never forwards to an area that is not there yet. */
  public static Future<Void> deploy(Vertx vertx, Platform platform, String contract) {
    return vertx.deployVerticle(new OutboxRelayVerticle(platform))
        .compose(id -> vertx.deployVerticle(() -> new HttpVerticle(platform, contract),
            new DeploymentOptions().setInstances(platform.config().httpInstances())))
        .mapEmpty();
  }
}
