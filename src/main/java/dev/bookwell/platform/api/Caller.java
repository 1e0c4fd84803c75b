package dev.bookwell.platform.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;

/**
 * Who is calling, as the edge established it from a verified access token. Travels on every bus request, so
 * areas never parse tokens. Platform roles are {@code client}, {@code provider} and {@code admin}.
 */
public record Caller(UUID userId, List<String> roles, UUID sessionId) {

  public boolean isAdmin() {
    return roles.contains("admin");
  }

  public JsonObject toJson() {
    return new JsonObject().put("userId", userId.toString()).put("roles", new JsonArray(roles))
        .put("sessionId", sessionId == null ? null : sessionId.toString());
  }

  /** Null when the request was anonymous. */
  public static Caller fromJson(JsonObject json) {
    if (json == null) {
      return null;
    }
    String session = json.getString("sessionId");
    return new Caller(UUID.fromString(json.getString("userId")),
        json.getJsonArray("roles", new JsonArray()).stream().map(String::valueOf).toList(),
        session == null ? null : UUID.fromString(session));
  }
}
