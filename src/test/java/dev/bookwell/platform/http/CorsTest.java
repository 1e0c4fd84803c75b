package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.Bookwell;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CORS is off by default, and with BOOKWELL_CORS_ORIGINS answers the listed origins only. */
class CorsTest {

  private static final String ALLOWED = "https://app.example.com";

  @Test
  void listedOriginsMayCallAndOthersMayNot() {
    try (var app = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_CORS_ORIGINS", ALLOWED))) {
      var preflight = Wait.on(app.client.request(HttpMethod.OPTIONS, "/v1/slots").putHeader("Origin", ALLOWED)
          .putHeader("Access-Control-Request-Method", "PATCH")
          .putHeader("Access-Control-Request-Headers", "Authorization, If-Match").send());
      assertTrue(preflight.statusCode() < 300, "preflight answered: " + preflight.statusCode());
      assertEquals(ALLOWED, preflight.getHeader("Access-Control-Allow-Origin"));
      assertTrue(preflight.getHeader("Access-Control-Allow-Headers").toLowerCase().contains("if-match"));

      var simple = Wait.on(app.client.request(HttpMethod.GET, "/health").putHeader("Origin", ALLOWED).send());
      assertEquals(ALLOWED, simple.getHeader("Access-Control-Allow-Origin"));
      var stranger = Wait.on(app.client.request(HttpMethod.GET, "/health")
          .putHeader("Origin", "https://evil.example").send());
      assertNull(stranger.getHeader("Access-Control-Allow-Origin"), "an unlisted origin is not allowed");
    }
  }

  @Test
  void offByDefault() {
    try (var app = TestApp.start()) {
      var simple = Wait.on(app.client.request(HttpMethod.GET, "/health").putHeader("Origin", ALLOWED).send());
      assertEquals(200, simple.statusCode());
      assertNull(simple.getHeader("Access-Control-Allow-Origin"));
    }
  }
}
