package dev.bookwell.webhooks;

import dev.bookwell.platform.db.Sql;
import static dev.bookwell.db.Tables.WEBHOOK_DELIVERY;

import dev.bookwell.db.enums.WebhookDeliveryStatus;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.Rounds;
import dev.bookwell.platform.db.Retention;
import dev.bookwell.platform.db.SqlTime;
import java.util.List;
import dev.bookwell.platform.api.ApiConsumer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.Map;

/** The webhooks area: organizations' endpoints, and the deliveries of catalogue events to them. */
public final class WebhooksVerticle extends VerticleBase {

  public static final String API = "webhooks.api";

  private final Platform platform;
  /** How long the delivery log keeps finished deliveries (and their attempts). */
  static final java.time.Duration LOG_RETENTION = java.time.Duration.ofDays(30);

  private HttpClient http;
  private io.vertx.core.WorkerExecutor resolver;
  private io.vertx.core.WorkerExecutor checks;
  private long purge = -1;
  private long timer = -1;
  private long backlog = -1;

  public WebhooksVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var config = platform.config().webhooks();
    // redirects are not followed: a 3xx is an answer, not a way around the address check
    http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) Dispatcher.TIMEOUT.toMillis())
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(32));  // per host: shared receivers serve many
    resolver = vertx.createSharedWorkerExecutor("bookwell-webhook-dns", 4);
    // the API's URL checks on threads of their own: a manager registering names that never resolve holds up
    // their own requests, not every organization's deliveries
    checks = vertx.createSharedWorkerExecutor("bookwell-webhook-checks", 2);
    var endpoints = new Endpoints(db, vertx, checks, config.allowPrivate());
    var deliveries = new Deliveries(db, endpoints);
    ApiConsumer.register(vertx.eventBus(), API, Map.of(
        "createWebhook", endpoints::create,
        "listWebhooks", endpoints::list,
        "getWebhook", endpoints::get,
        "patchWebhook", endpoints::patch,
        "deleteWebhook", endpoints::delete,
        "rotateWebhookSecret", endpoints::rotate,
        "testWebhook", deliveries::test,
        "listWebhookDeliveries", deliveries::list,
        "redeliverWebhook", deliveries::redeliver));
    var intake = new Intake(db);
    var dispatcher = new Dispatcher(db, vertx, http, resolver, config);
    purge = Retention.schedule(vertx, db, platform.config().limits().purgeInterval(), List.of(new Retention.Rule(
        "webhook_delivery", WEBHOOK_DELIVERY, () -> WEBHOOK_DELIVERY.STATUS.ne(WebhookDeliveryStatus.pending)
            .and(WEBHOOK_DELIVERY.CREATED_AT.lt(SqlTime.nowPlus(LOG_RETENTION.negated()))))));
    timer = Rounds.every(vertx, config.pollInterval(), "webhook round",
        () -> intake.round().compose(x -> dispatcher.round()));
    backlog = dev.bookwell.platform.metrics.Gauges.every(vertx, platform.metricsRegistry(),
        "bookwell.webhooks.pending", "Webhook deliveries not delivered yet (retrying or due)", () -> db.fetchOne(
            Sql.DSL.selectCount().from(WEBHOOK_DELIVERY).where(WEBHOOK_DELIVERY.STATUS.eq(WebhookDeliveryStatus.pending)))
        .map(row -> (long) row.value1()));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    vertx.cancelTimer(purge);
    vertx.cancelTimer(backlog);
    if (resolver != null) {
      resolver.close();
      checks.close();
    }
    return http == null ? Future.succeededFuture() : http.close();
  }
}
