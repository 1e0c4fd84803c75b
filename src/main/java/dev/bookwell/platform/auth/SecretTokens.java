package dev.bookwell.platform.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque secrets handed to clients (refresh tokens, password-reset tokens): 256 random bits, stored only as a
 * SHA-256 digest. A fast digest is enough because the secret itself is random, not chosen by a person.
 */
public final class SecretTokens {

  private static final SecureRandom RANDOM = new SecureRandom();

  private SecretTokens() {
  }

  public static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * A token derived from a server key and the id of the row it opens, e.g. a password reset: the same id always
   * gives the same token, so it can be given again (a replayed request, the notification sender asking by id)
   * without being stored or sent anywhere in clear. Only its digest is stored, as for random tokens.
   */
  public static String derive(byte[] key, String purpose, UUID id) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(key, purpose + ":" + id));
  }

  /** HMAC-SHA256 of {@code message} (UTF-8) under {@code key}. */
  public static byte[] hmac(byte[] key, String message) {
    try {
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The signature header of a body sent to someone else's endpoint: {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of
   * "t.body">}, the scheme Stripe uses, so receivers verify it the same way (and reject old timestamps).
   */
  public static String signatureHeader(byte[] secret, long unixSeconds, String body) {
    return "t=" + unixSeconds + ",v1=" + java.util.HexFormat.of().formatHex(hmac(secret, unixSeconds + "." + body));
  }

  public static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
