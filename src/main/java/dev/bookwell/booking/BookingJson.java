package dev.bookwell.booking;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;

/** A booking as clients see it (read through {@link BookingRows}: a hold past its time reads as expired). */
final class BookingJson {

  private BookingJson() {
  }

  static JsonObject of(BookingRecord b) {
    var json = new JsonObject()
        .put("id", b.getId().toString())
        .put("reference", b.getReference())
        .put("status", b.getStatus().getLiteral())
        .put("slotId", b.getSlotId().toString())
        .put("organizationId", b.getOrganizationId().toString())
        .put("providerId", b.getProviderId().toString())
        .put("serviceId", b.getServiceId().toString())
        .put("startsAt", b.getStartsAt().toInstant().toString())
        .put("endsAt", b.getEndsAt().toInstant().toString())
        .put("seats", b.getSeats())
        .put("notes", b.getNotes())
        .put("holdExpiresAt", b.getStatus() == BookingStatus.held ? b.getHoldExpiresAt().toInstant().toString() : null)
        .put("amount", new JsonObject()
            .put("subtotal", b.getSubtotalMinor())
            .put("discount", b.getDiscountMinor())
            .put("total", b.getTotalMinor())
            .put("currency", b.getCurrency()))
        .put("payment", null)
        .put("rescheduledFrom", b.getRescheduledFrom() == null ? null : b.getRescheduledFrom().toString())
        .put("createdAt", b.getCreatedAt().toInstant().toString());
    if (b.getGuest() != null) {
      json.put("guest", new JsonObject(b.getGuest().data()));
    }
    return json;
  }
}
