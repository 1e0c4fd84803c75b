package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP edge over real HTTP: platform endpoints, forwarding to an area over the bus, and a problem+json
 * answer with a stable type for every kind of failure, never a 500 for a client's mistake.
 */
class HttpEdgeTest {

  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start("test-openapi.yaml", Map.of());
    // A stand-in area: creates widgets, refuses the name "taken", and crashes on the name "boom".
    ApiConsumer.register(app.vertx.eventBus(), "test.widgets", request -> {
      if (request.operationId().equals("getWidget")) {
        return Future.succeededFuture(ApiReply.ok(new JsonObject().put("id", request.path().getString("id"))));
      }
      String name = request.bodyObject().getString("name");
      return switch (name) {
        case "taken" -> Future.failedFuture(
            Problem.of("widget-taken", 409, "Taken", "That name is taken.").toException());
        case "boom" -> throw new IllegalStateException("secret internal detail");
        case "drift" -> Future.succeededFuture(ApiReply.created(new JsonObject().put("name", name)
            .put("surprise", true), "/widgets/1"));  // a field the contract does not describe
        default -> Future.succeededFuture(ApiReply.created(new JsonObject()
            .put("name", name)
            .put("limit", request.query().getValue("limit"))
            .put("idempotencyKey", request.headers().getString("idempotency-key")), "/widgets/1"));
      };
    });
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void anAnswerTheContractDoesNotDescribeNeverLeaves() {
    var drifted = app.call(HttpMethod.POST, "/widgets", new JsonObject().put("name", "drift").put("seats", 1), null);
    assertEquals(500, drifted.statusCode(), drifted.bodyAsString());
    var problem = drifted.bodyAsJsonObject();
    assertTrue(problem.getString("type").endsWith("response-contract-violation"), problem.encode());
    assertTrue(problem.getString("detail").contains("createWidget"), problem.encode());
    assertEquals(201, app.call(HttpMethod.POST, "/widgets", new JsonObject().put("name", "fine").put("seats", 1), null)
        .statusCode(), "a described answer passes");
  }

  @Test
  void healthAndReadinessAnswer() {
    var health = send(HttpMethod.GET, "/health", null);
    assertEquals(200, health.statusCode());
    assertEquals("up", health.bodyAsJsonObject().getString("status"));
    var ready = send(HttpMethod.GET, "/ready", null);
    assertEquals(200, ready.statusCode());
    assertEquals("ready", ready.bodyAsJsonObject().getString("status"));
  }

