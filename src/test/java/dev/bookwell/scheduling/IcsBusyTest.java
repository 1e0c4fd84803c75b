package dev.bookwell.scheduling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Busy times read from iCalendar files: zones, floating and all-day times, repeats, what is not busy. */
class IcsBusyTest {

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final Instant FROM = Instant.parse("2027-03-01T00:00:00Z");
  private static final Instant UNTIL = Instant.parse("2027-05-01T00:00:00Z");

  private static List<BusyTimes.Interval> parse(String... events) {
    return IcsBusy.parse("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + String.join("", events)
        + "END:VCALENDAR\r\n", BERLIN, FROM, UNTIL, 100);
  }

  private static String event(String... lines) {
    boolean named = java.util.Arrays.stream(lines).anyMatch(line -> line.startsWith("UID:"));
    return "BEGIN:VEVENT\r\n" + (named ? "" : "UID:" + java.util.UUID.randomUUID() + "\r\n")
        + "DTSTAMP:20270101T000000Z\r\n" + String.join("\r\n", lines) + "\r\nEND:VEVENT\r\n";
  }

  @Test
  void utcZonedFloatingAndAllDayTimes() {
    var busy = parse(
        event("DTSTART:20270310T090000Z", "DTEND:20270310T100000Z"),
        event("DTSTART;TZID=America/New_York:20270310T090000", "DTEND;TZID=America/New_York:20270310T093000"),
        event("DTSTART:20270311T090000", "DURATION:PT45M"),
        event("DTSTART;VALUE=DATE:20270312", "DTEND;VALUE=DATE:20270314"));
    assertEquals(List.of(
        new BusyTimes.Interval(Instant.parse("2027-03-10T09:00:00Z"), Instant.parse("2027-03-10T10:00:00Z")),
        new BusyTimes.Interval(Instant.parse("2027-03-10T14:00:00Z"), Instant.parse("2027-03-10T14:30:00Z")),
        new BusyTimes.Interval(Instant.parse("2027-03-11T08:00:00Z"), Instant.parse("2027-03-11T08:45:00Z")),
        new BusyTimes.Interval(Instant.parse("2027-03-11T23:00:00Z"), Instant.parse("2027-03-13T23:00:00Z"))),
        busy, "New York is UTC-5 until 14 March; floating and all-day times are Berlin's wall clock");
  }

  @Test
  void repeatsWithExceptionsAcrossTheChangeOfClocks() {
    var busy = parse(event("DTSTART;TZID=Europe/Berlin:20270322T100000", "DTEND;TZID=Europe/Berlin:20270322T110000",
        "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;TZID=Europe/Berlin:20270405T100000"));
    assertEquals(List.of(Instant.parse("2027-03-22T09:00:00Z"), Instant.parse("2027-03-29T08:00:00Z"),
        Instant.parse("2027-04-12T08:00:00Z")), busy.stream().map(BusyTimes.Interval::start).toList(),
        "10:00 in Berlin before and after the clocks change on 28 March; 5 April left out");
    assertTrue(busy.stream().allMatch(i -> Duration.between(i.start(), i.end()).equals(Duration.ofHours(1))));
  }

  @Test
  void cancelledFreeAndOutOfWindowEventsAreNotBusy() {
    assertTrue(parse(
        event("DTSTART:20270310T090000Z", "DTEND:20270310T100000Z", "STATUS:CANCELLED"),
        event("DTSTART:20270310T090000Z", "DTEND:20270310T100000Z", "TRANSP:TRANSPARENT"),
        event("DTSTART:20260310T090000Z", "DTEND:20260310T100000Z"),
        event("DTSTART:20270310T090000Z")).isEmpty());
    var endless = event("DTSTART:20200101T090000Z", "DTEND:20200101T100000Z", "RRULE:FREQ=DAILY");
    assertEquals(61, parse(endless).size(), "a daily repeat since 2020 gives the window's 61 days only");
    assertThrows(IcsBusy.TooMany.class, () -> IcsBusy.parse("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + endless
        + "END:VCALENDAR\r\n", BERLIN, FROM, UNTIL, 10));
  }

  @Test
  void movedAndCancelledOccurrencesReplaceTheRepeats() {
    var busy = parse(
        event("UID:weekly", "DTSTART:20270301T090000Z", "DTEND:20270301T100000Z", "RRULE:FREQ=WEEKLY;COUNT=3"),
        event("UID:weekly", "RECURRENCE-ID:20270308T090000Z", "DTSTART:20270308T140000Z",
            "DTEND:20270308T150000Z"),
        event("UID:weekly", "RECURRENCE-ID:20270315T090000Z", "DTSTART:20270315T090000Z",
            "DTEND:20270315T100000Z", "STATUS:CANCELLED"));
    assertEquals(List.of(Instant.parse("2027-03-01T09:00:00Z"), Instant.parse("2027-03-08T14:00:00Z")),
        busy.stream().map(BusyTimes.Interval::start).sorted().toList());
  }

  @Test
  void repeatsThatWouldTakeForeverAreRefused() {
    assertThrows(IcsBusy.TooMany.class, () -> parse(event("DTSTART:19700101T000000Z", "DURATION:PT1S",
        "RRULE:FREQ=SECONDLY;COUNT=2000000000")));
    assertThrows(IcsBusy.TooMany.class, () -> parse(event("DTSTART:19700101T000000Z", "DURATION:PT1H",
        "RRULE:FREQ=HOURLY;COUNT=2000000000")), "a COUNT is walked from the start: the budget stops it");
  }

  @Test
  void mergedBusyTimesAnswerOverlapsByBinarySearch() {
    var busy = BusyTimes.of(List.of(
        new BusyTimes.Interval(Instant.parse("2027-03-10T09:00:00Z"), Instant.parse("2027-03-10T10:00:00Z")),
        new BusyTimes.Interval(Instant.parse("2027-03-10T09:30:00Z"), Instant.parse("2027-03-10T11:00:00Z")),
        new BusyTimes.Interval(Instant.parse("2027-03-10T14:00:00Z"), Instant.parse("2027-03-10T15:00:00Z"))));
    assertTrue(busy.overlaps(Instant.parse("2027-03-10T10:30:00Z"), Instant.parse("2027-03-10T11:30:00Z")));
    assertFalse(busy.overlaps(Instant.parse("2027-03-10T11:00:00Z"), Instant.parse("2027-03-10T14:00:00Z")),
        "touching is not overlapping");
    assertFalse(busy.overlaps(Instant.parse("2027-03-10T08:00:00Z"), Instant.parse("2027-03-10T09:00:00Z")));
    assertTrue(busy.overlaps(Instant.parse("2027-03-10T13:00:00Z"), Instant.parse("2027-03-10T16:00:00Z")));
    assertFalse(BusyTimes.of(List.of()).overlaps(FROM, UNTIL));
  }
}
