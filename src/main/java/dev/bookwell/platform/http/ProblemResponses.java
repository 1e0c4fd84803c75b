package dev.bookwell.platform.http;

import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.ProblemException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.openapi.validation.ValidatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every error leaves the edge as RFC 9457 problem+json; unexpected ones are logged and never shown in detail. */
final class ProblemResponses {

  private static final Logger LOG = LoggerFactory.getLogger(ProblemResponses.class);

  private final Router router;

  ProblemResponses(Router router) {
    this.router = router;
  }

  /** Failure handler and error handler for the whole router. */
  void handle(RoutingContext ctx) {
    Problem problem = toProblem(ctx);
    if (problem.status() == 405) {
      ctx.response().putHeader("Allow", allowedMethods(ctx.request().path()));
    }
    send(ctx, problem);
  }

  static void send(RoutingContext ctx, Problem problem) {
    var response = ctx.response();
    if (response.headWritten()) {
      response.reset();  // the reply already started; nothing sane can follow
      return;
    }
    if (problem.retryAfter() != null || problem.status() == 429 || problem.status() == 503) {
      response.putHeader("Retry-After", String.valueOf(problem.retryAfter() == null ? 1 : problem.retryAfter()));
    }
    response.setStatusCode(problem.status())
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .end(problem.toJson().encode());
  }

  /**
   * Requests the HTTP decoder refused before any route saw them: a request line too long (414), headers too large
   * (431), anything else malformed (400). Answered as problems too, then the connection is closed, as the default
   * handler does.
   */
  static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    Problem problem = cause instanceof TooLongHttpLineException
        ? Problem.of("uri-too-long", 414, "URI too long", "The request line is longer than the server accepts.")
        : cause instanceof TooLongHttpHeaderException
            ? Problem.of("headers-too-large", 431, "Request headers too large",
                "The request's headers are larger than the server accepts.")
            : Problem.of("bad-request", 400, "Bad request", "The request could not be understood.");
    request.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
        .putHeader("Connection", "close").end(problem.toJson().encode())
        .onComplete(x -> request.connection().close());
  }

  private static Problem toProblem(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ReplyException reply) {
      return fromBus(ctx, reply);
    }
    if (failure instanceof ProblemException problem) {
      return problem.problem();
    }
    if (failure instanceof HttpException http && http.getCause() instanceof ValidatorException invalid) {
      return ValidationProblems.from(invalid);
    }
    if (dev.bookwell.platform.db.DatabaseDown.is(failure)) {
      return Problem.databaseUnavailable();
    }
    int status = failure instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
    return switch (status) {
      case 400 -> Problem.of("bad-request", 400, "Bad request", "The request could not be understood.");
      case 404 -> Problem.notFound("No resource at " + ctx.request().path());
      case 405 -> Problem.of("method-not-allowed", 405, "Method not allowed",
          ctx.request().method() + " is not allowed on " + ctx.request().path());
      case 413 -> Problem.of("payload-too-large", 413, "Payload too large",
          "The request body is larger than " + HttpVerticle.MAX_BODY_BYTES + " bytes.");
      case 415 -> Problem.of("unsupported-media-type", 415, "Unsupported media type",
          "Send the body as application/json.");
      default -> {
        if (status >= 400 && status < 500) {
          yield Problem.of("http-" + status, status, "Request refused", null);
        }
        LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
        yield Problem.internal();
      }
    };
  }

  private static Problem fromBus(RoutingContext ctx, ReplyException reply) {
    return switch (reply.failureType()) {
      case NO_HANDLERS -> Problem.of("area-unavailable", 503, "Service unavailable",
          "The part of Bookwell that answers this request is not running; retry shortly.");
      case TIMEOUT -> Problem.of("timeout", 504, "Timed out", "The request took too long; it is safe to retry "
          + "with the same Idempotency-Key.");
      default -> {
        try {
          yield Problem.fromJson(new JsonObject(reply.getMessage()));
        } catch (DecodeException | NullPointerException | ClassCastException e) {
          LOG.error("{} {}: unreadable failure from an area: {}", ctx.request().method(), ctx.request().path(),
              reply.getMessage());
          yield Problem.internal();
        }
      }
    };
  }

  private String allowedMethods(String path) {
    return router.getRoutes().stream()
        .filter(route -> route.getPath() != null && route.methods() != null)
        .filter(route -> samePath(route.getPath(), path))
        .flatMap(route -> route.methods().stream())
        .map(Object::toString)
        .distinct()
        .sorted()
        .reduce((a, b) -> a + ", " + b)
        .orElse("");
  }

  /** Whether a route path such as {@code /v1/bookings/:id} matches a request path segment by segment. */
  private static boolean samePath(String routePath, String requestPath) {
    String[] route = routePath.split("/", -1);
    String[] request = requestPath.split("/", -1);
    if (route.length != request.length) {
      return false;
    }
    for (int i = 0; i < route.length; i++) {
      if (!route[i].startsWith(":") && !route[i].equals(request[i])) {
        return false;
      }
    }
    return true;
  }
}
