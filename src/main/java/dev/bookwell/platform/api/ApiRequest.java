package dev.bookwell.platform.api;

import io.vertx.core.json.JsonObject;

/**
 * What the HTTP edge sends an area over the bus for one validated API call. JSON all the way, so an area can
 * live in another process. {@code caller} is null for anonymous calls (identity fills it in from the token).
 */
public record ApiRequest(String operationId, JsonObject path, JsonObject query, JsonObject headers, Object body,
                         JsonObject caller) {

  public JsonObject toJson() {
    return new JsonObject().put("operationId", operationId).put("path", path).put("query", query)
        .put("headers", headers).put("body", body).put("caller", caller);
  }

  public static ApiRequest fromJson(JsonObject json) {
    return new ApiRequest(json.getString("operationId"), json.getJsonObject("path", new JsonObject()),
        json.getJsonObject("query", new JsonObject()), json.getJsonObject("headers", new JsonObject()),
        json.getValue("body"), json.getJsonObject("caller"));
  }

  /** The authenticated caller, or null for an anonymous request. */
  public Caller callerOrNull() {
    return Caller.fromJson(caller);
  }

  /** The authenticated caller; the contract guarantees one on operations that declare security. */
  public Caller requireCaller() {
    Caller who = callerOrNull();
    if (who == null) {
      throw Problem.unauthenticated().toException();
    }
    return who;
  }

  public JsonObject bodyObject() {
    return body instanceof JsonObject object ? object : new JsonObject();
  }
}
