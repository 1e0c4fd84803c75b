package dev.bookwell.platform.api;

import java.time.ZoneId;

/** The time zones Bookwell takes: IANA region names. */
public final class TimeZones {

  /** Read once: {@code ZoneId.getAvailableZoneIds()} copies its 600 names into a new set on every call. */
  private static final java.util.Set<String> IANA = java.util.Set.copyOf(ZoneId.getAvailableZoneIds());

  private TimeZones() {
  }

  /**
   * {@code value} if it is an IANA zone name such as Europe/Berlin; otherwise a 400 naming {@code field} of the body.
   * Not an offset such as +05:00 or UTC+05:30: it knows no summer time, and PostgreSQL reads a POSIX offset with the
   * sign the other way round ({@code AT TIME ZONE '+05:00'} is five hours west), so days marked in SQL and days
   * counted in Java (the reports) would disagree.
   */
  public static String require(String value, String field) {
    if (value == null || !IANA.contains(value)) {
      throw Problem.invalid("body", field, "is not an IANA time zone such as Europe/Berlin").toException();
    }
    return value;
  }
}
