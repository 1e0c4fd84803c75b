package dev.bookwell.scheduling;

import biweekly.Biweekly;
import biweekly.ICalendar;
import biweekly.component.VEvent;
import biweekly.io.TimezoneAssignment;
import biweekly.io.TimezoneInfo;
import biweekly.util.DateTimeComponents;
import biweekly.util.Frequency;
import biweekly.util.ICalDate;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;

/**
 * The busy times an iCalendar file names between two instants: its events, repeated by their rules (RRULE, RDATE,
 * EXDATE), leaving out cancelled and transparent ("free") ones. Times with a zone or in UTC are taken as they are;
 * all-day events and floating times are the provider's local time. An occurrence moved or cancelled on its own
 * (an event with the same UID and a RECURRENCE-ID) replaces the repeat's. Pure and bounded: at most {@code max}
 * busy times, and at most {@link #STEPS} occurrences walked in all (a rule repeating every second since 1970
 * would otherwise walk billions); more is an error: a calendar that asks for more is refused, not cut short.
 */
final class IcsBusy {

  /** A calendar that names more busy times than allowed in the window. */
  static final class TooMany extends RuntimeException {
    TooMany(String what) {
      super(what);
    }
  }

  static final int STEPS = 200_000;

  /** What one parse has walked so far. */
  private static final class Budget {
    int steps;

    void step() {
      if (++steps > STEPS) {
        throw new TooMany("more than " + STEPS + " repeats to walk");
      }
    }
  }

  private IcsBusy() {
  }

  static List<BusyTimes.Interval> parse(String text, ZoneId zone, Instant from, Instant until, int max) {
    var out = new ArrayList<BusyTimes.Interval>();
    var budget = new Budget();
    for (ICalendar calendar : Biweekly.parse(text).all()) {
      var replaced = replacedOccurrences(calendar);
      for (VEvent event : calendar.getEvents()) {
        if (busy(event)) {
          add(out, event, calendar.getTimezoneInfo(), zone, new Window(from, until, max, budget),
              event.getRecurrenceId() == null ? replaced.getOrDefault(uid(event), Set.of()) : Set.of());
        }
      }
    }
    return out;
  }

  private record Window(Instant from, Instant until, int max, Budget budget) {
  }

  /** Per UID, the starts of occurrences that an event of their own moved or cancelled (its RECURRENCE-ID). */
  private static Map<String, Set<Long>> replacedOccurrences(ICalendar calendar) {
    var replaced = new HashMap<String, Set<Long>>();
    for (VEvent event : calendar.getEvents()) {
      if (event.getRecurrenceId() != null && event.getRecurrenceId().getValue() != null) {
        replaced.computeIfAbsent(uid(event), k -> new HashSet<>()).add(event.getRecurrenceId().getValue().getTime());
      }
    }
    return replaced;
  }

  private static String uid(VEvent event) {
    return event.getUid() == null ? "" : event.getUid().getValue();
  }

  private static boolean busy(VEvent event) {
    return event.getDateStart() != null && event.getDateStart().getValue() != null
        && (event.getStatus() == null || !event.getStatus().isCancelled())
        && (event.getTransparency() == null || !event.getTransparency().isTransparent());
  }

  private static void add(List<BusyTimes.Interval> out, VEvent event, TimezoneInfo zones, ZoneId zone,
                          Window window, Set<Long> replaced) {
    ICalDate start = event.getDateStart().getValue();
    var rule = event.getRecurrenceRule() == null ? null : event.getRecurrenceRule().getValue();
    if (rule != null && (rule.getFrequency() == Frequency.SECONDLY || rule.getFrequency() == Frequency.MINUTELY)) {
      throw new TooMany("an event repeating more often than hourly");
    }
    boolean local = !start.hasTime() || zones.isFloating(event.getDateStart());
    // local times were read in the JVM's default zone; iterating in it gives back the wall-clock times
    TimeZone iterateIn = local ? TimeZone.getDefault() : timeZone(zones.getTimezone(event.getDateStart()));
    Duration length = local ? localLength(event, start) : length(event, start);
    if (length.isZero() || length.isNegative()) {
      return;
    }
    var dates = event.getDateIterator(iterateIn);
    if (rule == null || rule.getCount() == null) {
      // skipping ahead is cheap for these; with a COUNT biweekly walks every occurrence, so the budget does
      dates.advanceTo(Date.from(window.from().minus(length).minus(Duration.ofDays(1))));
    }
    while (dates.hasNext()) {
      window.budget().step();
      Date next = dates.next();
      BusyTimes.Interval busy = local ? inZone(next, length, zone) : new BusyTimes.Interval(next.toInstant(),
          next.toInstant().plus(length));
      if (!busy.start().isBefore(window.until())) {
        return;
      }
      if (busy.end().isAfter(window.from()) && !replaced.contains(next.getTime())) {
        if (out.size() == window.max()) {
          throw new TooMany("more than " + window.max() + " busy times");
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
