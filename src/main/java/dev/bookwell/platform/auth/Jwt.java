package dev.bookwell.platform.auth;

import dev.bookwell.platform.config.Config;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;

/**
 * JWT providers with the algorithm pinned to ES256: only the ES256 key is registered, so tokens with
 * {@code alg: none}, HS256 (key confusion) or any other algorithm find no key and fail.
 */
public final class Jwt {

  private Jwt() {
  }

  /** Verifies signature, issuer, audience, exp, nbf and iat (no leeway beyond a few seconds of clock skew). */
  public static JWTAuth verifier(Vertx vertx, JwtKeys keys, Config.Identity identity) {
    return JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(JwtKeys.ALGORITHM).setBuffer(keys.publicPem()))
        .setJWTOptions(options(identity).setLeeway(5)));
  }

  /** Signs access tokens; used by the identity area only. */
  public static JWTAuth signer(Vertx vertx, JwtKeys keys, Config.Identity identity) {
    return JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(JwtKeys.ALGORITHM).setBuffer(keys.privatePem()))
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(JwtKeys.ALGORITHM).setBuffer(keys.publicPem()))
        .setJWTOptions(options(identity)));
  }

  public static JWTOptions options(Config.Identity identity) {
    return new JWTOptions()
        .setAlgorithm(JwtKeys.ALGORITHM)
        .setIssuer(identity.jwtIssuer())
        .setAudience(List.of(identity.jwtAudience()));
  }
}
