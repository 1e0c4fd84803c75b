package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Wait;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

/** Inputs found to answer 500 or a bare status: each is now a 4xx problem+json naming what is wrong. */
class BadInputTest extends AppTest {

  @Test
  void malformedPercentEncodingIs400() {
    assertProblem(Wait.on(app.client.get("/v1/slots?limit=%ZZ").send()), 400, "validation");
    assertProblem(Wait.on(app.client.get("/v1/bookings/%ZZ").send()), 400, "validation");
    assertProblem(Wait.on(app.client.get("/v1/providers?specialty=50%").send()), 400, "validation");
  }

  @Test
  void nulCharactersAndUnpairedSurrogatesAre400NamingTheField() {
    var nul = app.call(HttpMethod.POST, "/v1/auth/register", new JsonObject().put("email",
        IdentityFixture.uniqueEmail()).put("password", IdentityFixture.PASSWORD).put("name", "Zero\u0000Cool"), null);
    assertProblem(nul, 400, "validation");
    assertEquals("name", nul.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
    var surrogate = Wait.on(app.client.post("/v1/auth/register").putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{\"email\":\"" + IdentityFixture.uniqueEmail() + "\",\"password\":\""
            + IdentityFixture.PASSWORD + "\",\"name\":\"half \\ud800 pair\"}")));
    assertProblem(surrogate, 400, "validation");
    assertProblem(Wait.on(app.client.get("/v1/providers?specialty=%00").send()), 400, "validation");
    // a header of the contract is percent-decoded by the validator: %00 arrives as a NUL
    var header = Wait.on(app.client.post("/v1/bookings").putHeader("Idempotency-Key", "a%00b")
        .sendJsonObject(new JsonObject().put("slotId", java.util.UUID.randomUUID().toString())
            .put("guest", new JsonObject().put("name", "Nul").put("email", "nul@example.org"))));
    assertProblem(header, 400, "validation");
    assertEquals("idempotency-key", header.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0)
        .getString("field"));
  }

  @Test
  void aStringParameterIsItsTextWhateverItLooksLike() {
    // read as JSON first, these were a number, an array, an object and a bare word: 400, "not a string"
    for (String text : new String[] {"1.5", "-5", "%5B1%5D", "%7B%7D", "%22quoted%22", "null"}) {
      var found = Wait.on(app.client.get("/v1/providers?specialty=" + text).send());
      assertEquals(200, found.statusCode(), text + ": " + found.bodyAsString());
      assertEquals(0, found.bodyAsJsonObject().getJsonArray("items").size(), text);
    }
  }

  @Test
  void aValueTheTableRefusesIs400NotA500() {
    var blank = app.call(HttpMethod.POST, "/v1/auth/register", new JsonObject().put("email",
        IdentityFixture.uniqueEmail()).put("password", IdentityFixture.PASSWORD).put("name", "   "), null);
    assertProblem(blank, 400, "validation");
  }

  @Test
  void anOverlongRequestLineIs414AndOversizedHeadersAre431AsProblems() {
    assertProblem(Wait.on(app.client.get("/v1/slots?x=" + "a".repeat(10_000)).send()), 414, "uri-too-long");
    assertProblem(Wait.on(app.client.get("/v1/slots").putHeader("X-Big", "b".repeat(10_000)).send()), 431,
        "headers-too-large");
  }

  static void assertProblem(HttpResponse<Buffer> response, int status, String slug) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertTrue(String.valueOf(response.getHeader("Content-Type")).startsWith("application/problem+json"),
        String.valueOf(response.getHeader("Content-Type")));
    assertEquals("https://bookwell.dev/problems/" + slug, response.bodyAsJsonObject().getString("type"));
  }
}
