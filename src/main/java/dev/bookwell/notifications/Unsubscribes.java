package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.EMAIL_UNSUBSCRIBE;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;

/**
 * One-click unsubscribe (RFC 8058) from mail one may leave ({@link Preferences#UNSUBSCRIBABLE}): the link carries
 * the address and category, signed with the server's key, so it works without signing in (guests too) and cannot
 * be forged for someone else's address. POST stops that category's email to that address; GET says what it would
 * stop. Repeating it changes nothing.
 */
final class Unsubscribes {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final Db db;
  private final byte[] key;

  Unsubscribes(Db db, byte[] key) {
    this.db = db;
    this.key = key;
  }

  static String normal(String address) {
    return address.toLowerCase(Locale.ROOT);
  }

  String token(String address, String category) {
    String claim = normal(address) + "\n" + category;
    return B64.encodeToString(claim.getBytes(StandardCharsets.UTF_8)) + "." + B64.encodeToString(sign(claim));
  }

  /** GET /v1/unsubscribe?token= */
  Future<ApiReply> describe(ApiRequest request) {
    String[] claim = verify(request.query().getString("token"));
    return db.fetchOptional(Sql.DSL.selectOne().from(EMAIL_UNSUBSCRIBE).where(EMAIL_UNSUBSCRIBE.ADDRESS.eq(claim[0]))
            .and(EMAIL_UNSUBSCRIBE.CATEGORY.eq(claim[1])))
        .map(found -> ApiReply.ok(json(claim, found.isPresent())));
  }

  /** POST /v1/unsubscribe?token= */
  Future<ApiReply> unsubscribe(ApiRequest request) {
    String[] claim = verify(request.query().getString("token"));
    return db.update(Sql.DSL.insertInto(EMAIL_UNSUBSCRIBE).set(EMAIL_UNSUBSCRIBE.ADDRESS, claim[0])
            .set(EMAIL_UNSUBSCRIBE.CATEGORY, claim[1]).onConflictDoNothing())
        .map(x -> ApiReply.ok(json(claim, true)));
  }

  /** {address, category} of a genuine token; 400 for anything else. */
  private String[] verify(String token) {
    try {
      String[] parts = token.split("\\.", 2);
      String claim = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
      String[] fields = claim.split("\n", 2);
      if (parts.length == 2 && fields.length == 2 && Preferences.UNSUBSCRIBABLE.contains(fields[1])
          && MessageDigest.isEqual(sign(claim), Base64.getUrlDecoder().decode(parts[1]))) {
        return fields;
      }
    } catch (IllegalArgumentException e) {
      // not base64: refused below like any other forgery
    }
    throw Problem.invalid("query", "token", "is not an unsubscribe link of this service").toException();
  }

  private byte[] sign(String claim) {
    return SecretTokens.hmac(key, "unsubscribe\n" + claim);
  }

  /** The address partly masked: the link may have been forwarded. */
  private static JsonObject json(String[] claim, boolean unsubscribed) {
    String address = claim[0];
    int at = address.indexOf('@');
    String masked = at < 0 ? "***" : at <= 1 ? "***" + address.substring(at)
        : address.charAt(0) + "***" + address.substring(at);
    return new JsonObject().put("address", masked).put("category", claim[1]).put("unsubscribed", unsubscribed);
  }
}
