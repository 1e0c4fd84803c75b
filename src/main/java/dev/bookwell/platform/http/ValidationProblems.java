package dev.bookwell.platform.http;

import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.Problem.FieldError;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns an OpenAPI validation failure into a 400 problem that names each field at fault. */
final class ValidationProblems {

  // vertx-openapi names the parameter only in its message, e.g. "The value of query parameter limit is invalid."
  private static final Pattern PARAMETER = Pattern.compile("(path|query|header|cookie) parameter (\\S+?)[.\\s]");
  private static final Pattern REQUIRED_PROPERTY = Pattern.compile("required property \"?([^\"\\s]+)\"?");

  private ValidationProblems() {
  }

  static Problem from(ValidatorException e) {
    String message = e.getMessage();
    if (e.type() == ValidatorErrorType.ILLEGAL_VALUE && message.contains("body can't be decoded")) {
      return Problem.of("malformed-json", 400, "The body is not valid JSON", "The request body could not be parsed "
          + "as JSON.");
    }
    if (e.type() == ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT && message.contains("body is not supported")) {
      return Problem.of("unsupported-media-type", 415, "Unsupported media type", "Send the body as application/json.");
    }
    Matcher parameter = PARAMETER.matcher(message);
    if (parameter.find()) {
      String reason = e instanceof SchemaValidationException schema ? firstReason(schema.getOutputUnit()) : message;
      return Problem.validation("Parameter " + parameter.group(2) + " is not valid.",
          List.of(new FieldError(parameter.group(1), parameter.group(2), reason)));
    }
    if (e instanceof SchemaValidationException schema) {
      List<FieldError> errors = bodyErrors(schema.getOutputUnit());
      return Problem.validation("The request body does not match the schema.", errors);
    }
    if (e.type() == ValidatorErrorType.MISSING_REQUIRED_PARAMETER) {
      return Problem.validation("The request body is missing.",
          List.of(new FieldError("body", "", "a JSON body is required")));
    }
    return Problem.validation(message, List.of());
  }

  /** The leaf errors of a schema validation, one per field (the first reason wins). */
  private static List<FieldError> bodyErrors(OutputUnit root) {
    var byField = new LinkedHashMap<String, String>();
    for (OutputUnit unit : leaves(root)) {
      String field = fieldName(unit.getInstanceLocation());
      Matcher required = REQUIRED_PROPERTY.matcher(String.valueOf(unit.getError()));
      if (required.find()) {
        field = field.isEmpty() ? required.group(1) : field + "." + required.group(1);
        byField.putIfAbsent(field, "is required");
      } else {
        byField.putIfAbsent(field, unit.getError());
      }
    }
    // The schema reports a failing object and the failing field inside it; keep only the innermost.
    var errors = new ArrayList<FieldError>();
    byField.forEach((field, reason) -> {
      boolean enclosesAnother = byField.keySet().stream()
          .anyMatch(other -> !other.equals(field) && (field.isEmpty() || other.startsWith(field + ".")));
      if (!enclosesAnother) {
        errors.add(new FieldError("body", field, reason));
      }
    });
    return errors;
  }

  private static List<OutputUnit> leaves(OutputUnit unit) {
    var result = new ArrayList<OutputUnit>();
    if (unit.getErrors() == null || unit.getErrors().isEmpty()) {
      if (unit.getError() != null) {
        result.add(unit);
      }
      return result;
    }
    unit.getErrors().forEach(child -> result.addAll(leaves(child)));
    return result;
  }

  private static String firstReason(OutputUnit unit) {
    return leaves(unit).stream().map(OutputUnit::getError).findFirst().orElse("is not valid");
  }

  /** "#/guest/email" or "/guest/email" becomes "guest.email"; the document root becomes "". */
  private static String fieldName(String instanceLocation) {
    if (instanceLocation == null) {
      return "";
    }
    String pointer = instanceLocation.startsWith("#") ? instanceLocation.substring(1) : instanceLocation;
    var parts = new ArrayList<String>();
    for (String part : pointer.split("/")) {
      if (!part.isEmpty()) {
        parts.add(part.replace("~1", "/").replace("~0", "~"));
      }
    }
    return String.join(".", parts);
  }
}
