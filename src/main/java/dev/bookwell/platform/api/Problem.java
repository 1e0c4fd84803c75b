package dev.bookwell.platform.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * An RFC 9457 problem: what every error looks like to a client, and how areas report failures over the bus.
 * {@code type} is stable (clients switch on it); {@code errors} names the fields at fault.
 */
public record Problem(String type, String title, int status, String detail, List<FieldError> errors,
                      Integer retryAfter) {

  public static final String TYPE_BASE = "https://bookwell.dev/problems/";
  public static final String MEDIA_TYPE = "application/problem+json";

  /**
   * One field at fault: where it is ({@code body}, {@code query}, {@code path}, {@code header}), its name
   * (dotted for nested body fields, e.g. {@code guest.email}) and why it was refused.
   */
  public record FieldError(String in, String field, String message) {
  }

  public Problem {
    errors = errors == null ? List.of() : List.copyOf(errors);
  }

  public Problem(String type, String title, int status, String detail, List<FieldError> errors) {
    this(type, title, status, detail, errors, null);
  }

  /** The same problem, telling the client to come back after {@code seconds} (sent as Retry-After). */
  public Problem retryAfter(int seconds) {
    return new Problem(type, title, status, detail, errors, seconds);
  }

  /** 429: a per-client limit is reached; the client may try again after {@code seconds}. */
  public static Problem tooManyRequests(String detail, int seconds) {
    return of("too-many-requests", 429, "Too many requests", detail).retryAfter(seconds);
  }

  /** 503: the service is overloaded right now; nothing was done, and a retry shortly may succeed. */
  public static Problem overloaded(String detail) {
    return of("overloaded", 503, "Service busy", detail).retryAfter(1);
  }

  /** 503: PostgreSQL cannot be reached (restarting, failing over); retry in a few seconds, idempotently. */
  public static Problem databaseUnavailable() {
    return of("database-unavailable", 503, "Database unavailable", "The database cannot be reached right now. "
        + "Retry in a few seconds with the same Idempotency-Key: a change cut off by the outage may or may not "
        + "have been made.").retryAfter(5);
  }

  /** A problem whose type is {@code TYPE_BASE + slug}, e.g. {@code of("slot-unavailable", 409, ...)}. */
  public static Problem of(String slug, int status, String title, String detail) {
    return new Problem(TYPE_BASE + slug, title, status, detail, List.of());
  }

  public static Problem notFound(String detail) {
    return of("not-found", 404, "Not found", detail);
  }

  /**
   * 404 for an id in the body that is not the organization's own (a venue, service, provider): answered as if it
   * did not exist, so nobody learns about another organization's ids, with the field named.
   */
  public static Problem notOurs(String field, Object ids) {
    return new Problem(TYPE_BASE + "not-found", "Not found", 404, field + " " + ids
        + " is not this organization's.", List.of(new FieldError("body", field, "is not this organization's")));
  }

  public static Problem validation(String detail, List<FieldError> errors) {
    return new Problem(TYPE_BASE + "validation", "The request is not valid", 400, detail, errors);
  }

  /** A 400 naming the one field at fault, e.g. {@code invalid("query", "cursor", "is not a cursor ...")}. */
  public static Problem invalid(String in, String field, String message) {
    return validation("The request is not valid: " + field + " " + message + ".",
        List.of(new FieldError(in, field, message)));
  }

  public static Problem unauthenticated() {
    return of("unauthenticated", 401, "Authentication required", "Send a valid access token as 'Authorization: Bearer <token>'.");
  }

  public static Problem forbidden(String detail) {
    return of("forbidden", 403, "Forbidden", detail);
  }

  public static Problem internal() {
    return of("internal", 500, "Internal error", "Something went wrong on our side; it has been logged.");
  }

  public ProblemException toException() {
    return new ProblemException(this);
  }

  public JsonObject toJson() {
    var json = new JsonObject().put("type", type).put("title", title).put("status", status);
    if (detail != null) {
      json.put("detail", detail);
    }
    if (retryAfter != null) {
      json.put("retryAfter", retryAfter);
    }
    if (!errors.isEmpty()) {
      var list = new JsonArray();
      errors.forEach(e -> list.add(
          new JsonObject().put("in", e.in()).put("field", e.field()).put("message", e.message())));
      json.put("errors", list);
    }
    return json;
  }

  public static Problem fromJson(JsonObject json) {
    var errors = json.getJsonArray("errors", new JsonArray()).stream()
        .map(JsonObject.class::cast)
        .map(e -> new FieldError(e.getString("in"), e.getString("field"), e.getString("message")))
        .toList();
    return new Problem(json.getString("type"), json.getString("title"), json.getInteger("status"),
        json.getString("detail"), errors, json.getInteger("retryAfter"));
  }
}
