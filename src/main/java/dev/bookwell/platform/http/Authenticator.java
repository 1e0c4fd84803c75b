package dev.bookwell.platform.http;

import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/**
 * Establishes the caller from {@code Authorization: Bearer <access token>}. No header: the request goes on as
 * anonymous (operations that need a caller refuse it later). A header that does not verify: 401, whatever the
 * operation, so a client learns at once that its token is bad.
 */
final class Authenticator implements Handler<RoutingContext> {

  private final java.util.function.Supplier<JWTAuth> verifier;

  Authenticator(java.util.function.Supplier<JWTAuth> verifier) {
    this.verifier = verifier;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null) {
      ctx.next();
      return;
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() < 8) {
      reject(ctx);
      return;
    }
    verifier.get().authenticate(new TokenCredentials(header.substring(7).trim()))
        .onSuccess(user -> {
          Caller caller = toCaller(user);
          if (caller == null) {
            reject(ctx);
          } else {
            ctx.put(BusForwarder.CALLER, caller.toJson());
            ctx.next();
          }
        })
        .onFailure(e -> reject(ctx));
  }

  /** Null unless the token is an access token with a subject and an expiry (a token without exp never expires). */
  private static Caller toCaller(User user) {
    var claims = user.principal();
    if (!user.attributes().containsKey("exp") || !"access".equals(claims.getString("typ"))) {
      return null;
    }
    try {
      var roles = claims.getJsonArray("roles", new JsonArray()).stream().map(String::valueOf).toList();
      String sid = claims.getString("sid");
      return new Caller(UUID.fromString(user.subject()), roles, sid == null ? null : UUID.fromString(sid));
    } catch (RuntimeException malformed) {
      return null;
    }
  }

  private static void reject(RoutingContext ctx) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    ProblemResponses.send(ctx, Problem.of("invalid-token", 401, "Invalid token",
        "The access token is malformed, expired, not yet valid, or not ours."));
  }
}
