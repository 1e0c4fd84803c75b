package dev.bookwell.notifications;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.MailMessage;

/**
 * What each message says, rendered when it is sent from what the owning area answers then (a token is fetched
 * fresh and never stored). Plain text and HTML parts. English only so far; per-locale templates on a template
 * engine are the next step of issue 14.
 */
final class Templates {

  static final String PASSWORD_RESET = "password-reset";
  static final String INVITATION = "invitation";
  /** Booking messages are "booking-" + the event's status. */
  static final String BOOKING = "booking-";
  static final java.util.List<String> BOOKING_EVENTS = java.util.List.of("held", "confirmed", "pending_confirmation",
      "declined", "cancelled", "rescheduled", "expired");
  /** Subject and text of each booking message: %1$s the reference, %2$s its start, %3$s a hold's end. */
  private static final java.util.Map<String, String[]> BOOKING_TEXTS = java.util.Map.of(
      "held", new String[] {"Your seat is held: %1$s",
          "Your booking %1$s for %2$s is held until %3$s. Complete the payment before then to keep it."},
      "confirmed", new String[] {"Booking confirmed: %1$s", "Your booking %1$s for %2$s is confirmed. The calendar "
          + "entry is attached. Cancellations follow the service's policy."},
      "pending_confirmation", new String[] {"Booking received: %1$s",
          "Your booking %1$s for %2$s waits for the organization's confirmation."},
      "declined", new String[] {"Booking declined: %1$s",
          "The organization declined your booking %1$s for %2$s. Any payment is returned in full."},
      "cancelled", new String[] {"Booking cancelled: %1$s",
          "Your booking %1$s for %2$s is cancelled. Any money owed back is refunded."},
      "rescheduled", new String[] {"Booking moved: %1$s", "Your booking is now %1$s for %2$s."},
      "reminder", new String[] {"Reminder: %1$s on %2$s", "A reminder of your booking %1$s: %2$s."},
      "expired", new String[] {"Hold expired: %1$s",
          "The hold %1$s for %2$s expired before it was paid; the seat was released."});
  private static final java.time.format.DateTimeFormatter WHEN = java.time.format.DateTimeFormatter
      .ofPattern("EEEE d MMMM yyyy, HH:mm (z)", java.util.Locale.ENGLISH);

  private Templates() {
  }

  static String booking(String eventType) {
    return BOOKING + eventType.substring("booking.".length());
  }

  /**
   * {@code delivery}: for resets and invitations {email, name, token, expiresAt} from the identity area; for
   * bookings {booking, ics, guest?, guestToken?} from the booking area; {@code timezone}: the recipient's.
   */
  static MailMessage render(String template, JsonObject delivery, String publicUrl) {
    if (template.startsWith(BOOKING)) {
      return booking(template.substring(BOOKING.length()), delivery, publicUrl);
    }
    String token = delivery.getString("token");
    return switch (template) {
      case PASSWORD_RESET -> message("Reset your Bookwell password",
          "Someone (hopefully you) asked to reset the password of this account.",
          "Choose a new password", publicUrl + "/reset-password?token=" + token, delivery.getString("expiresAt"));
      case INVITATION -> message("You are invited to join an organization on Bookwell",
          "You have been invited to join an organization's team on Bookwell.",
          "Accept the invitation", publicUrl + "/invitations/accept?token=" + token, delivery.getString("expiresAt"));
      default -> throw new IllegalArgumentException("no template " + template);
    };
  }

  private static MailMessage booking(String status, JsonObject delivery, String publicUrl) {
    var booking = delivery.getJsonObject("booking");
    String reference = booking.getString("reference");
    var zone = java.time.ZoneId.of(delivery.getString("timezone", "UTC"));
    String when = WHEN.format(java.time.Instant.parse(booking.getString("startsAt")).atZone(zone));
    String link = publicUrl + "/bookings/" + booking.getString("id")
        + (delivery.getString("guestToken") == null ? "" : "?token=" + delivery.getString("guestToken"));
    String[] texts = BOOKING_TEXTS.get(status);
    if (texts == null) {
      throw new IllegalArgumentException("no booking template " + status);
    }
    String holdEnds = booking.getString("holdExpiresAt");  // null unless it is a hold
    String until = WHEN.format(java.time.Instant.parse(holdEnds == null ? booking.getString("startsAt") : holdEnds)
        .atZone(zone));
    String subject = texts[0].formatted(reference, when, until);
    String what = texts[1].formatted(reference, when, until);
    var message = message(subject, what, "See your booking", link, null);
    if (status.equals("confirmed") || status.equals("rescheduled")) {
      message.setAttachment(java.util.List.of(io.vertx.ext.mail.MailAttachment.create()
          .setData(io.vertx.core.buffer.Buffer.buffer(delivery.getString("ics")))
          .setContentType("text/calendar; charset=utf-8; method=PUBLISH").setName(reference + ".ics")));
    }
    return message;
  }

  /** An instant as people read it, in their zone: "Monday 7 December 2026, 09:00 (CET)". */
  static String when(String instant, String timezone) {
    return WHEN.format(java.time.Instant.parse(instant).atZone(java.time.ZoneId.of(timezone)));
  }

  /** The in-app title of a booking event. */
  static String title(String status) {
    return switch (status) {
      case "held" -> "Seat held";
      case "confirmed" -> "Booking confirmed";
      case "pending_confirmation" -> "Booking waiting for confirmation";
      case "declined" -> "Booking declined";
      case "cancelled" -> "Booking cancelled";
      case "rescheduled" -> "Booking moved";
      case "expired" -> "Hold expired";
      default -> "Booking " + status.replace('_', ' ');
    };
  }

  /**
   * Whether a message still tells the truth when it goes out: a reminder only for a confirmed booking that has not
   * started; "held", "confirmed" and "waiting" only while the booking still is (a hold paid meanwhile is not
   * announced as held, a confirmation cancelled meanwhile not as confirmed). Endings stay true once they happen.
   */
  static boolean stillTrue(String template, JsonObject delivery) {
    if (!template.startsWith(BOOKING)) {
      return true;
    }
    var booking = delivery.getJsonObject("booking");
    String now = booking.getString("status");
    return switch (template.substring(BOOKING.length())) {
      case "reminder" -> "confirmed".equals(now)
          && java.time.Instant.parse(booking.getString("startsAt")).isAfter(java.time.Instant.now());
      case "held", "confirmed", "pending_confirmation" -> template.substring(BOOKING.length()).equals(now);
      default -> true;
    };
  }

  private static MailMessage message(String subject, String why, String action, String link, String expiresAt) {
    String until = expiresAt == null ? "" : "The link works until " + expiresAt
        + ". If you did not expect this message, ignore it.";
    String text = why + "\n\n" + action + ": " + link + "\n\n" + until + "\n";
    String html = "<p>" + escape(why) + "</p><p><a href=\"" + escape(link) + "\">" + escape(action)
        + "</a></p><p>" + escape(until) + "</p>";
    return new MailMessage().setSubject(subject).setText(text).setHtml(html);
  }

  private static String escape(String value) {
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
