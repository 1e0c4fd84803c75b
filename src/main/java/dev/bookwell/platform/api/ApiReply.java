package dev.bookwell.platform.api;

import io.vertx.core.json.JsonObject;

/** An area's successful answer to an {@link ApiRequest}: the HTTP status, the JSON body and any extra headers. */
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

  public static ApiReply fromJson(JsonObject json) {
    return new ApiReply(json.getInteger("status"), json.getValue("body"),
        json.getJsonObject("headers", new JsonObject()));
  }
}
