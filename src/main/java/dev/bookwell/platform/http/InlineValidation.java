package dev.bookwell.platform.http;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.InputTrustHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import io.vertx.openapi.validation.impl.ValidatedRequestImpl;
import java.util.HashMap;
import java.util.Map;

/**
 * Validates a request against its operation, as vertx-openapi's router does, but on the event loop that has the
 * request when its body is small. vertx-openapi validates every request in {@code executeBlocking}: in the spread
 * benchmark's profile the validation itself was 6 % of the service's CPU, plus the hop to a worker and back (a
 * task queued and a selector woken, each way). A large body (up to the body limit) still goes to a worker, so that
 * no request holds an event loop for long.
 */
final class InlineValidation implements InputTrustHandler {

  /**
   * Bodies up to this size are validated inline. A hold's body is about 200 bytes, and no operation's usual body
   * comes near it; the bound keeps the worst body any caller (signed in or not: validation comes before the
   * caller check) can send to an event loop, say an array of a thousand wrong items with an error each, to a
   * millisecond or two.
   */
  static final int INLINE_BODY_BYTES = 4 * 1024;

  private final RequestValidatorImpl validator;
  private final RequestExtractor extractor;
  private final Operation operation;

  InlineValidation(RequestValidatorImpl validator, RequestExtractor extractor, Operation operation) {
    this.validator = validator;
    this.extractor = extractor;
    this.operation = operation;
  }

  @Override
  public void handle(RoutingContext ctx) {
    boolean inline = ctx.body().length() <= INLINE_BODY_BYTES;  // -1 without a body
    extractor.extractValidatableRequest(ctx, operation)
        .compose(request -> inline ? Future.succeededFuture(validated(request))
            : validator.validate(request, operation.getOperationId()))
        .onSuccess(validated -> {
          ctx.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, validated);
          ctx.next();
        })
        .onFailure(failure -> ctx.fail(failure instanceof ValidatorException invalid  // as vertx-openapi's router
            ? new HttpException(400, invalid.getMessage(), invalid) : failure));
  }

  /** What {@link RequestValidatorImpl#validate(ValidatableRequest, String)} does on its worker; throws as it fails. */
  private ValidatedRequest validated(ValidatableRequest request) {
    Map<String, RequestParameter> cookies = new HashMap<>();
    Map<String, RequestParameter> headers = new HashMap<>();
    Map<String, RequestParameter> path = new HashMap<>();
    Map<String, RequestParameter> query = new HashMap<>();
    for (Parameter parameter : operation.getParameters()) {
      String name = parameter.getName();
      switch (parameter.getIn()) {
        case COOKIE -> cookies.put(name, validator.validateParameter(parameter, request.getCookies().get(name)));
        case HEADER -> headers.put(name, validator.validateParameter(parameter, request.getHeaders().get(name)));
        case PATH -> path.put(name, validator.validateParameter(parameter, request.getPathParameters().get(name)));
        case QUERY -> query.put(name, validator.validateParameter(parameter, request.getQuery().get(name)));
        default -> throw new IllegalStateException("a parameter in " + parameter.getIn());
      }
    }
    return new ValidatedRequestImpl(cookies, headers, path, query,
        validator.validateBody(operation.getRequestBody(), request));
  }
}
