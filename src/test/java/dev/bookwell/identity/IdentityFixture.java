package dev.bookwell.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.support.TestApp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** Accounts and logins over the real HTTP API, for the identity tests. */
public final class IdentityFixture {

  public static final String PASSWORD = "correct horse battery";

  private IdentityFixture() {
  }

  public static String uniqueEmail() {
    return "user-" + UUID.randomUUID() + "@example.org";
  }

  public static UUID register(TestApp app, String email) {
    var response = app.call(HttpMethod.POST, "/v1/auth/register",
        new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Test User"), null);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return UUID.fromString(response.bodyAsJsonObject().getString("id"));
  }

  /** Logs in and returns the token pair. */
  public static JsonObject login(TestApp app, String email, String password) {
    var response = app.call(HttpMethod.POST, "/v1/auth/login",
        new JsonObject().put("email", email).put("password", password), null);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  public static int loginStatus(TestApp app, String email, String password) {
    return app.call(HttpMethod.POST, "/v1/auth/login",
        new JsonObject().put("email", email).put("password", password), null).statusCode();
  }
}
