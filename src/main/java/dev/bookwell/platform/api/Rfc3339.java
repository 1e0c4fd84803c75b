package dev.bookwell.platform.api;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Times as clients get them: RFC 3339 with seconds always ({@code 2026-01-05T09:00:00+01:00}). Java's
 * {@code OffsetDateTime.toString()} drops zero seconds ({@code 2026-01-05T09:00+01:00}), which strict parsers refuse.
 */
public final class Rfc3339 {

  private Rfc3339() {
  }

  /** Null stays null. */
  /** A date-time with an offset from a request; anything Java cannot read is 400 naming {@code field}. */
  public static OffsetDateTime parse(String value, String in, String field) {
    try {
      return OffsetDateTime.parse(value);
    } catch (RuntimeException e) {
      throw Problem.invalid(in, field, "is not a date-time with an offset, e.g. 2026-12-01T09:00:00+01:00")
          .toException();
    }
  }

  public static String format(OffsetDateTime time) {
    return time == null ? null : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time);
  }
}
