package dev.bookwell.booking;

import biweekly.Biweekly;
import biweekly.ICalendar;
import biweekly.component.VAlarm;
import biweekly.component.VEvent;
import biweekly.parameter.Related;
import biweekly.property.Status;
import biweekly.property.Trigger;
import biweekly.util.Duration;
import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import java.time.OffsetDateTime;
import java.util.Date;
import java.util.List;

/**
 * Bookings as iCalendar (RFC 5545), written by biweekly (line folding, escaping): one booking's {@code .ics}, or a
 * feed of many. Each event keeps its {@code UID} for ever, and its {@code SEQUENCE} grows with every change (the
 * seconds between the booking's creation and its last change), so calendars replace rather than duplicate it; a
 * booking that ended early stays in the feed as {@code STATUS:CANCELLED}, so calendars remove it; upcoming ones
 * carry a reminder an hour before.
 */
final class Ics {

  private Ics() {
  }

  static String of(BookingRecord b) {
    return of(b, null);
  }

  /** One booking, with its video meeting (as LOCATION and URL) when it has one. */
  static String of(BookingRecord b, String meeting) {
    var calendar = calendar("Booking " + b.getReference());
    var event = event(b);
    if (meeting != null) {
      event.setLocation(meeting);
      event.setUrl(meeting);
    }
    calendar.addEvent(event);
    return Biweekly.write(calendar).go();
  }

  static String feed(String name, List<BookingRecord> bookings) {
    return write(name, bookings);
  }

  private static String write(String name, List<BookingRecord> bookings) {
    var calendar = calendar(name);
    bookings.forEach(b -> calendar.addEvent(event(b)));
    return Biweekly.write(calendar).go();
  }

  private static ICalendar calendar(String name) {
    var calendar = new ICalendar();
    calendar.setProductId("-//Bookwell//Bookings//EN");
    calendar.setMethod("PUBLISH");
    calendar.setName(name);
    return calendar;
  }

  private static VEvent event(BookingRecord b) {
    var event = new VEvent();
    event.setUid(b.getId() + "@bookwell");
    event.setDateTimeStamp(date(b.getUpdatedAt()));
    event.setLastModified(date(b.getUpdatedAt()));
    event.setCreated(date(b.getCreatedAt()));
    event.setSequence((int) Math.min(Integer.MAX_VALUE, Math.max(0,
        java.time.Duration.between(b.getCreatedAt(), b.getUpdatedAt()).toSeconds())));
    event.setDateStart(date(b.getStartsAt()), true);
    event.setDateEnd(date(b.getEndsAt()), true);
    event.setSummary("Booking " + b.getReference());
    event.setDescription("Reference " + b.getReference() + (b.getStatus() == BookingStatus.held
        ? ", held until " + b.getHoldExpiresAt().toInstant() : ""));
    event.setStatus(switch (b.getStatus()) {
      case confirmed, completed, no_show -> Status.confirmed();
      case held, pending_confirmation -> Status.tentative();
      default -> Status.cancelled();
    });
    if (event.getStatus().isConfirmed() && b.getStartsAt().isAfter(OffsetDateTime.now())) {
      event.addAlarm(VAlarm.display(new Trigger(Duration.builder().prior(true).hours(1).build(), Related.START),
          "Booking " + b.getReference() + " in an hour"));
    }
    return event;
  }

  private static Date date(OffsetDateTime time) {
    return Date.from(time.toInstant());
  }
}
