package dev.bookwell.scheduling;

import dev.bookwell.platform.api.Problem;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;

/**
 * How other areas reach the scheduling area: its bus addresses, its event names, and the SQL rules it lends (the
 * booking area takes seats in scheduling's slot and seat rows, inside its own transaction, by these rules).
 */
public final class SchedulingClient {

  static final String OWNS = "scheduling.owns";
  static final String NOTICE_FACTS = "scheduling.notice-facts";
  static final String CALENDAR_ROUND = "scheduling.calendar-round";
  /** Outbox event: an organization's link to a provider ended; payload {providerId, organizationId}. */
  public static final String PROVIDER_LINK_ENDED = "scheduling.provider_link_ended";
  /** Outbox event {@code {slotId, capacity}}: a slot's capacity changed (raised: seats came free). */
  public static final String SLOT_CAPACITY_CHANGED = "scheduling.slot_capacity_changed";

  private SchedulingClient() {
  }

  /** One round of polling the imported calendars that are due ({@code {polled}}); tests use it. */
  public static Future<JsonObject> calendarRound(EventBus bus) {
    return bus.<JsonObject>request(CALENDAR_ROUND, new JsonObject()).map(answer -> answer.body());
  }

  /**
   * Who a message is from and about (either id may be null): {@code {organization: {name, contactEmail,
   * contactPhone, timezone} | null, provider: {userId, displayName, timezone} | null}}.
   */
  public static Future<JsonObject> noticeFacts(EventBus bus, UUID organizationId, UUID providerId) {
    return bus.<JsonObject>request(NOTICE_FACTS, new JsonObject()
            .put("organizationId", organizationId == null ? null : organizationId.toString())
            .put("providerId", providerId == null ? null : providerId.toString()))
        .map(answer -> answer.body());
  }

  /**
   * "Are this service and this provider the organization's own?" Succeeds when every id given (null ones are
   * skipped) is; else a 404 problem naming the field.
   */
  public static Future<Void> requireOwned(EventBus bus, UUID organizationId, UUID serviceId, UUID providerId) {
    if (serviceId == null && providerId == null) {
      return Future.succeededFuture();
    }
    var question = new JsonObject().put("organizationId", organizationId.toString())
        .put("serviceId", serviceId == null ? null : serviceId.toString())
        .put("providerId", providerId == null ? null : providerId.toString());
    return bus.<JsonObject>request(OWNS, question).compose(answer -> {
      String foreign = answer.body().getString("notOurs");
      return foreign == null ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(Problem.notOurs(foreign,
          question.getString(foreign)).toException());
    });
  }

  /** The slot in scope ({@code SLOT}) is bookable by its status and its provider's link: open, provider there. */
  public static Condition slotBookable() {
    return Bookable.slotOpen();
  }

  /** A seat that can be taken: free, or held past its hold's expiry (needs {@code SEAT}). */
  public static Condition takeableSeat() {
    return Bookable.takeableSeat();
  }

  /** A seat held past its hold's expiry (needs {@code SEAT}). */
  public static Condition expiredHoldSeat() {
    return Bookable.expiredHoldSeat();
  }

  /** The slot {@code slotId} has a seat that can be taken (two index probes). */
  public static Condition hasTakeableSeat(Field<UUID> slotId) {
    return Bookable.hasTakeableSeat(slotId);
  }

  /** The slot's provider still works for the slot's organization (needs {@code SLOT}). */
  public static Condition providerWorksThere() {
    return Bookable.providerWorksThere();
  }

  /**
   * A provider's link to an organization is one it works under (needs {@code PROVIDER_ORGANIZATION}): for a
   * statement that locks the link and so must check it on the row it locked.
   */
  public static Condition linkActive() {
    return Bookable.linkActive();
  }
}
