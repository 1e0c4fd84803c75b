package dev.bookwell.booking;

import static dev.bookwell.db.Tables.SEAT;

import dev.bookwell.db.enums.SeatState;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record2;

/** The seat SQL of the booking area: take with SKIP LOCKED, release. */
final class Seats {

  /** Seats taken: their ids, and the bookings whose expired holds they were taken from. */
  record Taken(List<Long> seatIds, List<UUID> expiredHolders) {
  }

  private Seats() {
  }

  /**
   * Locks up to {@code count} takeable seats of the slot, skipping seats other transactions hold locked, so no one
   * waits on a lock. Fewer than asked means the slot is full for this request.
   */
  static Future<Taken> pick(Sql tx, UUID slotId, int count) {
    // Free seats first, straight off the seat_free index; only if they run short, seats of expired holds.
    return lock(tx, slotId, SEAT.STATE.eq(SeatState.free), count).compose(free -> free.size() == count
        ? Future.succeededFuture(free)
        : lock(tx, slotId, SEAT.STATE.eq(SeatState.held).and(SEAT.HELD_UNTIL.lt(SqlTime.now())), count - free.size())
            .map(expired -> {
              var all = new ArrayList<>(free);
              all.addAll(expired);
              return all;
            }))
        .map(rows -> new Taken(rows.stream().map(r -> r.value1()).toList(),
            rows.stream().map(r -> r.value2()).filter(Objects::nonNull).distinct().toList()));
  }

  private static Future<List<Record2<Long, UUID>>> lock(Sql tx, UUID slotId, Condition which, int count) {
    return tx.fetch(Sql.DSL.select(SEAT.ID, SEAT.BOOKING_ID).from(SEAT)
        .where(SEAT.SLOT_ID.eq(slotId)).and(which)
        .orderBy(SEAT.SEAT_NO).limit(count)
        .forUpdate().skipLocked());
  }

  /** Gives the picked seats to the booking: held until {@code heldUntil}, or booked when it is null. */
  static Future<Integer> assign(Sql tx, List<Long> seatIds, UUID bookingId, Field<OffsetDateTime> heldUntil) {
    var update = Sql.DSL.update(SEAT).set(SEAT.BOOKING_ID, bookingId);
    if (heldUntil == null) {
      update.set(SEAT.STATE, SeatState.booked).setNull(SEAT.HELD_UNTIL);
    } else {
      update.set(SEAT.STATE, SeatState.held).set(SEAT.HELD_UNTIL, heldUntil);
    }
    return tx.update(update.where(SEAT.ID.in(seatIds)));
  }

  /** Turns a booking's held seats into booked ones (after payment or confirmation). */
  static Future<Integer> confirm(Sql tx, UUID bookingId) {
    return tx.update(Sql.DSL.update(SEAT).set(SEAT.STATE, SeatState.booked).setNull(SEAT.HELD_UNTIL)
        .where(SEAT.BOOKING_ID.eq(bookingId)));
  }

  /** Frees every seat still linked to the booking. */
  static Future<Integer> release(Sql tx, UUID bookingId) {
    return tx.update(Sql.DSL.update(SEAT).set(SEAT.STATE, SeatState.free).setNull(SEAT.BOOKING_ID)
        .setNull(SEAT.HELD_UNTIL).where(SEAT.BOOKING_ID.eq(bookingId)));
  }
}
