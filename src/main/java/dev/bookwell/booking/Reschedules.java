package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.db.tables.records.SlotRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import java.util.EnumSet;
import java.util.UUID;
import org.jooq.impl.DSL;

/**
 * POST /v1/bookings/{id}/reschedule {slotId}: in one transaction, takes seats in the new slot (SKIP LOCKED),
 * creates the new booking linked by {@code rescheduled_from}, and cancels the old one, freeing its seats. The old
 * booking row is locked first, so a concurrent cancel or reschedule of it waits and then finds it moved on.
 */
final class Reschedules {

  private static final EnumSet<BookingStatus> MOVABLE =
      EnumSet.of(BookingStatus.held, BookingStatus.pending_confirmation, BookingStatus.confirmed);

  private final Db db;
  private final EventBus bus;

  Reschedules(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  Future<ApiReply> reschedule(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("bookingId"));
    UUID target = UUID.fromString(request.bodyObject().getString("slotId"));
    return BookingAccess.authorize(db, bus, request, id, false)
        .compose(access -> db.transaction(tx -> Lifecycle.lock(tx, id).compose(old -> {
              String current = BookingJson.effectiveStatus(old);
              if (!MOVABLE.contains(BookingStatus.valueOf(current))) {
                throw Problem.of("illegal-transition", 409, "Illegal transition",
                    "The booking is " + current + "; it cannot be rescheduled.").toException();
              }
              return tx.fetchOptional(Sql.DSL.selectFrom(SLOT).where(SLOT.ID.eq(target)))
                  .compose(slot -> {
                    if (slot.isEmpty() || slot.get().getStatus() != SlotStatus.open) {
                      throw Problem.notFound("No open slot " + target + ".").toException();
                    }
                    if (!slot.get().getServiceId().equals(old.getServiceId())) {
                      throw Problem.of("different-service", 422, "Different service",
                          "A booking moves only to another slot of the same service.").toException();
                    }
                    return Seats.pick(tx, target, old.getSeats()).compose(picked -> {
                      if (picked.seatIds().size() < old.getSeats()) {
                        throw Problem.of("slot-unavailable", 409, "Not enough seats",
                            "The new slot does not have " + old.getSeats() + " free seats.").toException();
                      }
                      return Holds.expire(tx, picked.expiredHolders(), "hold-taken-over")
                          .compose(x -> cancelOld(tx, old))
                          .compose(cancelled -> insertNew(tx, old, slot.get())
                              .compose(moved -> Seats.assign(tx, picked.seatIds(), moved.getId(),
                                      moved.getStatus() == BookingStatus.held
                                          ? DSL.val(moved.getHoldExpiresAt()) : null)
                                  .compose(x -> BookingEvents.emit(tx, "rescheduled", moved, access.actor()))
                                  .compose(x -> BookingEvents.emit(tx, "cancelled", cancelled, access.actor()))
                                  .map(x -> ApiReply.created(BookingJson.of(moved), "/v1/bookings/" + moved.getId()))));
                    });
                  });
            })))
        .recover(e -> Future.failedFuture(PgErrors.is(e, PgErrors.EXCLUSION)
            ? Problem.of("provider-busy", 409, "Provider busy", "The provider has another booking at that time.")
                .toException() : e));
  }

  private static Future<BookingRecord> cancelOld(Sql tx, BookingRecord old) {
    return tx.fetchOne(Sql.DSL.update(BOOKING).set(BOOKING.STATUS, BookingStatus.cancelled)
            .set(BOOKING.UPDATED_AT, SqlTime.now()).where(BOOKING.ID.eq(old.getId())).returning())
        .compose(cancelled -> Seats.release(tx, old.getId()).map(cancelled));
  }

  /** The same booking in the new slot: same person, seats, amounts, status and hold expiry. */
  private static Future<BookingRecord> insertNew(Sql tx, BookingRecord old, SlotRecord slot) {
    var moved = old.copy();
    moved.setId(UUID.randomUUID());
    moved.setReference(References.next());
    moved.setSlotId(slot.getId());
    moved.setStartsAt(slot.getStartsAt());
    moved.setEndsAt(slot.getEndsAt());
    moved.setDuring(slot.getOccupied());
    moved.setRescheduledFrom(old.getId());
    moved.changed(BOOKING.CREATED_AT, false);  // the database stamps the new booking's times
    moved.changed(BOOKING.UPDATED_AT, false);
    return tx.fetchOne(Sql.DSL.insertInto(BOOKING).set(moved).returning());
  }
}
