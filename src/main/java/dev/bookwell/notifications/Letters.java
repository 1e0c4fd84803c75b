package dev.bookwell.notifications;

import dev.bookwell.booking.BookingClient;
import dev.bookwell.db.tables.records.OutgoingMessageRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;

/**
 * Turns a log row into the message that goes out, at send time: what it needs is asked then of the area that owns
 * it (a reset's token, the booking with its calendar entry and a guest's link token, the organization's name and
 * contact), so no secret rests in the log and a spent link is never sent. A row its subject is gone for (404), or
 * overtaken by events (a hold paid meanwhile is not announced as held), is refused, not retried.
 */
final class Letters {

  static final String PASSWORD_RESET = "password-reset";
  static final String INVITATION = "invitation";

  private final EventBus bus;
  private final String publicUrl;
  private final Unsubscribes unsubscribes;

  Letters(EventBus bus, String publicUrl, Unsubscribes unsubscribes) {
    this.bus = bus;
    this.publicUrl = publicUrl;
    this.unsubscribes = unsubscribes;
  }

  Future<Channel.Outgoing> compose(OutgoingMessageRecord row) {
    JsonObject params = new JsonObject(row.getParams().data());
    return subject(row.getTemplate(), UUID.fromString(params.getString("id")))
        .recover(e -> Future.failedFuture(e instanceof ReplyException reply && reply.failureCode() == 404
            ? new Channel.Refused("no longer deliverable: " + e.getMessage(), false) : e))
        .compose(data -> organization(row, data).map(org -> {
          if (!stillTrue(row.getTemplate(), data)) {
            throw new Channel.Refused("superseded: the booking is no longer what this message would say", false);
          }
          return letter(row, params, data, org);
        }));
  }

  /** What the owning area says about the message's subject now (nothing to ask for provider messages). */
  private Future<JsonObject> subject(String template, UUID id) {
    return switch (family(template)) {
      case "account" -> IdentityClient.deliveryToken(bus, template, id);
      case "provider", "learning", "webhook" -> Future.succeededFuture(new JsonObject());
      default -> BookingClient.delivery(bus, id);
    };
  }

  private Future<JsonObject> organization(OutgoingMessageRecord row, JsonObject data) {
    String id = row.getOrganizationId() != null ? row.getOrganizationId().toString() : data.getString("organizationId");
    return id == null ? Future.succeededFuture(new JsonObject())
        : SchedulingClient.noticeFacts(bus, UUID.fromString(id), null)
            .map(facts -> facts.getJsonObject("organization", new JsonObject()));
  }

  private Channel.Outgoing letter(OutgoingMessageRecord row, JsonObject params, JsonObject data, JsonObject org) {
    String template = row.getTemplate();
    String locale = row.getLocale();
    String zone = params.getString("timezone", "UTC");
    JsonObject booking = data.getJsonObject("booking", new JsonObject());
    var facts = facts(template, params, data, org, zone, locale);
    String contact = firstOf(org.getString("contactEmail"), org.getString("contactPhone"));
    String unsubscribe = Preferences.UNSUBSCRIBABLE.contains(row.getCategory())
        && row.getChannel().equals(Preferences.EMAIL) ? unsubscribes.token(row.getRecipient(), row.getCategory())
        : null;
    var links = switch (family(template)) {
      case "account" -> new Messages.Links(publicUrl + (template.equals(PASSWORD_RESET) ? "/reset-password?token="
          : "/invitations/accept?token=") + data.getString("token"), template + ".action", true, null, null, null);
      case "provider" -> new Messages.Links(publicUrl + "/provider", "provider.action", false, null, null, null);
      case "learning" -> new Messages.Links(publicUrl + "/courses/" + params.getString("courseId"),
          "certificate.action", false, org.getString("name"), contact, null);
      case "webhook" -> new Messages.Links(publicUrl + "/organizations/" + row.getOrganizationId() + "/webhooks",
          "webhook.action", false, org.getString("name"), contact, null);
      case "staff" -> new Messages.Links(publicUrl + "/organizations/" + row.getOrganizationId() + "/bookings/"
          + booking.getString("id"), "staff.action", false, org.getString("name"), contact, unsubscribe);
      default -> new Messages.Links(publicUrl + "/bookings/" + booking.getString("id")
          + (data.getString("guestToken") == null ? "" : "?token=" + data.getString("guestToken")),
          "booking.action", false, org.getString("name"), contact, unsubscribe);
    };
    var calendar = template.equals("booking-confirmed") || template.equals("booking-rescheduled")
        ? new Channel.Calendar(booking.getString("reference") + ".ics", data.getString("ics")) : null;
    return new Channel.Outgoing(row.getId().toString(), row.getRecipient(),
        Messages.render(template, locale, params.getString("name"), facts, links, publicUrl), calendar);
  }

