package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.SeatState;
import dev.bookwell.db.enums.SlotOrigin;
import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.scheduling.SlotGenerator.Generated;
import io.vertx.core.Future;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.postgres.extensions.types.OffsetDateTimeRange;

/**
 * Slots and their seat rows: inserting them in bounded batches, removing or cancelling untouched ones, capacity.
 * Seats are locked before they are judged, so a booking racing a change either sees its seat kept or never saw
 * the seat at all. Rule-made slots come from {@link Regeneration}.
 */
final class Slots {

  /** Slots per INSERT: 9 bind values each, well under PostgreSQL's 65,535 per statement. */
  static final int BATCH = 1_000;

  private Slots() {
  }

  /** Inserts slots of one organization (skipping ones that exist) with their seats; gives the ids of the new ones. */
  static Future<List<UUID>> insert(Sql tx, UUID providerId, UUID organizationId, List<Generated> slots,
                                   SlotOrigin origin) {
    Future<List<UUID>> chain = Future.succeededFuture(new ArrayList<>());
    for (int from = 0; from < slots.size(); from += BATCH) {
      var batch = slots.subList(from, Math.min(slots.size(), from + BATCH));
      chain = chain.compose(ids -> insertBatch(tx, providerId, organizationId, batch, origin).map(added -> {
        ids.addAll(added);
        return ids;
      }));
    }
    return chain;
  }

  private static Future<List<UUID>> insertBatch(Sql tx, UUID providerId, UUID organizationId, List<Generated> slots,
                                                SlotOrigin origin) {
    var insert = Sql.DSL.insertInto(SLOT, SLOT.ORGANIZATION_ID, SLOT.SERVICE_ID, SLOT.PROVIDER_ID, SLOT.VENUE_ID,
        SLOT.STARTS_AT, SLOT.ENDS_AT, SLOT.OCCUPIED, SLOT.CAPACITY, SLOT.ORIGIN);
    for (Generated g : slots) {
      insert = insert.values(organizationId, g.serviceId(), providerId, g.venueId(),
          g.startsAt().atOffset(ZoneOffset.UTC), g.endsAt().atOffset(ZoneOffset.UTC),
          OffsetDateTimeRange.offsetDateTimeRange(g.occupiedFrom().atOffset(ZoneOffset.UTC),
              g.occupiedUntil().atOffset(ZoneOffset.UTC)), g.capacity(), origin);
    }
    return tx.fetch(insert
            .onConflict(SLOT.PROVIDER_ID, SLOT.SERVICE_ID, SLOT.STARTS_AT).where(SLOT.STATUS.eq(SlotStatus.open))
            .doNothing()
            .returning(SLOT.ID))
        .map(rows -> rows.stream().map(r -> r.getId()).toList())
        .compose(ids -> addSeats(tx, ids).map(ids));
  }

  /** Seat rows 1..capacity for each new slot. */
  private static Future<Integer> addSeats(Sql tx, List<UUID> slotIds) {
    if (slotIds.isEmpty()) {
      return Future.succeededFuture(0);
    }
    var seatNo = DSL.field("generate_series(1, {0})", SQLDataType.INTEGER, SLOT.CAPACITY);
    return tx.update(Sql.DSL.insertInto(SEAT, SEAT.SLOT_ID, SEAT.SEAT_NO)
        .select(Sql.DSL.select(SLOT.ID, seatNo).from(SLOT).where(SLOT.ID.in(slotIds))));
  }

  /** Open slots of the provider that have not started, in one organization (or all of them when null). */
  static Condition future(UUID providerId, UUID organizationId) {
    var condition = SLOT.PROVIDER_ID.eq(providerId).and(SLOT.STATUS.eq(SlotStatus.open))
        .and(SLOT.STARTS_AT.gt(SqlTime.now()));
    return organizationId == null ? condition : condition.and(SLOT.ORGANIZATION_ID.eq(organizationId));
  }

  /**
   * Locks the slots matching {@code which} and then their seats, without bringing the rows back: a hold in flight
   * has either committed (its seat is seen as taken) or will skip the locked seats. Slots take a NO KEY lock, which
   * lets a hold that already has its seat insert its booking (whose foreign key takes KEY SHARE on the slot): a
   * full FOR UPDATE here would wait for that hold's seat while the hold waits for the slot, a deadlock.
   */
  private static Future<Void> lockWithSeats(Sql tx, Condition which) {
    var slots = Sql.DSL.select(SLOT.ID).from(SLOT).where(which).orderBy(SLOT.ID).forNoKeyUpdate();
    var seats = Sql.DSL.select(SEAT.ID).from(SEAT).where(SEAT.SLOT_ID.in(Sql.DSL.select(SLOT.ID).from(SLOT)
        .where(which))).orderBy(SEAT.ID).forUpdate();
    return tx.execute(Sql.DSL.selectCount().from(slots.asTable("locked_slots")))
        .compose(x -> tx.execute(Sql.DSL.selectCount().from(seats.asTable("locked_seats"))))
        .mapEmpty();
  }

  /** A seat someone holds (unexpired) or booked, in the slot in scope. */
  private static Condition taken() {
    return DSL.exists(Sql.DSL.selectOne().from(SEAT).where(SEAT.SLOT_ID.eq(SLOT.ID))
        .and(DSL.not(Bookable.takeableSeat())));
  }

  /**
   * Removes the provider's future rule-made slots that nobody holds or booked (in one organization, or all when
   * null). A slot an old booking still points at (cancelled, expired) is cancelled instead of deleted.
   */
  static Future<Integer> removeUntouched(Sql tx, UUID providerId, UUID organizationId) {
    return removeUntouched(tx, future(providerId, organizationId));
  }

