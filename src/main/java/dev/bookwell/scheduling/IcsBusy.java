package dev.bookwell.scheduling;

import biweekly.Biweekly;
import biweekly.ICalendar;
import biweekly.component.VEvent;
import biweekly.io.TimezoneAssignment;
import biweekly.io.TimezoneInfo;
import biweekly.util.DateTimeComponents;
import biweekly.util.ICalDate;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.TimeZone;

/**
 * The busy times an iCalendar file names between two instants: its events, repeated by their rules (RRULE, RDATE,
 * EXDATE), leaving out cancelled and transparent ("free") ones. Times with a zone or in UTC are taken as they are;
 * all-day events and floating times are the provider's local time. Pure; at most {@code max} busy times, more is
 * an error (a calendar that asks for more is refused, not cut short).
 */
final class IcsBusy {

  /** A calendar that names more busy times than allowed in the window. */
  static final class TooMany extends RuntimeException {
    TooMany(int max) {
      super("more than " + max + " busy times");
    }
  }

  private IcsBusy() {
  }

  static List<BusyTimes.Interval> parse(String text, ZoneId zone, Instant from, Instant until, int max) {
    var out = new ArrayList<BusyTimes.Interval>();
    for (ICalendar calendar : Biweekly.parse(text).all()) {
      for (VEvent event : calendar.getEvents()) {
        if (busy(event)) {
          add(out, event, calendar.getTimezoneInfo(), zone, from, until, max);
        }
      }
    }
    return out;
  }

  private static boolean busy(VEvent event) {
    return event.getDateStart() != null && event.getDateStart().getValue() != null
        && (event.getStatus() == null || !event.getStatus().isCancelled())
        && (event.getTransparency() == null || !event.getTransparency().isTransparent());
  }

  private static void add(List<BusyTimes.Interval> out, VEvent event, TimezoneInfo zones, ZoneId zone,
                          Instant from, Instant until, int max) {
    ICalDate start = event.getDateStart().getValue();
    boolean local = !start.hasTime() || zones.isFloating(event.getDateStart());
    // local times were read in the JVM's default zone; iterating in it gives back the wall-clock times
    TimeZone iterateIn = local ? TimeZone.getDefault() : timeZone(zones.getTimezone(event.getDateStart()));
    Duration length = local ? localLength(event, start) : length(event, start);
    if (length.isZero() || length.isNegative()) {
      return;
    }
    var dates = event.getDateIterator(iterateIn);
    dates.advanceTo(Date.from(from.minus(length).minus(Duration.ofDays(1))));
    while (dates.hasNext()) {
      Date next = dates.next();
      BusyTimes.Interval busy = local ? inZone(next, length, zone) : new BusyTimes.Interval(next.toInstant(),
          next.toInstant().plus(length));
      if (!busy.start().isBefore(until)) {
        return;
      }
      if (busy.end().isAfter(from)) {
        if (out.size() == max) {
          throw new TooMany(max);
        }
        out.add(busy);
      }
    }
  }

  private static TimeZone timeZone(TimezoneAssignment assignment) {
    return assignment == null ? TimeZone.getTimeZone("UTC") : assignment.getTimeZone();
  }

  /** DTEND - DTSTART, or DURATION; none: a moment, which blocks nothing. */
  private static Duration length(VEvent event, ICalDate start) {
    if (event.getDateEnd() != null && event.getDateEnd().getValue() != null) {
      return Duration.ofMillis(event.getDateEnd().getValue().getTime() - start.getTime());
    }
    return event.getDuration() != null ? Duration.ofMillis(event.getDuration().getValue().toMillis()) : Duration.ZERO;
  }

  /** The same in wall-clock time; an all-day event without an end lasts its day. */
  private static Duration localLength(VEvent event, ICalDate start) {
    LocalDateTime begins = local(start.getRawComponents());
    if (event.getDateEnd() != null && event.getDateEnd().getValue() != null) {
      return Duration.between(begins, local(event.getDateEnd().getValue().getRawComponents()));
    }
    if (event.getDuration() != null) {
      return Duration.ofMillis(event.getDuration().getValue().toMillis());
    }
    return start.hasTime() ? Duration.ZERO : Duration.ofDays(1);
  }

  private static LocalDateTime local(DateTimeComponents c) {
    return c.hasTime() ? LocalDateTime.of(c.getYear(), c.getMonth(), c.getDate(), c.getHour(), c.getMinute(),
        c.getSecond()) : LocalDateTime.of(c.getYear(), c.getMonth(), c.getDate(), 0, 0);
  }

  /** An occurrence read in the default zone, placed at the same wall-clock time in the provider's zone. */
  private static BusyTimes.Interval inZone(Date occurrence, Duration length, ZoneId zone) {
    LocalDateTime wallClock = LocalDateTime.ofInstant(occurrence.toInstant(), ZoneId.systemDefault());
    return new BusyTimes.Interval(wallClock.atZone(zone).toInstant(), wallClock.plus(length).atZone(zone).toInstant());
  }
}
