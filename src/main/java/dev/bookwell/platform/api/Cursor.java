package dev.bookwell.platform.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque keyset cursors: the sort key of the last item returned. Pages continue after it, so rows inserted
 * meanwhile never shift or repeat what a client has seen.
 */
public record Cursor(String key, String id) {

  public String encode() {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((key + "\n" + id).getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor from a query parameter; a malformed one is 400 naming {@code cursor}. */
  public static Cursor decode(String token) {
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 2);
      if (parts.length != 2) {
        throw new IllegalArgumentException();
      }
      return new Cursor(parts[0], parts[1]);
    } catch (IllegalArgumentException e) {
      throw Problem.invalid("query", "cursor", "is not a cursor returned by this API").toException();
    }
  }
}
