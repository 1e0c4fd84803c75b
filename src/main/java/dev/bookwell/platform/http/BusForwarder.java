package dev.bookwell.platform.http;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import dev.bookwell.platform.api.ETags;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole of the edge's work for an API operation: take the validated request, send it as one bus request to
 * the area named by the operation's {@code x-bus-address}, and write the reply (or the problem) back.
 */
final class BusForwarder implements Handler<RoutingContext> {

  /** Set on the routing context by authentication; null means an anonymous caller. */
  static final String CALLER = "bookwell.caller";

  private final EventBus bus;
  private final String address;
  private final String operationId;
  private final DeliveryOptions delivery;

  private final boolean rawBody;
  private final ClientAddresses clients;
  /** Null unless answers are checked against the contract (the test suite). */
  private final ResponseContract responses;
  /** The path parameter naming the aggregate a GET may wait on ({@code x-wait-on}); null when it may not. */
  private final String waitOn;
  private final ChangeWaits changes;

  /** {@code rawBody}: the body travels as the exact text received (webhooks sign the raw bytes). */
  BusForwarder(EventBus bus, String address, String operationId, Duration timeout, boolean rawBody,
               ClientAddresses clients, ResponseContract responses, String waitOn, ChangeWaits changes) {
    this.responses = responses;
    this.waitOn = waitOn;
    this.changes = changes;
    this.rawBody = rawBody;
    this.clients = clients;
    this.bus = bus;
    this.address = address;
    this.operationId = operationId;
    // local only: the request carries its caller for the area to trust, so it never goes to another cluster member
    this.delivery = new DeliveryOptions().setSendTimeout(timeout.toMillis()).setLocalOnly(true);
  }

  @Override
  public void handle(RoutingContext ctx) {
    ValidatedRequest validated = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    JsonObject declared = parameters(validated.getHeaders(), true);
    Object body = rawBody ? ctx.body().asString() : validated.getBody() == null ? null : validated.getBody().get();
    var path = parameters(validated.getPathParameters(), false);
    var query = parameters(validated.getQuery(), false);
    // the contract's headers too: vertx-openapi percent-decodes them, so a NUL can arrive as %00
    for (var part : new Object[][] {{"header", declared}, {"path", path}, {"query", query},
        {"body", rawBody ? null : body}}) {
      String bad = TextRules.badField(part[1], "");
      if (bad != null) {
        ProblemResponses.send(ctx, Problem.invalid((String) part[0], bad.isEmpty() ? "body" : bad, TextRules.WHY));
        return;
      }
    }
    JsonObject headers = declared
        .put("user-agent", ctx.request().getHeader("User-Agent"))
        // as HTTP sends it (W/"..", lists): the contract's header decoding would refuse a weak tag
        .put("if-match", ctx.request().getHeader("If-Match"))
        .put("client-address", clients.of(ctx.request()))
        .put("request-id", AccessLog.requestId(ctx));
    var request = new ApiRequest(operationId, path, query, headers, body, ctx.get(CALLER));
    String ifNoneMatch = ctx.request().getHeader("If-None-Match");
    // "*" names any representation: nothing would end such a wait but time
    int wait = waitOn == null || ifNoneMatch == null || ifNoneMatch.isBlank() || ifNoneMatch.trim().equals("*") ? 0
        : Preferences.waitSeconds(ctx.request().getHeader("Prefer"), ChangeWaits.MAX_SECONDS);
    if (wait > 0) {
      // answered a little before the N seconds, so a client or proxy waiting exactly that long gets its answer
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(wait) - TimeUnit.MILLISECONDS.toNanos(500);
      askUntilChanged(ctx, request, path.getString(waitOn), deadline);
    } else {
      answerNow(ctx, request);
    }
  }

  private void answerNow(RoutingContext ctx, ApiRequest request) {
    ask(ctx, request).onSuccess(answer -> write(ctx, answer)).onFailure(ctx::fail);
  }

  private Future<Answer> ask(RoutingContext ctx, ApiRequest request) {
    return bus.<JsonObject>request(address, request.toJson(), delivery)
        .map(message -> render(ctx, ApiReply.fromJson(message.body())));
  }