  /** The same, among the slots {@code which} names. */
  static Future<Integer> removeUntouched(Sql tx, Condition which) {
    Condition ruleMade = which.and(SLOT.ORIGIN.eq(SlotOrigin.rule));
    Condition untouched = ruleMade.and(DSL.not(taken()));
    Condition referenced = DSL.exists(Sql.DSL.selectOne().from(BOOKING).where(BOOKING.SLOT_ID.eq(SLOT.ID)));
    return lockWithSeats(tx, ruleMade)
        .compose(x -> tx.update(Sql.DSL.update(SLOT).set(SLOT.STATUS, SlotStatus.cancelled)
            .set(SLOT.CANCELLED_AT, SqlTime.now()).where(untouched).and(referenced)))
        .compose(cancelled -> tx.update(Sql.DSL.deleteFrom(SLOT).where(untouched).and(DSL.not(referenced)))
            .map(deleted -> cancelled + deleted));
  }

  /**
   * When the provider stops working for the organization: cancels its future slots there that nobody holds or
   * booked, and keeps the others for their bookings (they are no longer bookable: holds and search need the link).
   * Gives {cancelled, kept}.
   */
  static Future<int[]> cancelFree(Sql tx, UUID providerId, UUID organizationId) {
    Condition which = future(providerId, organizationId);
    return lockWithSeats(tx, which)
        .compose(x -> tx.update(Sql.DSL.update(SLOT).set(SLOT.STATUS, SlotStatus.cancelled)
            .set(SLOT.CANCELLED_AT, SqlTime.now()).where(which).and(DSL.not(taken()))))
        .compose(cancelled -> tx.fetchOne(Sql.DSL.selectCount().from(SLOT).where(which))
            .map(kept -> new int[] {cancelled, kept.value1()}));
  }

  /** Cancels an open slot that no one holds or booked; with bookings it is the booking area's job (refunds). */
  static Future<Void> cancel(Sql tx, UUID slotId) {
    return tx.fetchOptional(Sql.DSL.select(SLOT.ID).from(SLOT).where(SLOT.ID.eq(slotId))
            .and(SLOT.STATUS.eq(SlotStatus.open)).forNoKeyUpdate())
        .compose(found -> {
          if (found.isEmpty()) {
            throw Problem.notFound("No open slot " + slotId + ".").toException();
          }
          return tx.fetch(Sql.DSL.select(SEAT.STATE).from(SEAT).where(SEAT.SLOT_ID.eq(slotId)).forUpdate());
        })
        .compose(seats -> {
          if (seats.stream().anyMatch(s -> s.value1() != SeatState.free)) {
            throw Problem.of("slot-has-bookings", 409, "Slot has bookings",
                "Seats of this slot are held or booked; cancel those bookings first.").toException();
          }
          return tx.update(Sql.DSL.update(SLOT).set(SLOT.STATUS, SlotStatus.cancelled)
              .set(SLOT.CANCELLED_AT, SqlTime.now()).where(SLOT.ID.eq(slotId)));
        })
        .mapEmpty();
  }

  /**
   * Raises or lowers a slot's capacity. Lowering removes free seats only, taking them with SKIP LOCKED so a
   * booking in flight keeps its seat; if not enough free seats can be removed, nothing changes and the answer is 409.
   */
  static Future<Integer> changeCapacity(Sql tx, UUID slotId, int capacity) {
    return tx.fetchOptional(Sql.DSL.select(SLOT.CAPACITY).from(SLOT).where(SLOT.ID.eq(slotId))
            .and(SLOT.STATUS.eq(SlotStatus.open)).forNoKeyUpdate())
        .compose(found -> {
          int current = found.orElseThrow(() -> Problem.notFound("No open slot " + slotId + ".").toException())
              .value1();
          if (capacity == current) {
            return Future.succeededFuture(current);
          }
          Future<?> seats = capacity > current ? addSeatRange(tx, slotId, current + 1, capacity)
              : removeFreeSeats(tx, slotId, current - capacity);
          return seats.compose(x -> tx.update(Sql.DSL.update(SLOT).set(SLOT.CAPACITY, capacity)
              .where(SLOT.ID.eq(slotId)))).map(capacity);
        });
  }

  private static Future<Integer> addSeatRange(Sql tx, UUID slotId, int from, int to) {
    // Seat numbers stay unique: continue after the highest number in use.
    var next = DSL.field("(select coalesce(max(seat_no), 0) from seat where slot_id = {0}) + generate_series(1, {1})",
        SQLDataType.INTEGER, DSL.val(slotId), DSL.val(to - from + 1));
    return tx.update(Sql.DSL.insertInto(SEAT, SEAT.SLOT_ID, SEAT.SEAT_NO).select(Sql.DSL.select(DSL.val(slotId), next)));
  }

  private static Future<Integer> removeFreeSeats(Sql tx, UUID slotId, int count) {
    var victims = Sql.DSL.select(SEAT.ID).from(SEAT)
        .where(SEAT.SLOT_ID.eq(slotId)).and(SEAT.STATE.eq(SeatState.free))
        .orderBy(SEAT.SEAT_NO.desc()).limit(count)
        .forUpdate().skipLocked();
    return tx.update(Sql.DSL.deleteFrom(SEAT).where(SEAT.ID.in(victims))).compose(removed -> removed == count
        ? Future.succeededFuture(removed)
        : Future.failedFuture(Problem.of("capacity-below-booked", 409, "Capacity below bookings",
            "Only " + removed + " seats are free; the capacity cannot go lower without cancelling bookings.")
            .toException()));
  }

}
