package dev.bookwell.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.platform.auth.Jwt;
import dev.bookwell.platform.auth.JwtKeys;
import dev.bookwell.support.TestApp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The edge accepts only our ES256 access tokens, unexpired, already valid, for our issuer and audience. */
class TokenVerificationTest {

  static TestApp app;
  static UUID userId;
  static JWTAuth ours;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    String email = IdentityFixture.uniqueEmail();
    userId = IdentityFixture.register(app, email);
    ours = Jwt.signer(app.vertx, TestApp.KEYS, app.config.identity()).get();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aWellFormedTokenOfOursIsAccepted() {
    assertEquals(200, status(sign(ours, claims(), options().setExpiresInSeconds(60))));
  }

  @Test
  void noneAlgorithmIsRejected() {
    String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    String payload = b64(claims().put("sub", userId.toString()).put("iss", "bookwell").put("aud", "bookwell-api")
        .put("exp", now() + 600).encode());
    assertEquals(401, status(header + "." + payload + "."));
    assertEquals(401, status(header + "." + payload));
  }

  @Test
  void anotherKeyIsRejected() {
    JWTAuth stranger = Jwt.signer(app.vertx, JwtKeys.generate(), app.config.identity()).get();
    assertEquals(401, status(sign(stranger, claims(), options().setExpiresInSeconds(60))));
    // a foreign key under our key's id, and under none: the signature decides, never the header
    String ourKid = TestApp.KEYS.ring().signing().kid();
    JWTAuth posing = JWTAuth.create(app.vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("ES256").setId(ourKid).setBuffer(JwtKeys.generate().ring().signing().privatePem())));
    assertEquals(401, status(sign(posing, claims(), options().setExpiresInSeconds(60))));
    JWTAuth anonymous = JWTAuth.create(app.vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("ES256").setBuffer(JwtKeys.generate().ring().signing().privatePem())));
    assertEquals(401, status(sign(anonymous, claims(), options().setExpiresInSeconds(60))));
    assertEquals(200, status(sign(ours, claims(), options().setExpiresInSeconds(60))), "ours passes");
  }

  @Test
  void hmacSignedWithOurPublicKeyIsRejected() {
    JWTAuth confused = JWTAuth.create(app.vertx, new JWTAuthOptions().addPubSecKey(
        new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestApp.KEYS.ring().signing().publicPem())));
    assertEquals(401, status(sign(confused, claims(), options().setAlgorithm("HS256").setExpiresInSeconds(60))));
  }

  @Test
  void expiredIsRejected() {
    assertEquals(401, status(sign(ours, claims().put("exp", now() - 60).put("iat", now() - 120), options())));
  }

  @Test
  void notYetValidIsRejected() {
    assertEquals(401, status(sign(ours, claims().put("nbf", now() + 300), options().setExpiresInSeconds(600))));
  }

  @Test
  void withoutExpiryIsRejected() {
    assertEquals(401, status(sign(ours, claims(), options())));
  }

  @Test
  void wrongIssuerIsRejected() {
    assertEquals(401, status(sign(ours, claims(), options().setIssuer("evil").setExpiresInSeconds(60))));
  }

  @Test
  void wrongAudienceIsRejected() {
    assertEquals(401, status(sign(ours, claims(), options().setAudience(List.of("other")).setExpiresInSeconds(60))));
  }

  @Test
  void tamperedPayloadIsRejected() {
    String token = sign(ours, claims(), options().setExpiresInSeconds(60));
    String[] parts = token.split("\\.");
    String forged = b64(claims().put("roles", new JsonArray().add("admin")).put("sub", userId.toString())
        .put("exp", now() + 60).encode());
    assertEquals(401, status(parts[0] + "." + forged + "." + parts[2]));
  }

  @Test
  void garbageAndWrongSchemeAreRejected() {
    assertEquals(401, status("not.a.token"));
    var basic = app.client.get("/v1/me").putHeader("Authorization", "Basic dXNlcjpwYXNz").send();
    assertEquals(401, dev.bookwell.support.Wait.on(basic).statusCode());
  }

  @Test
  void aBadTokenIsRefusedEvenWhereNoTokenIsNeeded() {
    var response = dev.bookwell.support.Wait.on(app.client.get("/health").send());
    assertEquals(200, response.statusCode());
    var withBad = app.call(HttpMethod.POST, "/v1/auth/password-reset",
        new JsonObject().put("email", "x@example.org"), "not.a.token");
    assertEquals(401, withBad.statusCode());
  }

  private static JsonObject claims() {
    return new JsonObject().put("typ", "access").put("roles", new JsonArray().add("client"))
        .put("sid", UUID.randomUUID().toString());
  }

  private static JWTOptions options() {
    return Jwt.options(app.config.identity()).setSubject(userId.toString());
  }

  private static String sign(JWTAuth signer, JsonObject claims, JWTOptions options) {
    return signer.generateToken(claims, options);
  }

  private static int status(String token) {
    return app.call(HttpMethod.GET, "/v1/me", null, token).statusCode();
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
