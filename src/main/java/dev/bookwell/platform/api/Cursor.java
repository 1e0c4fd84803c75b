package dev.bookwell.platform.api;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.UUID;

/**
 * Opaque keyset cursors: the sort key of the last item returned. Pages continue after it, so rows inserted
 * meanwhile never shift or repeat what a client has seen.
 */
public record Cursor(String key, String id) {

  public String encode() {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((id + "\n" + key).getBytes(StandardCharsets.UTF_8));  // id first: a key may hold newlines
  }

  /** The key as a time; a cursor whose key is not one is 400, as a malformed cursor. */
  public OffsetDateTime time() {
    try {
      return OffsetDateTime.parse(key);
    } catch (DateTimeParseException e) {
      throw malformed();
    }
  }

  /** The key as a number (a price, a rank); a cursor whose key is not one is 400, as a malformed cursor. */
  public double number() {
    try {
      return Double.parseDouble(key);
    } catch (NumberFormatException e) {
      throw malformed();
    }
  }

  /** The key as a small exact number (a rating); a cursor whose key is not one is 400, as a malformed cursor. */
  public java.math.BigDecimal decimal() {
    try {
      var value = new java.math.BigDecimal(key);
      if (value.precision() > 20 || Math.abs(value.scale()) > 10) {
        throw malformed();
      }
      return value;
    } catch (NumberFormatException e) {
      throw malformed();
    }
  }

  /** The id; a cursor whose id is not a UUID is 400, as a malformed cursor. */
  public UUID uuid() {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw malformed();
    }
  }

  /** The cursor from a query parameter; a malformed one is 400 naming {@code cursor}. */
  public static Cursor decode(String token) {
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 2);
      if (parts.length != 2) {
        throw new IllegalArgumentException();
      }
      return new Cursor(parts[1], parts[0]);
    } catch (IllegalArgumentException e) {
      throw malformed();
    }
  }

  private static ProblemException malformed() {
    return Problem.invalid("query", "cursor", "is not a cursor returned by this API").toException();
  }
}
