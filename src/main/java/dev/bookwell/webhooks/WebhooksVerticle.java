package dev.bookwell.webhooks;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.ApiConsumer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The webhooks area: organizations' endpoints, and the deliveries of catalogue events to them. */
public final class WebhooksVerticle extends VerticleBase {

  public static final String API = "webhooks.api";
  private static final Logger LOG = LoggerFactory.getLogger(WebhooksVerticle.class);

  private final Platform platform;
  private HttpClient http;
  private long timer = -1;
  private Future<?> round = Future.succeededFuture();

  public WebhooksVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var config = platform.config().webhooks();
    // redirects are not followed: a 3xx is an answer, not a way around the address check
    http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) Dispatcher.TIMEOUT.toMillis())
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(Dispatcher.PER_ENDPOINT));
    var endpoints = new Endpoints(db, vertx, config.allowPrivate());
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
    var dispatcher = new Dispatcher(db, vertx, http, config);
    timer = vertx.setPeriodic(config.pollInterval().toMillis(), id -> {
      if (round.isComplete()) {
        round = intake.round().compose(x -> dispatcher.round()).onFailure(e -> LOG.warn("webhook round failed", e));
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return http == null ? Future.succeededFuture() : http.close();
  }
}
