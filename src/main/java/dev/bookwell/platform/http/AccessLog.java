package dev.bookwell.platform.http;

import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the logger {@code bookwell.access}: request id, method, the contract's operation (never
 * the raw path, which carries ids and whatever a client sends), status and duration; in the JSON log format each
 * of them is its own field. {@code X-Request-Id} is taken from the client when it is a sane token (at most 100
 * letters, digits and {@code ._:-}), made otherwise, returned on the answer, and carried to the area that serves
 * the request (its failures are logged with it).
 */
final class AccessLog implements io.vertx.ext.web.handler.PlatformHandler {

  private final io.micrometer.core.instrument.MeterRegistry metrics;
  private final io.vertx.openapi.contract.OpenAPIContract contract;

  static final String REQUEST_ID = "bookwell.request-id";
  static final String OPERATION = "bookwell.operation";
  private static final Logger LOG = LoggerFactory.getLogger("bookwell.access");
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

  /**
   * A platform handler: Vert.x Web runs it before the body and security handlers, so every request is timed. With
   * {@code metrics}, it also counts {@code bookwell.requests} by operation and status (holds by outcome: 201, 409,
   * 422 of {@code createBooking}).
   */
  AccessLog(io.micrometer.core.instrument.MeterRegistry metrics, io.vertx.openapi.contract.OpenAPIContract contract) {
    this.metrics = metrics;
    this.contract = contract;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long started = System.nanoTime();
    // the contract's operation, looked up here rather than in the route, so requests the validation refuses (400)
    // or the authentication (401) are counted under their operation too
    var matched = matched(ctx);
    if (matched != null) {
      ctx.put(OPERATION, matched.getOperationId());
    }
    String given = ctx.request().getHeader("X-Request-Id");
    String id = given != null && SANE.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.put(REQUEST_ID, id);
    dev.bookwell.platform.api.RequestIds.use(id);  // every log line of this request, and the bus messages it sends
    ctx.response().putHeader("X-Request-Id", id);
    ctx.addBodyEndHandler(x -> {
      String operation = ctx.get(OPERATION) == null ? "unmatched" : ctx.get(OPERATION);
      long millis = (System.nanoTime() - started) / 1_000_000;
      int status = ctx.response().getStatusCode();
      if (metrics != null) {
        metrics.counter("bookwell.requests", "operation", operation, "status", String.valueOf(status)).increment();
      }
      LOG.atInfo().addKeyValue("requestId", id).addKeyValue("method", ctx.request().method().name())
          .addKeyValue("operation", operation).addKeyValue("status", status).addKeyValue("durationMs", millis)
          .log("{} {} {} {} {} ms", id, ctx.request().method().name(), operation, status, millis);
    });
    ctx.next();
  }

  /** The contract's operation for the request's method and path; null when none (or the path is not even a path). */
  private io.vertx.openapi.contract.Operation matched(RoutingContext ctx) {
    try {
      return contract.findOperation(ctx.normalizedPath(), ctx.request().method());
    } catch (RuntimeException malformed) {  // bad percent-encoding: ApiRouter answers it with a 400
      return null;
    }
  }

  static String requestId(RoutingContext ctx) {
    return ctx.get(REQUEST_ID);
  }
}
