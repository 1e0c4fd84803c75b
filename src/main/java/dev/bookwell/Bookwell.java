package dev.bookwell;

import dev.bookwell.audit.AuditVerticle;
import dev.bookwell.booking.BookingVerticle;
import dev.bookwell.booking.HoldSweeperVerticle;
import dev.bookwell.identity.IdentityVerticle;
import dev.bookwell.learning.LearningVerticle;
import dev.bookwell.notifications.NotificationsVerticle;
import dev.bookwell.payments.PaymentsVerticle;
import dev.bookwell.platform.HousekeepingVerticle;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.http.HttpVerticle;
import dev.bookwell.reporting.ReportingVerticle;
import dev.bookwell.reviews.ReviewsVerticle;
import dev.bookwell.scheduling.SchedulingVerticle;
import dev.bookwell.webhooks.WebhooksVerticle;
import dev.bookwell.platform.outbox.OutboxRelayVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import dev.bookwell.platform.ClusterConfig;
import dev.bookwell.platform.config.Config;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The running service: every area's verticles and the HTTP edge on one Vert.x instance.
 * {@link #stop()} takes it down in the reverse order, so requests in flight can still reach the database.
 */
public final class Bookwell {

  public static final String CONTRACT = "openapi.yaml";

  private final Vertx vertx;
  private final Platform platform;
  private final List<String> deployments;

  private Bookwell(Vertx vertx, Platform platform, List<String> deployments) {
    this.vertx = vertx;
    this.platform = platform;
    this.deployments = deployments;
  }

  /** A Vert.x instance reporting HTTP, pool and event-bus metrics into the Prometheus registry {@code registry}. */
  public static Vertx createVertx(String registry) {
    return createVertx(registry, Config.defaultEventLoops());
  }

  private static Vertx createVertx(String registry, int eventLoops) {
    return builder(registry, new VertxOptions().setEventLoopPoolSize(eventLoops)).build();
  }

  /**
   * The same, joined to the cluster when the configuration says so: then a published event reaches every node's
   * subscribers (requests stay on their node: the areas' addresses are local consumers).
   */
  public static Future<Vertx> createVertx(String registry, Config config) {
    var cluster = config.cluster();
    if (!cluster.enabled()) {
      return Future.succeededFuture(createVertx(registry, config.eventLoops()));
    }
    String secretKey = config.keys().secretKey().orElseThrow();  // Config requires one in a cluster
    var bus = new EventBusOptions().setHost(cluster.host()).setPort(cluster.busPort())
        .setClusterPublicHost(cluster.host());
    return builder(registry, new VertxOptions().setEventLoopPoolSize(config.eventLoops()).setEventBusOptions(bus))
        .withClusterManager(new HazelcastClusterManager(ClusterConfig.hazelcast(cluster, secretKey)))
        .buildClustered();
  }

  private static VertxBuilder builder(String registry, VertxOptions options) {
    var metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(registry)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    return Vertx.builder()
        .with(options.setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory());
  }

  /** Deploys the areas first, then the HTTP edge, so the edge never forwards to an area that is not there yet. */
  public static Future<Bookwell> start(Vertx vertx, Platform platform, String contract) {
    var deployments = new ArrayList<String>();
    dev.bookwell.platform.api.RequestIds.carry(vertx.eventBus());
    return deploy(vertx, deployments, new OutboxRelayVerticle(platform))
        .compose(x -> deploy(vertx, deployments, new HousekeepingVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new IdentityVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new SchedulingVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new PaymentsVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new BookingVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new HoldSweeperVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new NotificationsVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new LearningVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new ReviewsVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new AuditVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new ReportingVerticle(platform)))
        .compose(x -> deploy(vertx, deployments, new WebhooksVerticle(platform)))
        .compose(x -> vertx.deployVerticle(() -> new HttpVerticle(platform, contract),
            new DeploymentOptions().setInstances(platform.config().httpInstances())))
        .map(id -> {
          deployments.add(id);
          return new Bookwell(vertx, platform, deployments);
        });
  }

  private static Future<String> deploy(Vertx vertx, List<String> deployments, Deployable verticle) {
    return vertx.deployVerticle(verticle).onSuccess(deployments::add);
  }

  /**
   * Says not ready for {@code BOOKWELL_DRAIN_DELAY} (a load balancer stops sending new requests) while still
   * serving, then drains the HTTP edge (bounded by the shutdown timeout), stops the areas, closes the pool, closes
   * Vert.x. Vert.x on its own would close the pool before undeploying, failing requests still in flight.
   */
  public Future<Void> stop() {
    HttpVerticle.drain(vertx);
    long drain = platform.config().edge().drainDelay().toMillis();
    io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
    if (drain > 0) {
      vertx.setTimer(drain, id -> drained.complete());
    } else {
      drained.complete();
    }
    Future<Void> chain = drained.future();
    for (String id : deployments.reversed()) {
      chain = chain.compose(x -> vertx.undeploy(id));
    }
    return chain
        .eventually(() -> platform.db().pool().close())
        .eventually(vertx::close);
  }
}
