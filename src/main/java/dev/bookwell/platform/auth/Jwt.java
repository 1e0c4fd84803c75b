package dev.bookwell.platform.auth;

import dev.bookwell.platform.config.Config;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;
import java.util.function.Supplier;

/**
 * JWT providers with the algorithm pinned to ES256: only the ES256 key is registered, so tokens with
 * {@code alg: none}, HS256 (key confusion) or any other algorithm find no key and fail.
 */
public final class Jwt {

  private Jwt() {
  }

  /**
   * Verifies signature, issuer, audience, exp, nbf and iat (no leeway beyond a few seconds of clock skew), with
   * every key that may have signed a token alive now; a token names its key ({@code kid}).
   */
  public static Supplier<JWTAuth> verifier(Vertx vertx, JwtKeys keys, Config.Identity identity) {
    return keys.derived(ring -> {
      var options = new JWTAuthOptions().setJWTOptions(options(identity).setLeeway(5));
      ring.verifying().forEach(key -> options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(JwtKeys.ALGORITHM)
          .setId(key.kid()).setBuffer(key.publicPem())));
      return JWTAuth.create(vertx, options);
    });
  }

  /** Signs access tokens with the current signing key, its id in the header; used by the identity area only. */
  public static Supplier<JWTAuth> signer(Vertx vertx, JwtKeys keys, Config.Identity identity) {
    return keys.derived(ring -> JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(JwtKeys.ALGORITHM).setId(ring.signing().kid())
            .setBuffer(ring.signing().privatePem()))
        .setJWTOptions(options(identity))));
  }

  public static JWTOptions options(Config.Identity identity) {
    return new JWTOptions()
        .setAlgorithm(JwtKeys.ALGORITHM)
        .setIssuer(identity.jwtIssuer())
        .setAudience(List.of(identity.jwtAudience()));
  }
}
