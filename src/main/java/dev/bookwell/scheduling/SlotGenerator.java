package dev.bookwell.scheduling;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Turns weekly hours (local wall-clock times in the provider's zone) into concrete slots. Pure: no I/O.
 *
 * <p>Daylight saving, deliberately: a window's bounds are wall-clock times, and slots step through it in real
 * elapsed time, so a 30-minute consultation always lasts 30 real minutes and a 09:00 rule stays at 09:00 local on
 * both sides of a change. A bound in the skipped hour (spring forward) moves to the moment the clocks jump; in the
 * repeated hour (fall back) a window's start takes the first occurrence and its end the second, so the window
 * covers all the real time its wall-clock hours name. A 00:00-04:00 window therefore holds 3 real hours on the
 * spring-forward night and 5 on the fall-back night.
 */
public final class SlotGenerator {

  private SlotGenerator() {
  }

  /** Working hours on one day, offering some services at an optional venue. */
  public record Window(LocalTime start, LocalTime end, List<UUID> serviceIds, UUID venueId) {
  }

  public record WeeklyRule(DayOfWeek day, Window window) {
  }

  public record ServiceSpec(UUID id, Duration duration, Duration bufferBefore, Duration bufferAfter, int seats) {
  }

  /** {@code occupiedFrom/Until} include the buffers; {@code startsAt/endsAt} are what the client books. */
  public record Generated(UUID serviceId, UUID venueId, Instant startsAt, Instant endsAt, Instant occupiedFrom,
                          Instant occupiedUntil, int capacity) {
  }

  /**
   * Slots for every date in {@code [from, untilExclusive)}. A date present in {@code exceptions} uses those windows
   * instead of the weekly rules (an empty list blocks the day).
   */
  public static List<Generated> generate(ZoneId zone, List<WeeklyRule> rules, Map<LocalDate, List<Window>> exceptions,
                                         Map<UUID, ServiceSpec> services, LocalDate from, LocalDate untilExclusive) {
    return generate(zone, rules, exceptions, services, from, untilExclusive, Integer.MAX_VALUE - 1, g -> true);
  }

  /**
   * The same, keeping only the slots {@code keep} accepts (e.g. inside their own service's horizon), and stopping
   * as soon as it has more than {@code limit}: memory stays bounded whatever the rules ask for, and a result
   * longer than {@code limit} tells the caller the rules ask for too much.
   */
  public static List<Generated> generate(ZoneId zone, List<WeeklyRule> rules, Map<LocalDate, List<Window>> exceptions,
                                         Map<UUID, ServiceSpec> services, LocalDate from, LocalDate untilExclusive,
                                         int limit, Predicate<Generated> keep) {
    var slots = new ArrayList<Generated>();
    for (LocalDate day = from; day.isBefore(untilExclusive) && slots.size() <= limit; day = day.plusDays(1)) {
      for (Window window : windowsOn(day, rules, exceptions)) {
        Instant windowStart = windowStart(day, window.start(), zone);
        Instant windowEnd = windowEnd(day, window.end(), zone);
        for (UUID serviceId : window.serviceIds()) {
          ServiceSpec service = services.get(serviceId);
          if (service != null) {
            fill(slots, service, window.venueId(), windowStart, windowEnd, limit, keep);
          }
        }
      }
    }
    return slots;
  }

  private static List<Window> windowsOn(LocalDate day, List<WeeklyRule> rules, Map<LocalDate, List<Window>> exceptions) {
    if (exceptions.containsKey(day)) {
      return exceptions.get(day);
    }
    return rules.stream().filter(r -> r.day() == day.getDayOfWeek()).map(WeeklyRule::window).toList();
  }

  /** Back-to-back slots, each occupying buffer + duration + buffer, all inside the window. */
  private static void fill(List<Generated> slots, ServiceSpec service, UUID venueId, Instant windowStart,
                           Instant windowEnd, int limit, Predicate<Generated> keep) {
    Instant cursor = windowStart;
    while (slots.size() <= limit) {
      Instant startsAt = cursor.plus(service.bufferBefore());
      Instant endsAt = startsAt.plus(service.duration());
      Instant occupiedUntil = endsAt.plus(service.bufferAfter());
      if (occupiedUntil.isAfter(windowEnd)) {
        return;
      }
      var slot = new Generated(service.id(), venueId, startsAt, endsAt, cursor, occupiedUntil, service.seats());
      if (keep.test(slot)) {
        slots.add(slot);
      }
      cursor = occupiedUntil;
    }
  }

  static Instant windowStart(LocalDate day, LocalTime time, ZoneId zone) {
    var local = LocalDateTime.of(day, time);
    var transition = zone.getRules().getTransition(local);
    if (transition == null) {
      return local.atZone(zone).toInstant();
    }
    // In a gap: when the clocks jump. In an overlap: the first time the wall clock shows it.
    return transition.isGap() ? transition.getInstant() : local.atOffset(transition.getOffsetBefore()).toInstant();
  }

  static Instant windowEnd(LocalDate day, LocalTime time, ZoneId zone) {
    LocalDateTime local = time.equals(LocalTime.MIDNIGHT) ? day.plusDays(1).atStartOfDay()
        : LocalDateTime.of(day, time);
    var transition = zone.getRules().getTransition(local);
    if (transition == null) {
      return local.atZone(zone).toInstant();
    }
    // In a gap: when the clocks jump. In an overlap: the second time the wall clock shows it.
    return transition.isGap() ? transition.getInstant() : local.atOffset(transition.getOffsetAfter()).toInstant();
  }
}