  @Test
  void servesTheContractAndMetrics() {
    var contract = send(HttpMethod.GET, "/openapi.yaml", null);
    assertEquals(200, contract.statusCode());
    assertTrue(contract.bodyAsString().contains("operationId: createWidget"));
    assertTrue(contract.bodyAsString().contains("application/problem+json"), "the published contract is whole");

    send(HttpMethod.GET, "/ready", null);
    var metrics = send(HttpMethod.GET, "/metrics", null);
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.bodyAsString().contains("vertx_http_server_requests_total"), "HTTP metrics");
    assertTrue(metrics.bodyAsString().contains("vertx_pool_"), "database pool metrics");
    assertTrue(metrics.bodyAsString().contains("vertx_eventbus_"), "event bus metrics");
  }

  @Test
  void forwardsValidatedRequestsToTheAreaAndWritesItsReply() {
    var response = send(HttpMethod.POST, "/widgets?limit=5", Buffer.buffer("{\"name\":\"lamp\",\"seats\":2}"),
        Map.of("Idempotency-Key", "k-1"));
    assertEquals(201, response.statusCode(), response.bodyAsString());
    assertEquals("/widgets/1", response.getHeader("Location"));
    assertEquals(new JsonObject().put("name", "lamp").put("limit", 5).put("idempotencyKey", "k-1"),
        response.bodyAsJsonObject());
  }

  @Test
  void unknownRouteIs404Problem() {
    assertProblem(send(HttpMethod.GET, "/no/such/thing", null), 404, "not-found");
  }

  @Test
  void wrongMethodIs405ProblemWithAllow() {
    var response = send(HttpMethod.DELETE, "/health", null);
    assertProblem(response, 405, "method-not-allowed");
    assertEquals("GET", response.getHeader("Allow"));
  }

  @Test
  void malformedJsonIs400Problem() {
    assertProblem(send(HttpMethod.POST, "/widgets", Buffer.buffer("{\"name\": \"lamp\",")), 400, "malformed-json");
  }

  @Test
  void bodyOverOneMebibyteIs413Problem() {
    String big = "{\"name\":\"" + "x".repeat(1024 * 1024) + "\",\"seats\":1}";
    assertProblem(send(HttpMethod.POST, "/widgets", Buffer.buffer(big)), 413, "payload-too-large");
  }

  @Test
  void schemaViolationsNameTheField() {
    var missing = send(HttpMethod.POST, "/widgets", Buffer.buffer("{\"seats\":1}"));
    assertProblem(missing, 400, "validation");
    assertEquals(new JsonObject().put("in", "body").put("field", "name").put("message", "is required"),
        errors(missing).getJsonObject(0));

    var tooFew = send(HttpMethod.POST, "/widgets", Buffer.buffer("{\"name\":\"lamp\",\"seats\":0}"));
    assertProblem(tooFew, 400, "validation");
    assertEquals("seats", errors(tooFew).getJsonObject(0).getString("field"));

    var nested = send(HttpMethod.POST, "/widgets", Buffer.buffer("{\"name\":\"lamp\",\"seats\":1,\"guest\":{}}"));
    assertProblem(nested, 400, "validation");
    assertEquals("guest.email", errors(nested).getJsonObject(0).getString("field"));
  }

  /** A body over InlineValidation's limit is validated on a worker instead of the event loop, with the same answers. */
  @Test
  void largeBodiesAreJudgedAsSmallOnesAre() {
    String name = "lamp ".repeat(InlineValidation.INLINE_BODY_BYTES / 5 + 100);
    var invalid = send(HttpMethod.POST, "/widgets?limit=2", Buffer.buffer(new JsonObject().put("name", name)
        .put("seats", 0).encode()));
    assertProblem(invalid, 400, "validation");
    assertEquals("seats", errors(invalid).getJsonObject(0).getString("field"));
    var badQuery = send(HttpMethod.POST, "/widgets?limit=0", Buffer.buffer(new JsonObject().put("name", name)
        .put("seats", 1).encode()));
    assertProblem(badQuery, 400, "validation");
    assertEquals("query", errors(badQuery).getJsonObject(0).getString("in"));
    var valid = send(HttpMethod.POST, "/widgets?limit=2", Buffer.buffer(new JsonObject().put("name", name)
        .put("seats", 1).encode()));
    assertEquals(201, valid.statusCode(), valid.bodyAsString());
  }

  @Test
  void reusedValidatorsJudgeEachOfManyConcurrentRequestsOnItsOwn() {
    var answers = new java.util.ArrayList<Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < 40; i++) {
      String body = i % 2 == 0 ? "{\"name\":\"lamp\",\"seats\":" + (i + 1) + "}" : "{\"name\":\"lamp\",\"seats\":0}";
      answers.add(app.client.post("/widgets?limit=" + (i % 2 == 0 ? "5" : "0"))
          .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body)));
    }
    Wait.on(Future.join(answers));
    for (int i = 0; i < answers.size(); i++) {
      assertEquals(i % 2 == 0 ? 201 : 400, answers.get(i).result().statusCode(), "request " + i);
    }
  }

  @Test
  void invalidParametersNameTheParameter() {
    var query = send(HttpMethod.POST, "/widgets?limit=abc", Buffer.buffer("{\"name\":\"lamp\",\"seats\":1}"));
    assertProblem(query, 400, "validation");
    assertEquals("query", errors(query).getJsonObject(0).getString("in"));
    assertEquals("limit", errors(query).getJsonObject(0).getString("field"));

    var path = send(HttpMethod.GET, "/widgets/not-a-uuid", null);
    assertProblem(path, 400, "validation");
    assertEquals("id", errors(path).getJsonObject(0).getString("field"));
  }

  @Test
  void missingBodyIs400Problem() {
    var response = send(HttpMethod.POST, "/widgets", null);
    assertProblem(response, 400, "validation");
    assertEquals("body", errors(response).getJsonObject(0).getString("in"));
  }

  @Test
  void wrongContentTypeIs415Problem() {
    var request = app.client.request(HttpMethod.POST, "/widgets").putHeader("Content-Type", "text/plain");
    assertProblem(Wait.on(request.sendBuffer(Buffer.buffer("name=lamp"))), 415, "unsupported-media-type");
  }

  @Test
  void areaProblemsPassThroughUnchanged() {
    var response = send(HttpMethod.POST, "/widgets", Buffer.buffer("{\"name\":\"taken\",\"seats\":1}"));
    assertProblem(response, 409, "widget-taken");
    assertEquals("That name is taken.", response.bodyAsJsonObject().getString("detail"));
  }

  @Test
  void unexpectedAreaFailureIsA500WithoutInternals() {
    var response = send(HttpMethod.POST, "/widgets", Buffer.buffer("{\"name\":\"boom\",\"seats\":1}"));
    assertProblem(response, 500, "internal");
    assertFalse(response.bodyAsString().contains("secret"), "no internals leak");
    assertFalse(response.bodyAsString().contains("Exception"), "no stack trace");
  }

  @Test
  void areaThatIsNotRunningIs503Problem() {
    assertProblem(send(HttpMethod.GET, "/nobody-home", null), 503, "area-unavailable");
  }

  private static JsonArray errors(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonArray("errors");
  }

  private static void assertProblem(HttpResponse<Buffer> response, int status, String slug) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertEquals(Problem.MEDIA_TYPE, response.getHeader("Content-Type"));
    JsonObject body = response.bodyAsJsonObject();
    assertEquals(Problem.TYPE_BASE + slug, body.getString("type"), body.encode());
    assertEquals(status, body.getInteger("status"));
  }

  private static HttpResponse<Buffer> send(HttpMethod method, String uri, Buffer body) {
    return send(method, uri, body, Map.of());
  }

  private static HttpResponse<Buffer> send(HttpMethod method, String uri, Buffer body, Map<String, String> headers) {
    var request = app.client.request(method, uri);
    headers.forEach(request::putHeader);
    if (body == null) {
      return Wait.on(request.send());
    }
    request.putHeader("Content-Type", "application/json");
    return Wait.on(request.sendBuffer(body));
  }
}