  /**
   * Long polling ({@code Prefer: wait=N} with {@code If-None-Match}): asks the area, and while its answer is the
   * representation the client already has, waits for an event about the aggregate (or the deadline) and asks
   * again; then answers as usual (304 if nothing changed in time). The watch starts before each read, so a change
   * committed during the read is not missed. A checkout page waiting for its payment's confirmation asks once or
   * twice instead of every 100 ms.
   */
  private void askUntilChanged(RoutingContext ctx, ApiRequest request, String aggregateId, long deadline) {
    var watch = changes.watch(aggregateId);
    if (watch == null) {  // no room, or the node is draining: answered at once
      answerNow(ctx, request);
      return;
    }
    ctx.addEndHandler(ended -> watch.cancel());  // answered, or the client went away
    ask(ctx, request).onComplete(asked -> {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (asked.succeeded() && left > 0 && unchanged(ctx, asked.result()) && !ctx.response().closed()) {
        // a change: read again; time up with none: the answer in hand stands (304)
        watch.then(left, changed -> {
          if (changed) {
            askUntilChanged(ctx, request, aggregateId, deadline);
          } else {
            write(ctx, asked.result());
          }
        });
        return;
      }
      watch.cancel();
      if (asked.failed()) {
        ctx.fail(asked.cause());
      } else {
        write(ctx, asked.result());
      }
    });
  }

  /** An area's answer as it goes out; a GET's 200 with a body also has its ETag. */
  private record Answer(ApiReply reply, String contentType, Buffer body, String etag) {
  }

  private static boolean unchanged(RoutingContext ctx, Answer answer) {
    return answer.etag() != null && ETags.matches(ctx.request().getHeader("If-None-Match"), answer.etag());
  }

  private static Answer render(RoutingContext ctx, ApiReply reply) {
    Buffer body = null;
    String contentType = reply.headers().getString("Content-Type");
    if (reply.body() instanceof Buffer bytes) {
      body = bytes;  // a file (a PDF), or JSON written straight to bytes by the area (Page.bytes)
      contentType = contentType == null ? "application/json" : contentType;
    } else if (reply.body() instanceof String text && contentType != null) {
      body = Buffer.buffer(text);  // a non-JSON representation, e.g. text/calendar
    } else if (reply.body() != null) {
      body = Json.encodeToBuffer(reply.body());
      contentType = "application/json";
    }
    // A GET's answer carries its ETag (the area's own, when it versions the resource itself); a poller that names
    // it in If-None-Match gets 304 and no body.
    String etag = body == null || ctx.request().method() != HttpMethod.GET || reply.status() != 200 ? null
        : reply.headers().containsKey("ETag") ? reply.headers().getString("ETag") : ETags.of(body);
    return new Answer(reply, contentType, body, etag);
  }

  private void write(RoutingContext ctx, Answer answer) {
    var reply = answer.reply();
    (responses == null ? Future.<Void>succeededFuture()
        : responses.check(operationId, reply.status(), answer.contentType(), answer.body()))
        .onSuccess(x -> {
          var response = ctx.response().setStatusCode(reply.status());
          reply.headers().forEach(h -> response.putHeader(h.getKey(), String.valueOf(h.getValue())));
          if (answer.body() == null) {
            response.end();
          } else if (unchanged(ctx, answer)) {
            response.putHeader("ETag", answer.etag()).setStatusCode(304).end();
          } else {
            if (answer.etag() != null) {
              response.putHeader("ETag", answer.etag());
            }
            response.putHeader("Content-Type", answer.contentType()).end(answer.body());
          }
        })
        .onFailure(ctx::fail);
  }

  /** Header names are case-insensitive, so they travel lower-cased; path and query names as declared. */
  private static JsonObject parameters(Map<String, RequestParameter> parameters, boolean lowerCaseNames) {
    var json = new JsonObject();
    if (parameters != null) {
      parameters.forEach((name, value) -> {
        if (value != null && !value.isNull()) {  // absent parameters stay absent, so defaults apply
          json.put(lowerCaseNames ? name.toLowerCase() : name, value.get());
        }
      });
    }
    return json;
  }
}
