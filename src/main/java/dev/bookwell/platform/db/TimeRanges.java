package dev.bookwell.platform.db;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jooq.postgres.extensions.types.OffsetDateTimeRange;

/**
 * Reads a {@code tstzrange} in the text form PostgreSQL writes with its default DateStyle,
 * {@code ["2026-12-04 10:00:00+00","2026-12-04 10:30:00+00")}, straight from its characters. jOOQ's converter
 * parses each bound through {@code java.sql.Timestamp} and a DateTimeFormatter: 4 % of the service's CPU in the
 * spread benchmark, where every hold reads two ranges (the slot's and the booking's). Anything else (empty or
 * unbounded ranges, infinity, years past 9999, BC, offsets with seconds) gives null, and the caller uses jOOQ's
 * converter as before.
 */
final class TimeRanges {

  private TimeRanges() {
  }

  /** The range, or null when the text is not in the common form. */
  static OffsetDateTimeRange parse(String text) {
    int comma = text.indexOf(',');
    if (text.length() < 5 || comma < 2 || comma > text.length() - 3 || text.charAt(1) != '"' || text.charAt(comma - 1) != '"'
        || text.charAt(comma + 1) != '"' || text.charAt(text.length() - 2) != '"') {
      return null;
    }
    char open = text.charAt(0);
    char close = text.charAt(text.length() - 1);
    if (open != '[' && open != '(' || close != ']' && close != ')') {
      return null;
    }
    OffsetDateTime lower = timestamp(text, 2, comma - 1);
    OffsetDateTime upper = timestamp(text, comma + 2, text.length() - 2);
    return lower == null || upper == null ? null
        : OffsetDateTimeRange.offsetDateTimeRange(lower, open == '[', upper, close == ']');
  }

  /** {@code yyyy-MM-dd HH:mm:ss[.f{1,9}]±HH[:mm]} between {@code from} and {@code to}, or null. */
  private static OffsetDateTime timestamp(String s, int from, int to) {
    if (to - from < 22 || s.charAt(from + 4) != '-' || s.charAt(from + 7) != '-' || s.charAt(from + 10) != ' '
        || s.charAt(from + 13) != ':' || s.charAt(from + 16) != ':') {
      return null;
    }
    int year = digits(s, from, 4);
    int month = digits(s, from + 5, 2);
    int day = digits(s, from + 8, 2);
    int hour = digits(s, from + 11, 2);
    int minute = digits(s, from + 14, 2);
    int second = digits(s, from + 17, 2);
    int at = from + 19;
    int nanos = 0;
    if (s.charAt(at) == '.') {
      int scale = 100_000_000;
      for (at++; at < to && s.charAt(at) >= '0' && s.charAt(at) <= '9' && scale > 0; at++, scale /= 10) {
        nanos += (s.charAt(at) - '0') * scale;
      }
    }
    int offsetLength = to - at;
    if (offsetLength != 3 && (offsetLength != 6 || s.charAt(at + 3) != ':')
        || s.charAt(at) != '+' && s.charAt(at) != '-') {
      return null;
    }
    int offsetHours = digits(s, at + 1, 2);
    int offsetMinutes = offsetLength == 6 ? digits(s, at + 4, 2) : 0;
    if ((year | month | day | hour | minute | second | offsetHours | offsetMinutes) < 0) {
      return null;
    }
    int sign = s.charAt(at) == '-' ? -1 : 1;
    try {
      return OffsetDateTime.of(LocalDateTime.of(year, month, day, hour, minute, second, nanos),
          ZoneOffset.ofHoursMinutes(sign * offsetHours, sign * offsetMinutes));
    } catch (java.time.DateTimeException e) {
      return null;
    }
  }

  /** The number written by {@code count} digits at {@code at}, or -1 if one is not a digit. */
  private static int digits(String s, int at, int count) {
    int value = 0;
    for (int i = at; i < at + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + c - '0';
    }
    return value;
  }
}
