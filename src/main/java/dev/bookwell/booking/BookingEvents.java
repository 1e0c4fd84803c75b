package dev.bookwell.booking;

import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** Every booking transition leaves as {@code booking.<status>} through the outbox, with who did it. */
final class BookingEvents {

  private BookingEvents() {
  }

  static Future<UUID> emit(Sql tx, String type, BookingRecord booking, String actor) {
    return emit(tx, type, booking, actor, new JsonObject());
  }

  /** With more facts: a booking cancelled by its reschedule names its successor ({@code replacedBy}). */
  static Future<UUID> emit(Sql tx, String type, BookingRecord booking, String actor, JsonObject more) {
    return Outbox.append(tx, "booking." + type, "booking", booking.getId(), more.copy()
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
        .put("actor", actor));
  }
}
