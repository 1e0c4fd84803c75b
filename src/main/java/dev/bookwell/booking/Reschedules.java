package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.WaitlistStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.payments.PaymentsClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.eventbus.EventBus;
import java.time.OffsetDateTime;
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

  /**
   * Moves a client may make of one booking, counted along its chain (V53): each move mails the booker, whatever
   * address a guest gave, and the provider, so unlimited moves were unlimited mail to any address. Staff move on.
   */
  static final int MAX_MOVES = 10;

  Future<ApiReply> reschedule(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("bookingId"));
    UUID target = UUID.fromString(request.bodyObject().getString("slotId"));
    return BookingAccess.authorize(db, bus, request, id, false)
        .compose(access -> Idempotency.once(db, request, tx -> Lifecycle.lock(tx, id).compose(old -> {
              BookingStatus current = old.getStatus();
              if (!MOVABLE.contains(current)) {
                throw Problem.of("illegal-transition", 409, "Illegal transition",
                    "The booking is " + current.getLiteral() + "; it cannot be rescheduled.").toException();
              }
              if (!access.staff() && old.getMoves() >= MAX_MOVES) {
                throw Problem.of("too-many-moves", 409, "Moved often enough", "This booking was moved "
                    + old.getMoves() + " times; the organization can move it further.").toException();
              }
              if (!access.staff() && current == BookingStatus.confirmed && old.getTotalMinor() > 0
                  && Lifecycle.refundPercent(old) < 100) {
                // moved, its policy would count from the new date: a late cancellation became a full refund
                throw Problem.of("reschedule-too-late", 409, "Too late to move", "Past its free cancellation "
                    + "time (" + old.getFullRefundHours() + " hours before the start) a paid booking is moved by the "
                    + "organization only.").toException();
              }
              if (!old.getStartsAt().isAfter(OffsetDateTime.now())) {
                throw Problem.of("already-started", 409, "Already started",
                    "The booking has started; it can no longer be moved.").toException();
              }
              return Waitlists.offerHold(tx, id, WaitlistStatus.offered, WaitlistStatus.accepted)
                  .compose(offer -> {
                    if (offer) {
                      throw Problem.of("offer-not-movable", 409, "An offer stays in its slot", "This hold is a "
                          + "waitlist offer for its slot; book another slot instead.").toException();
                    }
                    return Holds.facts(tx, target);
                  }).compose(slot -> {
                if (!slot.serviceId().equals(old.getServiceId())) {
                  throw Problem.of("different-service", 422, "Different service",
                      "A booking moves only to another slot of the same service.").toException();
                }
                Holds.check(slot, old.getGuest() != null);  // open, provider active and working there, notice, horizon
                return move(tx, old, current, slot, access.actor());
              });
            })));
  }

  /**
   * Takes seats in the new slot, cancels the old booking and creates the new one, then moves the payment, its
   * ledger and the promo code's use to it: money follows the booking. The price stays what was agreed when the
   * booking was made (a reschedule stays within one service), so there is no difference to charge or refund.
   */
  private static Future<ApiReply> move(Sql tx, BookingRecord old, BookingStatus current, Holds.SlotFacts slot,
                                       String actor) {
    BookingStatus status = slot.requiresConfirmation() && current != BookingStatus.held
        ? BookingStatus.pending_confirmation : current;
    var cancelled = new BookingRecord[1];  // the old booking as cancelled, announced after the new one
    return Seats.take(tx, slot.slotId(), old.getSeats(), () -> cancelOld(tx, old)
            .compose(ended -> {
              cancelled[0] = ended;
              return insertNew(tx, old, slot, status);
            })
            .compose(moved -> PaymentsClient.moveWithin(tx, old.getId(), moved.getId())
                .compose(x -> PromoCodes.move(tx, old.getId(), moved.getId()))
                .map(moved)))
        .map(taken -> taken.orElseThrow(() -> Seats.notEnough(old.getSeats())))
        .compose(moved -> BookingEvents.emit(tx, "rescheduled", moved, actor)
            .compose(x -> BookingEvents.emit(tx, "cancelled", cancelled[0], actor,
                new JsonObject().put("replacedBy", moved.getId().toString())))
            .map(x -> ApiReply.created(BookingJson.of(moved), "/v1/bookings/" + moved.getId())));
  }

  private static Future<BookingRecord> cancelOld(Sql tx, BookingRecord old) {
    return tx.fetchOne(Sql.DSL.update(BOOKING).set(BOOKING.STATUS, BookingStatus.cancelled)
            .set(BOOKING.UPDATED_AT, SqlTime.now()).where(BOOKING.ID.eq(old.getId())).returning())
        .compose(cancelled -> Seats.release(tx, old.getId()).map(cancelled));
  }

  /**
   * The same booking in the new slot: same person, seats, amounts and hold expiry; the new slot's provider and time,
   * and {@code status} (back to pending when the service now needs confirmation).
   */
  private static Future<BookingRecord> insertNew(Sql tx, BookingRecord old, Holds.SlotFacts slot,
                                                 BookingStatus status) {
    var moved = old.copy();
    moved.setId(UUID.randomUUID());
    moved.setStatus(status);
    slot.place(moved);
    moved.setRescheduledFrom(old.getId());
    moved.setMoves((short) (old.getMoves() + 1));
    // Booked when the first booking was made (the confirmation deadline counts from then); updated now.
    moved.changed(BOOKING.UPDATED_AT, false);
    return insertWithReference(tx, moved, 3);
  }

  /** With a fresh reference, drawn again if taken, as a hold's ({@link NewBooking#insert}): a clash was a 409. */
  private static Future<BookingRecord> insertWithReference(Sql tx, BookingRecord moved, int attempts) {
    moved.setReference(References.next());
    return tx.fetchOptional(Sql.DSL.insertInto(BOOKING).set(moved).onConflict(BOOKING.REFERENCE).doNothing()
            .returning())
        .compose(row -> row.isPresent() || attempts == 1 ? Future.succeededFuture(row.orElseThrow())
            : insertWithReference(tx, moved, attempts - 1));
  }
}
