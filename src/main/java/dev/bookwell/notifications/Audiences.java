package dev.bookwell.notifications;

import dev.bookwell.booking.BookingClient;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Who hears of an event, and what: asked of the owning areas (contacts, the booking, the provider), before any
 * transaction. The answer is the work to do in the transaction that records the event as handled. One answers for
 * one batch of events: what it asks that does not depend on the event (an organization's or provider's facts and
 * staff, a person's contact) is asked once in the batch ({@link Asked}).
 */
final class Audiences {

  /** Booking events the booker hears of; their message is "booking-" + the status. */
  static final List<String> BOOKING_EVENTS = List.of("held", "confirmed", "pending_confirmation", "declined",
      "cancelled", "rescheduled", "expired");
  /** Booking events the provider (and staff who opt in) hear of, and the message they get. */
  static final Map<String, String> STAFF_TEMPLATES = Map.of(
      "booking.confirmed", "staff-booking-new", "booking.pending_confirmation", "staff-booking-pending",
      "booking.rescheduled", "staff-booking-moved", "booking.cancelled", "staff-booking-cancelled");
  /** A hook for the waitlist (issue 17): its offer event reaches the person offered the seat. */
  static final String WAITLIST_OFFERED = "waitlist.offered";
  /** A certificate expires within 30 days: its holder is reminded, with the way to renew it. */
  static final String CERTIFICATE_EXPIRING = "learning.certificate_expiring";
  /** A webhook endpoint failed for days and was disabled: the organization's admins (manage_staff) are told. */
  static final String WEBHOOK_DISABLED = "webhook.endpoint_disabled";
  static final List<String> HANDLED = Stream.of(
      Stream.of("identity.password_reset_requested", "identity.invitation_created", "payment.failed",
          "payment.refunded", "scheduling.provider_approved", "scheduling.provider_rejected",
          "scheduling.provider_suspended", "scheduling.requirement_expiring", WAITLIST_OFFERED, CERTIFICATE_EXPIRING,
          WEBHOOK_DISABLED),
      BOOKING_EVENTS.stream().map(status -> "booking." + status)).flatMap(s -> s).toList();
  /** A booking in one of these never needs reminding. */
  private static final Set<String> ENDED = Set.of("cancelled", "declined", "expired", "no_show", "completed");

  private final Db db;
  private final EventBus bus;
  private final Asked asked = new Asked();

  Audiences(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** An organization's facts ({@code scheduling.notice-facts}; null when not found), asked once in the batch. */
  private Future<JsonObject> organizationFacts(UUID organizationId) {
    return asked.of(List.of("organization", organizationId), () -> SchedulingClient.noticeFacts(bus,
        organizationId, null).map(answer -> answer.getJsonObject("organization")));
  }

  /** A provider's facts (its account, name and zone; null when not found), asked once in the batch. */
  private Future<JsonObject> providerFacts(UUID providerId) {
    return asked.of(List.of("provider", providerId), () -> SchedulingClient.noticeFacts(bus, null, providerId)
        .map(answer -> answer.getJsonObject("provider")));
  }

  /** An account's contact; null when it is gone (deleted, deactivated): nobody to tell. */
  private Future<Recipient> recipient(UUID userId) {
    return asked.of(List.of("recipient", userId),
        () -> orNullIfGone(IdentityClient.contact(bus, userId).map(Recipient::of)));
  }

  Future<Function<Sql, Future<Void>>> of(UUID eventId, String type, String aggregateId, JsonObject payload) {
    if (type.startsWith("booking.")) {
      return booking(eventId, type, payload);
    }
    return switch (type) {
      case "identity.password_reset_requested" -> IdentityClient.contact(bus, UUID.fromString(aggregateId))
          .map(contact -> queue(eventId, new Deliveries.Note(Recipient.of(contact), "account", Letters.PASSWORD_RESET,
              null, new JsonObject().put("id", payload.getString("resetId")), null)));
      case "identity.invitation_created" -> IdentityClient.deliveryToken(bus, Letters.INVITATION,
              UUID.fromString(payload.getString("invitationId")))
          .map(invitation -> queue(eventId, new Deliveries.Note(Recipient.address(invitation.getString("email")),
              "account", Letters.INVITATION, UUID.fromString(payload.getString("organizationId")),
              new JsonObject().put("id", payload.getString("invitationId")), null)));
      case "scheduling.provider_approved", "scheduling.provider_rejected", "scheduling.provider_suspended" ->
          provider(eventId, type.substring("scheduling.".length()).replace('_', '-'), payload);
      case "payment.failed", "payment.refunded" -> aboutBooking(eventId, type.replace('.', '-'), "payment", payload);
      case WAITLIST_OFFERED -> aboutBooking(eventId, "waitlist-offered", "waitlist", payload);
      case CERTIFICATE_EXPIRING -> IdentityClient.contact(bus, UUID.fromString(payload.getString("userId")))
          .map(contact -> {
            var to = Recipient.of(contact);
            var params = payload.copy().put("id", payload.getString("courseId"));
            String subject = Messages.subject("certificate-expiring", to.locale(), new Messages.Facts(
                payload.getString("number"), payload.getString("course"), null, null, null, null));
            return queue(eventId, new Deliveries.Note(to, "learning", "certificate-expiring",
                UUID.fromString(payload.getString("organizationId")), params,
                new Deliveries.InApp(subject, payload.getString("course"), "/v1/courses/"
                    + payload.getString("courseId"))));
          });
      case WEBHOOK_DISABLED -> webhookDisabled(eventId, payload);
      case "scheduling.requirement_expiring" -> provider(eventId, "provider-requirement-expiring", payload);
      default -> Future.failedFuture(new IllegalArgumentException("no audience for " + type));
    };
  }

  /**
   * {@code booking.<status>}: the booker hears of their booking (an account at its address and in its zone and
   * language; a guest at the address they gave, in the organization's zone); the provider and staff who opted in
   * hear of new bookings and cancellations. A booking moved by its reschedule only loses its reminders: the
   * "rescheduled" event of the new one says it all.
   */
  private Future<Function<Sql, Future<Void>>> booking(UUID eventId, String type, JsonObject payload) {
    UUID bookingId = UUID.fromString(payload.getString("bookingId"));
    if (payload.getString("replacedBy") != null) {
      return Future.succeededFuture(tx -> Reminders.drop(tx, bookingId));
    }
    UUID organizationId = UUID.fromString(payload.getString("organizationId"));
    return booker(payload, organizationId).compose(booker -> staffFor(type, payload, booker).map(staff -> {
      String status = payload.getString("status");
      var notes = new ArrayList<Deliveries.Note>();
      // a hold made by a waitlist offer is told by the offer's own message (waitlist.offered)
      if (booker != null && !(type.equals("booking.held") && payload.containsKey("waitlistEntryId"))) {
        notes.add(note(booker, "booking", "booking-" + type.substring("booking.".length()), organizationId,
            payload, new JsonObject()));
      }
      notes.addAll(staff);
      return tx -> reminders(tx, payload, booker, status).compose(x -> Intake.queueAll(tx, eventId, notes));
    }));
  }

  /** The provider (category provider_bookings) and staff who opted in (staff_bookings), each once. */
  private Future<List<Deliveries.Note>> staffFor(String type, JsonObject payload, Recipient booker) {
    UUID organizationId = UUID.fromString(payload.getString("organizationId"));
    String template = STAFF_TEMPLATES.get(type);
    if (template == null) {
      return Future.succeededFuture(List.of());
    }
    // a provider account gone hears nothing; a busy identity area is retried
    Future<Recipient> providerContact = providerFacts(UUID.fromString(payload.getString("providerId")))
        .compose(provider -> provider == null ? Future.succeededFuture(null)
            : recipient(UUID.fromString(provider.getString("userId"))));
    return providerContact.compose(providerTo -> asked.of(List.of("staffEvents", organizationId),
            () -> Settings.staffEvents(db, organizationId))
        .compose(events -> events.contains(type) ? optedInStaff(organizationId) : Future.succeededFuture(List.of()))
        .map(staff -> {
          var notes = new ArrayList<Deliveries.Note>();
          var seen = new java.util.HashSet<UUID>();
          if (booker != null && booker.userId() != null) {
            seen.add(booker.userId());
          }
          if (providerTo != null && seen.add(providerTo.userId())) {
            notes.add(note(providerTo, "provider_bookings", template, organizationId, payload, null));
          }
          staff.stream().filter(member -> seen.add(member.userId()))
              .forEach(member -> notes.add(note(member, "staff_bookings", template, organizationId, payload, null)));
          return notes;
        }));
  }

  /** The organization's staff (manage_bookings) who opted in to hear of its bookings. */
  private Future<List<Recipient>> optedInStaff(UUID organizationId) {
    return asked.of(List.of("optedIn", organizationId, OrgPermission.manage_bookings, "staff_bookings"),
        () -> IdentityClient.staff(bus, organizationId, OrgPermission.manage_bookings)
            .map(staff -> staff.stream().map(member -> Recipient.of((JsonObject) member)).toList())
            .compose(staff -> Preferences.optedIn(db, staff.stream().map(Recipient::userId).toList(),
                    "staff_bookings")
                .map(opted -> staff.stream().filter(member -> opted.contains(member.userId())).toList())));
  }

  /** The booker: an account's contact, or the guest in the organization's zone; null when there is no address. */
  private Future<Recipient> booker(JsonObject payload, UUID organizationId) {
    // an account deleted or deactivated hears nothing, but its booking still reaches the provider and staff
    return payload.getString("userId") != null
        ? recipient(UUID.fromString(payload.getString("userId")))
        : organizationFacts(organizationId).compose(organization -> BookingClient.facts(bus,
                UUID.fromString(payload.getString("bookingId")))
            .map(delivery -> delivery.getJsonObject("guest") == null ? null
                : Recipient.guest(delivery.getJsonObject("guest"),
                    organization == null ? "UTC" : organization.getString("timezone", "UTC"))));
  }

  /** payment.* and the waitlist hook: the booker of the booking the event is about. */
  private Future<Function<Sql, Future<Void>>> aboutBooking(UUID eventId, String template, String category,
                                                         JsonObject payload) {
    UUID bookingId = UUID.fromString(payload.getString("bookingId"));
    return BookingClient.facts(bus, bookingId).compose(delivery -> {
      JsonObject booking = delivery.getJsonObject("booking");
      var organizationId = UUID.fromString(booking.getString("organizationId"));
      var about = new JsonObject().put("bookingId", bookingId.toString()).put("userId", delivery.getString("userId"))
          .put("reference", booking.getString("reference")).put("startsAt", booking.getString("startsAt"));
      return booker(about, organizationId)
          .map(booker -> booker == null ? tx -> Future.succeededFuture()
              : queue(eventId, note(booker, category, template, organizationId, about,
                  new JsonObject().put("amount", payload.getJsonObject("amount")))));
    });
  }

  /** scheduling.provider_approved / rejected / suspended: the provider's account, with the decision's note. */
  private Future<Function<Sql, Future<Void>>> provider(UUID eventId, String template, JsonObject payload) {
    UUID providerId = UUID.fromString(payload.getString("providerId"));
    return providerFacts(providerId)
        .compose(facts -> IdentityClient.contact(bus, UUID.fromString(facts.getString("userId"))))
        .map(contact -> {
          var to = Recipient.of(contact);
          String subject = Messages.subject(template, to.locale(), new Messages.Facts(null, null, null, null, null,
              null));
          return queue(eventId, new Deliveries.Note(to, "provider", template, null, new JsonObject()
              .put("id", providerId.toString()).put("note", payload.getString("note")),
              new Deliveries.InApp(subject, Objects.requireNonNullElse(payload.getString("note"), ""),
                  "/v1/providers/" + providerId)));
        });
  }

  /** Every admin of the organization hears that its endpoint was disabled (mail they cannot opt out of). */
  private Future<Function<Sql, Future<Void>>> webhookDisabled(UUID eventId, JsonObject payload) {
    UUID organizationId = UUID.fromString(payload.getString("organizationId"));
    return IdentityClient.staff(bus, organizationId, dev.bookwell.db.enums.OrgPermission.manage_staff)
        .map(staff -> {
          var notes = new ArrayList<Deliveries.Note>();
          for (Object member : staff) {
            var to = Recipient.of((JsonObject) member);
            String subject = Messages.subject("webhook-disabled", to.locale(), new Messages.Facts(
                Letters.host(payload.getString("url")), null, null, null, null, null));
            notes.add(new Deliveries.Note(to, "account", "webhook-disabled", organizationId,
                payload.copy().put("id", payload.getString("webhookId")),
                new Deliveries.InApp(subject, Letters.host(payload.getString("url")),
                    "/v1/webhooks/" + payload.getString("webhookId"))));
          }
          return tx -> Intake.queueAll(tx, eventId, notes);
        });
  }

  /**
   * A note about the booking {@code booking} names ({bookingId, reference, startsAt}, as in the booking events).
   */
  private static Deliveries.Note note(Recipient to, String category, String template, UUID organizationId,
                                      JsonObject booking, JsonObject extra) {
    return Deliveries.aboutBooking(to, category, template, organizationId, booking.getString("bookingId"),
        booking.getString("reference"), booking.getString("startsAt"), extra);
  }

  /** A confirmed booking gets its reminders; one that ended loses them. */
  private static Future<Void> reminders(Sql tx, JsonObject payload, Recipient booker, String status) {
    UUID bookingId = UUID.fromString(payload.getString("bookingId"));
    if ("confirmed".equals(status) && booker != null) {
      return Reminders.schedule(tx, bookingId, UUID.fromString(payload.getString("organizationId")),
          payload.getString("reference"), java.time.OffsetDateTime.parse(payload.getString("startsAt")), booker);
    }
    return ENDED.contains(status) ? Reminders.drop(tx, bookingId) : Future.succeededFuture();
  }

  /** Gone (404) is an answer: nobody to tell. Anything else fails the event, which is tried again next round. */
  private static <T> Future<T> orNullIfGone(Future<T> lookup) {
    return lookup.recover(e -> e instanceof ReplyException reply && reply.failureCode() == 404
        ? Future.succeededFuture(null) : Future.failedFuture(e));
  }

  private static Function<Sql, Future<Void>> queue(UUID eventId, Deliveries.Note note) {
    return tx -> Deliveries.queue(tx, eventId, note);
  }
}
