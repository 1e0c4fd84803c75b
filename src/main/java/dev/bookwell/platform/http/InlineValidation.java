package dev.bookwell.platform.http;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.InputTrustHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.Operation;
import io.vertx.core.json.Json;
import io.vertx.json.schema.common.dsl.SchemaType;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Style;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.ValidatableRequestImpl;
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
    extractor.extractValidatableRequest(ctx, operation).map(this::asText)
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
      var given = in(parameter, request.getCookies(), request.getHeaders(), request.getPathParameters(),
          request.getQuery());
      in(parameter, cookies, headers, path, query).put(parameter.getName(),
          validator.validateParameter(parameter, given.get(parameter.getName())));
    }
    return new ValidatedRequestImpl(cookies, headers, path, query,
        validator.validateBody(operation.getRequestBody(), request));
  }

  /** Of four things, one for each place a parameter can be, the one for where {@code parameter} is. */
  private static <T> T in(Parameter parameter, T cookies, T headers, T path, T query) {
    return switch (parameter.getIn()) {
      case COOKIE -> cookies;
      case HEADER -> headers;
      case PATH -> path;
      case QUERY -> query;
      default -> throw new IllegalStateException("a parameter in " + parameter.getIn());
    };
  }

  /** The request with each string parameter given as its text ({@link #text}), validated inline or on a worker. */
  private ValidatableRequest asText(ValidatableRequest request) {
    Map<String, RequestParameter> cookies = new HashMap<>(request.getCookies());
    Map<String, RequestParameter> headers = new HashMap<>(request.getHeaders());
    Map<String, RequestParameter> path = new HashMap<>(request.getPathParameters());
    Map<String, RequestParameter> query = new HashMap<>(request.getQuery());
    for (Parameter parameter : operation.getParameters()) {
      in(parameter, cookies, headers, path, query).computeIfPresent(parameter.getName(),
          (name, raw) -> text(parameter, raw));
    }
    return new ValidatableRequestImpl(cookies, headers, path, query, request.getBody(), request.getContentType());
  }

  /**
   * A string parameter's value is its text. vertx-openapi 5.0 reads every parameter as JSON first and takes it as
   * text only when that fails, so a string-typed value that happens to be JSON changed meaning: {@code 1.5} or
   * {@code [1]} became a number or an array and was refused as not a string (a course search for "1.5" was a 400),
   * and {@code "x"} lost its quotes. It also threw two exceptions for every value that is not a single word, each
   * UUID in a path, each Stripe-Signature, each booking token: about three a purchase. Handed the text as a JSON
   * string, the transformer reads it back as exactly that text, in one parse (later versions of vertx-openapi skip
   * the parse for strings). Only the simple and form styles, whose primitive values the transformer reads as a
   * whole; label and matrix values carry a prefix it strips first.
   */
  static RequestParameter text(Parameter parameter, RequestParameter raw) {
    boolean whole = parameter.getStyle() == Style.SIMPLE || parameter.getStyle() == Style.FORM;
    return whole && parameter.getSchemaType() == SchemaType.STRING && raw.get() instanceof String value
        ? new RequestParameterImpl(Json.encode(value)) : raw;
  }
}
