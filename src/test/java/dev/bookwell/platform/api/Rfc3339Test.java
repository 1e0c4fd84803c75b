package dev.bookwell.platform.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The digit-by-digit writing gives what Java's formatters give, for every time it takes on. */
class Rfc3339Test {

  private static final List<ZoneId> ZONES = List.of(ZoneOffset.UTC, ZoneId.of("Europe/Berlin"),
      ZoneId.of("America/St_Johns"), ZoneId.of("Asia/Kathmandu"), ZoneId.of("Pacific/Chatham"),
      ZoneId.of("America/Los_Angeles"), ZoneId.of("Europe/Amsterdam"), ZoneOffset.ofHoursMinutesSeconds(-3, -20, -5),
      ZoneOffset.ofHoursMinutes(0, -30));

  @Test
  void writesWhatTheFormattersWrite() {
    var random = new SplittableRandom(19);
    for (int i = 0; i < 200_000; i++) {
      // years 2 to 11,983 (past the four digits), whole seconds mostly, and some fractions
      long second = random.nextLong(-62_100_000_000L, 316_000_000_000L);
      int nano = random.nextInt(4) == 0 ? random.nextInt(1_000_000_000) : 0;
      var time = OffsetDateTime.ofInstant(Instant.ofEpochSecond(second, nano), ZONES.get(random.nextInt(ZONES.size())));
      assertEquals(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time), Rfc3339.format(time), time::toString);
      assertEquals(time.toInstant().toString(), Rfc3339.utc(time), time::toString);
    }
  }

  @Test
  void edges() {
    var lastSecond = OffsetDateTime.parse("9999-12-31T23:59:59-05:00");  // year 10000 in UTC
    assertEquals("+10000-01-01T04:59:59Z", Rfc3339.utc(lastSecond));
    assertEquals("9999-12-31T23:59:59-05:00", Rfc3339.format(lastSecond));
    assertEquals("0999-01-05T09:00:00Z", Rfc3339.format(OffsetDateTime.parse("0999-01-05T09:00:00+00:00")));
    assertEquals("2026-01-05T09:00:00+01:00", Rfc3339.format(OffsetDateTime.parse("2026-01-05T09:00+01:00")));
    assertEquals("0000-01-01T00:00:00Z", Rfc3339.utc(OffsetDateTime.parse("0000-01-01T00:30:00+00:30")));
    assertEquals("2026-03-29T01:30:00-00:30", Rfc3339.format(OffsetDateTime.parse("2026-03-29T01:30:00-00:30")));
    assertNull(Rfc3339.format(null));
    assertNull(Rfc3339.utc(null));
  }
}
