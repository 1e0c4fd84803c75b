package dev.bookwell.platform.http;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.auth.Jwt;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Set;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.SecurityRequirement;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import java.time.Duration;
import java.util.Map;

/**
 * Builds the router from the OpenAPI contract. An operation with {@code x-bus-address} is forwarded to that bus
 * address; the platform's own operations (health, readiness, contract, metrics) are answered here.
 */
final class ApiRouter {

  private static final Duration BUS_TIMEOUT = Duration.ofSeconds(30);
  /** Long polls one edge instance keeps waiting at once; more are answered at once (a few MB of heap at most). */
  private static final int MAX_WAITERS = 10_000;

  private ApiRouter() {
  }

  static Future<Router> create(Vertx vertx, String contractPath, Platform platform) {
    return Contract.load(vertx, contractPath).map(contract -> {
      Map<String, Handler<RoutingContext>> local = Map.of(
          "getHealth", ctx -> json(ctx, 200, new JsonObject().put("status", "up")),
          "getReady", ctx -> ready(ctx, platform),
          "getOpenApi", ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(contract.text()),
          "getMetrics", PrometheusScrapingHandler.create(platform.metricsRegistry()));

      var validated = ReusedValidators.of(contract.parsed());
      var extractor = RequestExtractor.withBodyHandler();
      RouterBuilder builder = RouterBuilder.create(vertx, validated, extractor);
      var validator = new RequestValidatorImpl(vertx, validated);
      var edge = platform.config().edge();
      builder.rootHandler(new AccessLog(dev.bookwell.platform.metrics.Gauges.registry(platform.metricsRegistry()),
          contract.parsed()));
      if (!edge.corsOrigins().isEmpty()) {
        builder.rootHandler(cors(edge.corsOrigins()));
      }
      builder.rootHandler(BodyHandler.create(false).setBodyLimit(HttpVerticle.MAX_BODY_BYTES));
      builder.rootHandler(ApiRouter::wellFormedUri);
      builder.rootHandler(new Authenticator(Jwt.verifier(vertx, platform.jwtKeys(), platform.config().identity())));
      var clients = new ClientAddresses(platform.config().limits().trustedProxies());
      var responses = edge.checkResponses() ? new ResponseContract(vertx, contract) : null;
      var changes = new ChangeWaits(vertx, MAX_WAITERS);
      for (OpenAPIRoute route : builder.getRoutes()) {
        Operation operation = route.getOperation();
        String operationId = operation.getOperationId();
        String address = operation.getOpenAPIModel().getString("x-bus-address");
        route.setDoSecurity(false);  // the Authenticator above does it, with problem+json answers
        route.setDoValidation(false);  // InlineValidation does it, on the event loop for small bodies
        route.addHandler(new InlineValidation(validator, extractor, operation));
        if (requiresCaller(operation)) {
          route.addHandler(ApiRouter::requireCaller);
        }
        if (local.containsKey(operationId)) {
          route.addHandler(local.get(operationId));
        } else if (address != null) {
          route.addHandler(new BusForwarder(vertx.eventBus(), address, operationId, BUS_TIMEOUT,
              operation.getOpenAPIModel().getBoolean("x-raw-body", false), clients, responses,
              operation.getOpenAPIModel().getString("x-wait-on"), changes));
        } else {
          route.addHandler(ctx -> ProblemResponses.send(ctx, Problem.of("not-implemented", 501, "Not implemented",
              operationId + " has no handler yet.")));
        }
      }
      Router router = builder.createRouter();
      var problems = new ProblemResponses(router);
      router.route().failureHandler(problems::handle);
      router.errorHandler(400, problems::handle);
      router.errorHandler(404, problems::handle);
      router.errorHandler(405, problems::handle);
      router.errorHandler(500, problems::handle);
      return router;
    });
  }

  /**
   * A '%' in the path or query must start an escape of two hex digits: Netty's decoder throws on {@code %ZZ}, which
   * reached clients as a 500. Refused here, before anything decodes the URI, as 400 naming where it is.
   */
  private static void wellFormedUri(RoutingContext ctx) {
    String uri = ctx.request().uri();
    for (int i = uri.indexOf('%'); i >= 0; i = uri.indexOf('%', i + 1)) {
      if (i + 2 >= uri.length() || Character.digit(uri.charAt(i + 1), 16) < 0
          || Character.digit(uri.charAt(i + 2), 16) < 0) {
        int query = uri.indexOf('?');
        ProblemResponses.send(ctx, Problem.invalid(query >= 0 && i > query ? "query" : "path", "uri",
            "has a '%' that does not start an escape of two hex digits (e.g. %20)"));
        return;
      }
    }
    ctx.next();
  }

  /**
   * Browsers on the listed origins may call the API (off when none are listed): bearer tokens, not cookies, so no
   * credentials mode; the validators and idempotency headers allowed in, and what clients read exposed.
   */
  private static CorsHandler cors(List<String> origins) {
    return CorsHandler.create().addOrigins(origins)
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE))
        .allowedHeaders(Set.of("Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match",
            "Prefer", "X-Booking-Token"))
        .exposedHeaders(Set.of("ETag", "Location", "Retry-After"))
        .maxAgeSeconds(600);
  }

  /** An operation with a security requirement that is not the empty one ({@code {}} means "optional"). */
  private static boolean requiresCaller(Operation operation) {
    var requirements = operation.getSecurityRequirements();
    return requirements != null && !requirements.isEmpty()
        && requirements.stream().noneMatch(SecurityRequirement::isEmpty);
  }

  private static void requireCaller(RoutingContext ctx) {
    if (ctx.get(BusForwarder.CALLER) == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      ProblemResponses.send(ctx, Problem.unauthenticated());
    } else {
      ctx.next();
    }
  }

  private static void ready(RoutingContext ctx, Platform platform) {
    if (HttpVerticle.draining(ctx.vertx())) {
      ProblemResponses.send(ctx, Problem.of("draining", 503, "Draining", "This node is stopping; send requests "
          + "to another.").retryAfter(5));
      return;
    }
    platform.db().execute(Sql.DSL.selectOne())
        .onSuccess(rows -> json(ctx, 200, new JsonObject().put("status", "ready")))
        .onFailure(e -> ProblemResponses.send(ctx, Problem.of("not-ready", 503, "Not ready",
            "The database is not reachable.").retryAfter(5)));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

}
