package dev.bookwell.platform.http;

import dev.bookwell.platform.Platform;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge, deployed once per event loop. It authenticates, validates against the OpenAPI contract, hands
 * each operation to the area that owns it over the bus, and turns every failure into problem+json.
 * It holds no business rules and runs no SQL of its own beyond the readiness probe.
 */
public final class HttpVerticle extends VerticleBase {

  static final int MAX_BODY_BYTES = 1024 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  private final Platform platform;
  private final String contractPath;
  private HttpServer server;

  public HttpVerticle(Platform platform, String contractPath) {
    this.platform = platform;
    this.contractPath = contractPath;
  }

  @Override
  public Future<?> start() {
    var config = platform.config();
    return ApiRouter.create(vertx, contractPath, platform)
        .compose(router -> vertx.createHttpServer(new HttpServerOptions()
                .setCompressionSupported(true)
                .setMaxFormBufferedBytes(MAX_BODY_BYTES))
            .requestHandler(router)
            .invalidRequestHandler(ProblemResponses::invalidRequest)
            .listen(config.httpPort(), config.httpHost()))
        .onSuccess(listening -> server = listening);
  }

  /** The node is stopping: {@code /ready} says so from now on, on every edge instance, while requests are served. */
  public static void drain(io.vertx.core.Vertx vertx) {
    vertx.sharedData().getLocalMap(READINESS).put("draining", true);
    vertx.eventBus().publish(DRAINING, null, new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true));
  }

  /** Published on this node when it starts draining: long polls are answered at once rather than cut off. */
  static final String DRAINING = "bookwell.edge.draining";

  static boolean draining(io.vertx.core.Vertx vertx) {
    return vertx.sharedData().getLocalMap(READINESS).get("draining") != null;
  }

  private static final String READINESS = "bookwell.readiness";

  /** Stops accepting, lets requests in flight finish within the shutdown timeout, then closes. */
  @Override
  public Future<?> stop() {
    if (server == null) {
      return Future.succeededFuture();
    }
    LOG.debug("HTTP server draining");
    return server.shutdown(platform.config().shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }
}
