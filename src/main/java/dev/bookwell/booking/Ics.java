package dev.bookwell.booking;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** A booking as an iCalendar (RFC 5545) event, times in UTC. */
final class Ics {

  private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  private Ics() {
  }

  static String of(BookingRecord b) {
    String status = switch (b.getStatus()) {
      case confirmed, completed -> "CONFIRMED";
      case held, pending_confirmation -> "TENTATIVE";
      default -> "CANCELLED";
    };
    return String.join("\r\n",
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Bookwell//Bookings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        "UID:" + b.getId() + "@bookwell",
        "DTSTAMP:" + utc(OffsetDateTime.now()),
        "DTSTART:" + utc(b.getStartsAt()),
        "DTEND:" + utc(b.getEndsAt()),
        "SUMMARY:" + text("Booking " + b.getReference()),
        "DESCRIPTION:" + text("Reference " + b.getReference() + (b.getStatus() == BookingStatus.held
            ? ", held until " + b.getHoldExpiresAt().toInstant() : "")),
        "STATUS:" + status,
        "END:VEVENT",
        "END:VCALENDAR",
        "");
  }

  private static String utc(OffsetDateTime time) {
    return UTC.format(time.withOffsetSameInstant(ZoneOffset.UTC));
  }

  /** RFC 5545 TEXT escaping. */
  private static String text(String value) {
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n");
  }
}
