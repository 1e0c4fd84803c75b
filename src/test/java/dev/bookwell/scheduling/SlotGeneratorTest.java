package dev.bookwell.scheduling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.scheduling.SlotGenerator.Generated;
import dev.bookwell.scheduling.SlotGenerator.ServiceSpec;
import dev.bookwell.scheduling.SlotGenerator.WeeklyRule;
import dev.bookwell.scheduling.SlotGenerator.Window;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SlotGeneratorTest {

  static final ZoneId LONDON = ZoneId.of("Europe/London");
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  static final UUID CONSULT = UUID.randomUUID();
  static final UUID LONG = UUID.randomUUID();
  static final Map<UUID, ServiceSpec> SERVICES = Map.of(
      CONSULT, new ServiceSpec(CONSULT, Duration.ofMinutes(30), Duration.ZERO, Duration.ZERO, 1),
      LONG, new ServiceSpec(LONG, Duration.ofMinutes(60), Duration.ZERO, Duration.ZERO, 1));

  @Test
  void nineOClockStaysNineLocalAcrossBothLondonChanges() {
    var rules = List.of(rule(DayOfWeek.SUNDAY, "09:00", "10:00", CONSULT));
    // 2026-03-29 clocks go forward (GMT -> BST); 2026-10-25 they go back.
    for (LocalDate sunday : List.of(LocalDate.of(2026, 3, 22), LocalDate.of(2026, 3, 29),
        LocalDate.of(2026, 10, 18), LocalDate.of(2026, 10, 25))) {
      var slots = SlotGenerator.generate(LONDON, rules, Map.of(), SERVICES, sunday, sunday.plusDays(1));
      assertEquals(List.of("09:00", "09:30"), localStarts(slots, LONDON), sunday.toString());
      slots.forEach(s -> assertEquals(Duration.ofMinutes(30), Duration.between(s.startsAt(), s.endsAt())));
    }
    var before = SlotGenerator.generate(LONDON, rules, Map.of(), SERVICES, LocalDate.of(2026, 3, 22),
        LocalDate.of(2026, 3, 23));
    var after = SlotGenerator.generate(LONDON, rules, Map.of(), SERVICES, LocalDate.of(2026, 3, 29),
        LocalDate.of(2026, 3, 30));
    assertEquals(Instant.parse("2026-03-22T09:00:00Z"), before.get(0).startsAt());
    assertEquals(Instant.parse("2026-03-29T08:00:00Z"), after.get(0).startsAt(), "09:00 BST is 08:00 UTC");
  }

  @Test
  void nineOClockStaysNineLocalAcrossBothNewYorkChanges() {
    var rules = List.of(rule(DayOfWeek.SUNDAY, "09:00", "10:00", CONSULT));
    var march = SlotGenerator.generate(NEW_YORK, rules, Map.of(), SERVICES, LocalDate.of(2026, 3, 1),
        LocalDate.of(2026, 3, 9));
    assertEquals(List.of(Instant.parse("2026-03-01T14:00:00Z"), Instant.parse("2026-03-01T14:30:00Z"),
        Instant.parse("2026-03-08T13:00:00Z"), Instant.parse("2026-03-08T13:30:00Z")), starts(march));
    var november = SlotGenerator.generate(NEW_YORK, rules, Map.of(), SERVICES, LocalDate.of(2026, 10, 25),
        LocalDate.of(2026, 11, 2));
    assertEquals(List.of(Instant.parse("2026-10-25T13:00:00Z"), Instant.parse("2026-10-25T13:30:00Z"),
        Instant.parse("2026-11-01T14:00:00Z"), Instant.parse("2026-11-01T14:30:00Z")), starts(november));
  }

  @Test
  void theSkippedHourHasNoSlotsAndTheWindowIsThreeRealHours() {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    var rules = List.of(rule(DayOfWeek.SUNDAY, "00:00", "04:00", LONG));
    var slots = SlotGenerator.generate(NEW_YORK, rules, Map.of(), SERVICES, LocalDate.of(2026, 3, 8),
        LocalDate.of(2026, 3, 9));
    assertEquals(List.of("00:00", "01:00", "03:00"), localStarts(slots, NEW_YORK));
    slots.forEach(s -> assertEquals(Duration.ofHours(1), Duration.between(s.startsAt(), s.endsAt())));
  }

  @Test
  void aWindowStartingInTheSkippedHourStartsWhenTheClocksJump() {
    var rules = List.of(rule(DayOfWeek.SUNDAY, "02:30", "04:00", CONSULT));
    var slots = SlotGenerator.generate(NEW_YORK, rules, Map.of(), SERVICES, LocalDate.of(2026, 3, 8),
        LocalDate.of(2026, 3, 9));
    assertEquals(List.of("03:00", "03:30"), localStarts(slots, NEW_YORK));
  }

  @Test
  void theRepeatedHourIsWorkedTwiceAndEverySlotLastsItsRealDuration() {
    // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:00-02:00 happens twice.
    var rules = List.of(rule(DayOfWeek.SUNDAY, "00:00", "03:00", LONG));
    var slots = SlotGenerator.generate(NEW_YORK, rules, Map.of(), SERVICES, LocalDate.of(2026, 11, 1),
        LocalDate.of(2026, 11, 2));
    assertEquals(List.of(Instant.parse("2026-11-01T04:00:00Z"), Instant.parse("2026-11-01T05:00:00Z"),
        Instant.parse("2026-11-01T06:00:00Z"), Instant.parse("2026-11-01T07:00:00Z")), starts(slots));
    assertEquals(List.of("00:00", "01:00", "01:00", "02:00"), localStarts(slots, NEW_YORK));
  }

  @Test
  void londonFallBackNightAlsoHoldsTheRepeatedHour() {
    var rules = List.of(rule(DayOfWeek.SUNDAY, "01:00", "02:00", CONSULT));
    var slots = SlotGenerator.generate(LONDON, rules, Map.of(), SERVICES, LocalDate.of(2026, 10, 25),
        LocalDate.of(2026, 10, 26));
    assertEquals(4, slots.size(), "01:00-02:00 local is two real hours that night");
    assertEquals(Instant.parse("2026-10-25T00:00:00Z"), slots.get(0).startsAt());
    assertEquals(Instant.parse("2026-10-25T02:00:00Z"), slots.get(3).endsAt());
  }

  @Test
  void buffersKeepBackToBackSlotsApart() {
    UUID id = UUID.randomUUID();
    var services = Map.of(id, new ServiceSpec(id, Duration.ofMinutes(45), Duration.ofMinutes(10),
        Duration.ofMinutes(5), 1));
    var slots = SlotGenerator.generate(LONDON, List.of(rule(DayOfWeek.MONDAY, "09:00", "11:00", id)), Map.of(),
        services, LocalDate.of(2026, 6, 1), LocalDate.of(2026, 6, 2));
    assertEquals(List.of("09:10", "10:10"), localStarts(slots, LONDON));
    assertEquals(slots.get(0).occupiedUntil(), slots.get(1).occupiedFrom(), "occupied ranges touch, never overlap");
    assertEquals(Instant.parse("2026-06-01T10:00:00Z"), slots.get(1).occupiedUntil(), "11:00 BST: the window end");
  }

  @Test
  void exceptionsBlockADayOrReplaceItsHours() {
    var rules = List.of(rule(DayOfWeek.MONDAY, "09:00", "10:00", CONSULT));
    LocalDate blocked = LocalDate.of(2026, 6, 1);
    LocalDate custom = LocalDate.of(2026, 6, 8);
    var exceptions = Map.of(blocked, List.<Window>of(),
        custom, List.of(new Window(LocalTime.of(14, 0), LocalTime.of(14, 30), List.of(CONSULT), null)));
    var slots = SlotGenerator.generate(LONDON, rules, exceptions, SERVICES, blocked, LocalDate.of(2026, 6, 16));
    assertEquals(List.of("14:00", "09:00", "09:30"), localStarts(slots, LONDON));
    assertTrue(slots.stream().noneMatch(s -> s.startsAt().atZone(LONDON).toLocalDate().equals(blocked)));
  }

  @Test
  void oneWindowOffersEachOfItsServicesWithVenueAndCapacity() {
    UUID venue = UUID.randomUUID();
    UUID group = UUID.randomUUID();
    var services = Map.of(CONSULT, SERVICES.get(CONSULT),
        group, new ServiceSpec(group, Duration.ofMinutes(60), Duration.ZERO, Duration.ZERO, 12));
    var window = new Window(LocalTime.of(9, 0), LocalTime.of(10, 0), List.of(CONSULT, group), venue);
    var slots = SlotGenerator.generate(LONDON, List.of(new WeeklyRule(DayOfWeek.MONDAY, window)), Map.of(),
        services, LocalDate.of(2026, 6, 1), LocalDate.of(2026, 6, 2));
    assertEquals(3, slots.size());
    assertEquals(12, slots.stream().filter(s -> s.serviceId().equals(group)).findFirst().orElseThrow().capacity());
    assertTrue(slots.stream().allMatch(s -> venue.equals(s.venueId())));
  }

  private static WeeklyRule rule(DayOfWeek day, String start, String end, UUID service) {
    return new WeeklyRule(day, new Window(LocalTime.parse(start), LocalTime.parse(end), List.of(service), null));
  }

  private static List<Instant> starts(List<Generated> slots) {
    return slots.stream().map(Generated::startsAt).toList();
  }

  private static List<String> localStarts(List<Generated> slots, ZoneId zone) {
    return slots.stream().map(s -> s.startsAt().atZone(zone).toLocalTime().toString()).toList();
  }
}
