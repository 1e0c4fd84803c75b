package dev.bookwell.identity;

import dev.bookwell.platform.auth.Jwt;
import dev.bookwell.platform.config.Config;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.util.Arrays;
import java.util.UUID;
import dev.bookwell.db.enums.PlatformRole;

/** Signs short-lived ES256 access tokens: subject, platform roles and the session they belong to. */
final class AccessTokens {

  private final java.util.function.Supplier<JWTAuth> signer;
  private final JWTOptions options;
  private final int ttlSeconds;

  AccessTokens(java.util.function.Supplier<JWTAuth> signer, Config.Identity config) {
    this.signer = signer;
    this.ttlSeconds = (int) config.accessTokenTtl().toSeconds();
    this.options = Jwt.options(config).setExpiresInSeconds(ttlSeconds);
  }

  /** The token pair a client gets at login and at every refresh. */
  JsonObject issue(UUID userId, PlatformRole[] roles, UUID sessionId, String refreshToken) {
    var claims = new JsonObject()
        .put("typ", "access")
        .put("roles", new JsonArray(Arrays.stream(roles).map(PlatformRole::getLiteral).toList()))
        .put("sid", sessionId.toString());
    String token = signer.get().generateToken(claims, new JWTOptions(options).setSubject(userId.toString()));
    return new JsonObject()
        .put("accessToken", token)
        .put("tokenType", "Bearer")
        .put("expiresIn", ttlSeconds)
        .put("refreshToken", refreshToken)
        .put("sessionId", sessionId.toString());
  }
}
