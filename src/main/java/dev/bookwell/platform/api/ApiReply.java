package dev.bookwell.platform.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * An area's successful answer to an {@link ApiRequest}: the HTTP status, the body and any extra headers. The body
 * is JSON, text with its Content-Type header, or for a GET bytes in a {@link Buffer}: a file with its Content-Type,
 * or JSON already written ({@link Page#bytes}).
 */
public record ApiReply(int status, Object body, JsonObject headers) {

  public static ApiReply ok(Object body) {
    return new ApiReply(200, body, new JsonObject());
  }

  public static ApiReply created(Object body, String location) {
    return new ApiReply(201, body, new JsonObject().put("Location", location));
  }

  public static ApiReply noContent() {
    return new ApiReply(204, null, new JsonObject());
  }

  public JsonObject toJson() {
    return new JsonObject().put("status", status).put("body", body).put("headers", headers);
  }

  /**
   * A body of bytes stays a {@link Buffer}: {@code getValue} would hand it over as base64 text.
   */
  public static ApiReply fromJson(JsonObject json) {
    Object body = json.getMap().get("body") instanceof Buffer bytes ? bytes : json.getValue("body");
    return new ApiReply(json.getInteger("status"), body, json.getJsonObject("headers", new JsonObject()));
  }
}
