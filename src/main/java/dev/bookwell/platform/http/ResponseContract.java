package dev.bookwell.platform.http;

import dev.bookwell.platform.api.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Response;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableResponse;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds every success answer to the contract before it leaves (on with {@code BOOKWELL_CHECK_RESPONSES=true}, as
 * in the test suite): the status must be one the operation declares, a JSON body must match its schema, and an
 * answer the contract gives no body must have none. A mismatch is answered as a 500 problem naming it, so the test
 * whose traffic caused it fails; problem answers (4xx, 5xx) are left to {@link ProblemResponses}.
 */
final class ResponseContract {

  private static final Logger LOG = LoggerFactory.getLogger(ResponseContract.class);

  private final OpenAPIContract contract;
  private final ResponseValidator validator;
  /** Each operation's responses as published, with every media type (the parsed contract keeps JSON ones only). */
  private final Map<String, JsonObject> published = new HashMap<>();
  private final JsonObject sharedResponses;

  ResponseContract(Vertx vertx, Contract contract) {
    this.contract = contract.parsed();
    this.validator = ResponseValidator.create(vertx, this.contract);
    this.sharedResponses = contract.published().getJsonObject("components", new JsonObject())
        .getJsonObject("responses", new JsonObject());
    contract.published().getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (op.getValue() instanceof JsonObject operation && operation.containsKey("operationId")) {
        published.put(operation.getString("operationId"), operation.getJsonObject("responses", new JsonObject()));
      }
    }));
  }

  /** Succeeds when the answer matches; fails with the problem to send instead. */
  Future<Void> check(String operationId, int status, String contentType, Buffer body) {
    if (status >= 400) {
      return Future.succeededFuture();
    }
    Response declared = contract.operation(operationId).getResponse(status);
    if (declared == null) {
      return violation(operationId, "status " + status + " is not a response the contract declares");
    }
    boolean hasBody = body != null && body.length() > 0;
    String mediaType = contentType == null ? null : contentType.split(";")[0].trim();
    // vertx-openapi models JSON (and a few other) media types only; the raw contract names the rest (text/calendar)
    JsonObject response = published.getOrDefault(operationId, new JsonObject())
        .getJsonObject(String.valueOf(status), new JsonObject());
    if (response.containsKey("$ref")) {  // "#/components/responses/Name"
      String name = response.getString("$ref").substring(response.getString("$ref").lastIndexOf('/') + 1);
      response = sharedResponses.getJsonObject(name, new JsonObject());
    }
    JsonObject content = response.getJsonObject("content", new JsonObject());
    if (content.isEmpty()) {
      return hasBody ? violation(operationId, "status " + status + " has a body the contract does not describe")
          : Future.succeededFuture();
    }
    if (!content.containsKey(mediaType)) {
      return violation(operationId, "content type " + contentType + " is not one the contract declares");
    }
    if (!"application/json".equals(mediaType)) {
      return Future.succeededFuture();
    }
    return validator.validate(ValidatableResponse.create(status, body, mediaType), operationId)
        .<Void>mapEmpty()
        .recover(e -> violation(operationId, e instanceof SchemaValidationException invalid
            && invalid.getOutputUnit() != null ? e.getMessage() + " " + invalid.getOutputUnit().toJson().encode()
            : e.getMessage()));
  }

  private static Future<Void> violation(String operationId, String what) {
    LOG.error("the answer of {} breaks the contract: {}", operationId, what);
    return Future.failedFuture(Problem.of("response-contract-violation", 500, "Answer breaks the contract",
        operationId + ": " + what).toException());
  }
}
