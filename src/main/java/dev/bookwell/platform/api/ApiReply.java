package dev.bookwell.platform.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * An area's successful answer to an {@link ApiRequest}: the HTTP status, the body (JSON, or for a GET JSON already
 * written to a {@link Buffer}, see {@link Page#bytes}) and any extra headers.
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
   * A body written straight to bytes ({@code Page#bytes}) stays a {@link Buffer}: {@code getValue} would hand it
   * over as base64 text.
   */
  public static ApiReply fromJson(JsonObject json) {
    Object body = json.getMap().get("body") instanceof Buffer bytes ? bytes : json.getValue("body");
    return new ApiReply(json.getInteger("status"), body, json.getJsonObject("headers", new JsonObject()));
  }
}
