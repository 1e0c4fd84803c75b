package dev.bookwell.booking;

import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.jooq.ResultQuery;

/** Every booking transition leaves as {@code booking.<status>} through the outbox, with who did it. */
final class BookingEvents {

  private BookingEvents() {
  }

  static Future<UUID> emit(Sql tx, String type, BookingRecord booking, String actor) {
    return emit(tx, type, booking, actor, new JsonObject());
  }

  /** With more facts: a booking cancelled by its reschedule names its successor ({@code replacedBy}). */
  static Future<UUID> emit(Sql tx, String type, BookingRecord booking, String actor, JsonObject more) {
    return Outbox.append(tx, "booking." + type, "booking", booking.getId(), payload(booking, actor, more));
  }

  /**
   * The event as a part of a statement rendered once ({@link dev.bookwell.platform.db.Prepared}), written only if
   * {@code when} holds; its type, booking and payload are the parameters {@link #emitValues} gives.
   */
  static ResultQuery<?> emitWhen(Condition when) {
    return Outbox.insertWhen(when, DSL.param("event_type", String.class), DSL.inline("booking"),
        DSL.param("event_booking", String.class), DSL.param("event_payload", JSONB.class));
  }

  static Map<String, Object> emitValues(String type, BookingRecord booking, String actor) {
    return Map.of("event_type", "booking." + type, "event_booking", booking.getId().toString(),
        "event_payload", JSONB.valueOf(payload(booking, actor, new JsonObject()).encode()));
  }

  private static JsonObject payload(BookingRecord booking, String actor, JsonObject more) {
    return more.copy()
        .put("bookingId", booking.getId().toString())
        .put("reference", booking.getReference())
        .put("status", booking.getStatus().getLiteral())
        .put("organizationId", booking.getOrganizationId().toString())
        .put("providerId", booking.getProviderId().toString())
        .put("serviceId", booking.getServiceId().toString())
        .put("slotId", booking.getSlotId().toString())
        .put("startsAt", booking.getStartsAt().toInstant().toString())
        .put("endsAt", booking.getEndsAt().toInstant().toString())
        .put("seats", booking.getSeats())
        .put("userId", booking.getUserId() == null ? null : booking.getUserId().toString())
        .put("totalMinor", booking.getTotalMinor())
        .put("refundPercent", booking.getRefundPercent())  // the share owed back, once it ended early
        .put("actor", actor);
  }
}