  /** The words' arguments: a booking's reference and times, or a certificate's number, course and expiry. */
  private static Messages.Facts facts(String template, JsonObject params, JsonObject data, JsonObject org,
                                      String zone, String locale) {
    if (family(template).equals("webhook")) {
      return new Messages.Facts(host(params.getString("url")), Messages.when(params.getString("failingSince"), zone,
          locale), null, null, org.getString("name"), null);
    }
    if (family(template).equals("learning")) {  // what the event said is all the message needs
      return new Messages.Facts(params.getString("number"), params.getString("course"),
          Messages.when(params.getString("expiresAt"), zone, locale), null, org.getString("name"), null);
    }
    JsonObject booking = data.getJsonObject("booking", new JsonObject());
    JsonObject amount = params.getJsonObject("amount");
    // until: a hold's end, a link's expiry (account mail), else the start
    String until = firstOf(booking.getString("holdExpiresAt"), data.getString("expiresAt"),
        booking.getString("startsAt"));
    return new Messages.Facts(booking.getString("reference"), Messages.when(booking.getString("startsAt"), zone,
        locale), Messages.when(until, zone, locale),
        amount == null ? null : Messages.amount(amount.getLong("amountMinor"), amount.getString("currency"), locale),
        org.getString("name"), params.getString("note"), booking.getString("meetingUrl"));
  }

  /** An endpoint named by its host alone: its path or query may hold a secret, and mail is no place for it. */
  static String host(String url) {
    try {
      String host = java.net.URI.create(url).getHost();
      return host == null ? "your endpoint" : host;
    } catch (IllegalArgumentException e) {
      return "your endpoint";
    }
  }

  private static String firstOf(String... values) {
    for (String value : values) {
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  /** account (resets, invitations), provider (profile decisions), staff (about the organization's bookings), booking. */
  static String family(String template) {
    if (template.equals(PASSWORD_RESET) || template.equals(INVITATION)) {
      return "account";
    }
    return template.startsWith("provider-") ? "provider" : template.startsWith("staff-") ? "staff"
        : template.startsWith("certificate-") ? "learning" : template.startsWith("webhook-") ? "webhook" : "booking";
  }

  /**
   * Whether a message still tells the truth when it goes out: a reminder only for a confirmed booking that has not
   * started; "held", "confirmed", "new" and "waiting" only while the booking still is; "pay again" only while it is
   * held.
   * Endings stay true once they happen.
   */
  static boolean stillTrue(String template, JsonObject data) {
    JsonObject booking = data.getJsonObject("booking");
    if (booking == null) {
      return true;
    }
    String now = booking.getString("status");
    return switch (template) {
      case "booking-reminder" -> "confirmed".equals(now)
          && Instant.parse(booking.getString("startsAt")).isAfter(Instant.now());
      case "booking-held", "payment-failed" -> "held".equals(now);
      case "booking-confirmed", "staff-booking-new" -> "confirmed".equals(now);
      case "booking-pending_confirmation", "staff-booking-pending" -> "pending_confirmation".equals(now);
      default -> true;
    };
  }
}
