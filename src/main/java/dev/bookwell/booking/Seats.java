package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.SeatState;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.db.tables.records.SeatRecord;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Records;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jooq.CommonTableExpression;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.Record2;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.Select;
import org.jooq.UpdateConditionStep;
import org.jooq.impl.DSL;

/** The seat SQL of the booking area: take with SKIP LOCKED, release. */
final class Seats {

  /** Seats taken: their ids, and the bookings whose expired holds they were taken from. */
  private record Taken(List<Long> seatIds, List<UUID> expiredHolders) {
  }

  private Seats() {
  }

  /**
   * The general way seats are taken (a hold with a promo code or short of free seats, a reschedule, a late
   * payment; {@link #takingFree} is a hold's common case in one statement): pick them with SKIP LOCKED; if enough are
   * free, end the expired holds they came from, let {@code owner} give the booking that gets them (made now or
   * existing), and give it the seats: held until its hold expires while it is a hold, booked otherwise. Empty when
   * the slot has fewer than {@code count} takeable seats; nothing was changed then.
   */
  static Future<Optional<BookingRecord>> take(Sql tx, UUID slotId, int count,
                                              Supplier<Future<BookingRecord>> owner) {
    return take(tx, slotId, count, false, owner);
  }

  /**
   * {@link #take}, by the waitlist's offer ({@code forWaitlist}) or by anyone else: while someone waits for the slot,
   * only the waitlist takes its seats, so a seat that comes free goes to the first in line and not to whoever asks
   * first.
   */
  static Future<Optional<BookingRecord>> take(Sql tx, UUID slotId, int count, boolean forWaitlist,
                                              Supplier<Future<BookingRecord>> owner) {
    return pick(tx, slotId, count, forWaitlist).compose(picked -> picked.seatIds().size() < count
        ? Future.succeededFuture(Optional.empty())
        : Holds.expire(tx, picked.expiredHolders(), "hold-taken-over")
            .compose(x -> owner.get())
            .compose(booking -> assign(tx, picked.seatIds(), booking.getId(), booking.getStatus() == BookingStatus.held
                ? DSL.val(booking.getHoldExpiresAt()) : null).map(Optional.of(booking))));
  }

  /** What a hold or a reschedule answers when {@link #take} found too few seats. */
  static ProblemException notEnough(int count) {
    return Problem.of("slot-unavailable", 409, "Not enough seats",
        "The slot does not have " + count + " free seat" + (count == 1 ? "" : "s") + " for you (full, or others "
        + "wait for it); join its waitlist to be offered seats that come free.").toException();
  }

  /**
   * Locks up to {@code count} takeable seats of the slot, skipping seats other transactions hold locked, so no one
   * waits on a lock. Fewer than asked means the slot is full for this request.
   */
  private static Future<Taken> pick(Sql tx, UUID slotId, int count, boolean forWaitlist) {
    // Free seats first, straight off the seat_free index; only if they run short, seats of expired holds.
    return lock(tx, forWaitlist ? FREE_FOR_WAITLIST : FREE, slotId, count).compose(free -> free.size() == count
        ? Future.succeededFuture(free)
        : lock(tx, forWaitlist ? EXPIRED_FOR_WAITLIST : EXPIRED, slotId, count - free.size())
            .map(expired -> {
              var all = new ArrayList<>(free);
              all.addAll(expired);
              return all;
            }))
        .map(rows -> new Taken(rows.stream().map(r -> r.value1()).toList(),
            rows.stream().map(r -> r.value2()).filter(Objects::nonNull).distinct().toList()));
  }

  /*
   * The picks, rendered once: free seats or seats of expired holds, by the waitlist's offer or by anyone else (the
   * line's rule). A hold whose one-statement attempt found nothing on a slot not sold out runs both.
   */
  private static final Prepared<Record2<Long, UUID>> FREE = picking(SEAT.STATE.eq(SeatState.free), false);
  private static final Prepared<Record2<Long, UUID>> FREE_FOR_WAITLIST = picking(SEAT.STATE.eq(SeatState.free), true);
  private static final Prepared<Record2<Long, UUID>> EXPIRED = picking(SchedulingClient.expiredHoldSeat(), false);
  private static final Prepared<Record2<Long, UUID>> EXPIRED_FOR_WAITLIST = picking(SchedulingClient.expiredHoldSeat(), true);

  private static Prepared<Record2<Long, UUID>> picking(Condition which, boolean forWaitlist) {
    Field<UUID> slot = DSL.param("slot", UUID.class);
    return Prepared.of(picking(slot, which.and(forWaitlist ? DSL.noCondition() : Waitlists.nobodyWaiting(slot)),
        DSL.param("count", Integer.class), randomStart(slot)));
  }

  /**
   * The slot is judged again in the same statement that takes its seats (a fresh snapshot): a slot cancelled, or
   * whose provider stopped working there, after the hold read its facts gives no seat.
   */
  private static Future<List<Record2<Long, UUID>>> lock(Sql tx, Prepared<Record2<Long, UUID>> pick, UUID slotId,
                                                       int count) {
    return tx.fetch(pick, Map.of("slot", slotId, "count", count));
  }

  /**
   * Locks up to {@code count} seats of the slot that {@code which} allows, skipping those other transactions hold
   * locked: first among the {@link #WINDOW} seat numbers from {@code start} (one number), then the seats after
   * them, then those before, each in seat order. The service starts at a random seat ({@link #randomStart}).
   *
   * <p>Taken in seat order from the first, a rush's taken seats lay at the front of the slot's seats and every
   * hold walked over all of them: in the open-loop benchmark PostgreSQL chose the slot's unique (slot, seat number)
   * index with the state as a filter, and the pick read 3,769 taken seats to find a free one, 1.2 ms of a hold at
   * 240/s. From a random start a pick reads a few seats whatever the plan, until the slot is nearly sold out; and
   * concurrent holds start apart instead of all skipping each other's locked rows at the front (pgbench by hand,
   * the window and one part after it, 64 clients on a 10,000-seat slot: 5,000-6,700 against 3,400-5,000
   * transactions/s). The parts after the window run only when it had too few: a LIMIT of 0 reads nothing.
   */
  static Select<Record2<Long, UUID>> picking(Field<UUID> slot, Condition which, Field<Integer> count,
                                            Select<Record1<Integer>> start) {
    // drawn once (materialized), for all three parts
    var drawn = DSL.name("start").fields("seat_no").asMaterialized(start);
    Field<Integer> from = DSL.field(DSL.select(drawn.field("seat_no", Integer.class)).from(drawn));
    var near = DSL.name("near").asMaterialized(pickingInOrder(slot, which.and(SEAT.SEAT_NO.ge(from))
        .and(SEAT.SEAT_NO.lt(from.plus(WINDOW))), count));
    var after = DSL.name("after").asMaterialized(pickingInOrder(slot, which.and(SEAT.SEAT_NO.ge(from.plus(WINDOW))),
        count.minus(found(near))));
    var before = DSL.name("before").asMaterialized(pickingInOrder(slot, which.and(SEAT.SEAT_NO.lt(from)),
        count.minus(found(near)).minus(found(after))));
    return Sql.DSL.with(drawn, near, after, before)
        .select(near.field(SEAT.ID), near.field(SEAT.BOOKING_ID)).from(near)
        .unionAll(DSL.select(after.field(SEAT.ID), after.field(SEAT.BOOKING_ID)).from(after))
        .unionAll(DSL.select(before.field(SEAT.ID), before.field(SEAT.BOOKING_ID)).from(before));
  }

  /** How many seat numbers from its start a pick looks at first ({@link #picking}). */
  static final int WINDOW = 64;

  /**
   * A random seat number of the slot, up to its highest (seats added to a slot continue after it, so numbers can
   * run past the capacity): the highest is one probe of the (slot, seat number) index, backwards.
   */
  static Select<Record1<Integer>> randomStart(Field<UUID> slot) {
    return DSL.select(DSL.field("1 + floor(random() * {0})::int", Integer.class, DSL.max(SEAT.SEAT_NO)))
        .from(SEAT).where(SEAT.SLOT_ID.eq(slot));
  }

  private static Field<Integer> found(CommonTableExpression<?> part) {
    return DSL.field(DSL.selectCount().from(part));
  }

  private static Select<Record2<Long, UUID>> pickingInOrder(Field<UUID> slotId, Condition which,
                                                            Field<Integer> count) {
    return Sql.DSL.select(SEAT.ID, SEAT.BOOKING_ID).from(SEAT).join(SLOT).on(SLOT.ID.eq(SEAT.SLOT_ID))
        .where(SEAT.SLOT_ID.eq(slotId)).and(which)
        .and(SchedulingClient.slotBookable())
        .orderBy(SEAT.SEAT_NO).limit(count)
        .forUpdate().of(SEAT).skipLocked();
  }

  /**
   * The common case of {@link #take} as one statement, one round trip where take needs four: free seats picked
   * with SKIP LOCKED (the same pick, the same waitlist rule), the booking inserted only when all were found and the
   * caller's {@code allowed} holds, the seats given to it, its event written. The statement's parts share one
   * snapshot and see each other only through what they return, so each part is guarded by the one before: the
   * insert by the number picked, the seats and the event by the inserted row.
   *
   * <p>Rendered once ({@link Prepared}); each run gives the parameters {@code slot} and {@code count}, those of
   * {@code booking} (column to value; a hold's expiry, which its seats are held until, is an expression there),
   * {@code new_id} among them, and those of {@code allowed} and {@code event}.
   */
  @SuppressWarnings("unchecked")
  static Prepared<Record> takingFree(Condition allowed, Map<Field<?>, Field<?>> booking,
                                     Function<Condition, ResultQuery<?>> event) {
    Field<UUID> slot = DSL.param("slot", SEAT.SLOT_ID);
    Field<Integer> count = DSL.param("count", Integer.class);
    var picked = DSL.name("picked").asMaterialized(picking(slot,
        SEAT.STATE.eq(SeatState.free).and(Waitlists.nobodyWaiting(slot)), count, randomStart(slot)));
    var made = DSL.name("made").as(Sql.DSL.insertInto(BOOKING).columns(booking.keySet())
        .select(DSL.select(booking.values()).where(found(picked).eq(count)).and(allowed))
        .onConflict(BOOKING.REFERENCE).doNothing()
        .returning());
    Condition inserted = DSL.exists(DSL.selectOne().from(made));
    // by the seats' keys (= ANY of an array): the planner cannot know how many were picked (the later parts' LIMITs
    // are expressions), and with IN it joined them to a scan of the whole seat table
    var given = DSL.name("given").as(assignment(SEAT.ID.eq(DSL.any(DSL.array(
            DSL.select(picked.field(SEAT.ID)).from(picked)))).and(inserted), (Field<UUID>) booking.get(BOOKING.ID),
        (Field<OffsetDateTime>) booking.get(BOOKING.HOLD_EXPIRES_AT)).returning(SEAT.ID));
    var written = DSL.name("written").as(event.apply(inserted));
    return Prepared.of(Sql.DSL.with(picked, made, given, written).select(made.fields()).from(made));
  }

  /**
   * Runs {@link #takingFree}. Empty when fewer seats were free, {@code allowed} failed, or the reference clashed:
   * nothing was written, the free seats found stay locked by this transaction, and {@link #take} (which also takes
   * seats of expired holds) or the caller's own checks decide.
   */
  static Future<Optional<BookingRecord>> takeFree(Sql tx, Prepared<Record> statement, Map<String, ?> values) {
    return tx.fetchOptional(statement, values).map(found -> found.map(row -> Records.into(row, BOOKING)));
  }

  /** Gives the picked seats to the booking: held until {@code heldUntil}, or booked when it is null. */
  private static Future<Integer> assign(Sql tx, List<Long> seatIds, UUID bookingId, Field<OffsetDateTime> heldUntil) {
    return tx.update(assignment(SEAT.ID.in(seatIds), DSL.val(bookingId), heldUntil));
  }

  private static UpdateConditionStep<SeatRecord> assignment(Condition seats, Field<UUID> bookingId,
                                                            Field<OffsetDateTime> heldUntil) {
    var update = Sql.DSL.update(SEAT).set(SEAT.BOOKING_ID, bookingId);
    if (heldUntil == null) {
      update.set(SEAT.STATE, SeatState.booked).setNull(SEAT.HELD_UNTIL);
    } else {
      update.set(SEAT.STATE, SeatState.held).set(SEAT.HELD_UNTIL, heldUntil);
    }
    return update.where(seats);
  }

  /**
   * Turns a booking's seats into booked ones (after payment, acceptance or confirmation): all of them, or 409
   * {@code hold-lost} and the transaction rolls back. A hold locked just before its time ran out can have lost a
   * seat to a take that came just after (the take skips the locked booking row and takes the expired seat): the
   * booking is then not confirmed without its seats.
   */
  static Future<Void> confirm(Sql tx, BookingRecord booking) {
    return tx.fetch(CONFIRM, Map.of("booking", booking.getId()))
        .map(booked -> {
          if (booked.size() != booking.getSeats()) {
            throw holdLost();
          }
          return null;
        });
  }

  private static final Prepared<SeatRecord> CONFIRM = Prepared.of(booked(DSL.param("booking", SEAT.BOOKING_ID))
      .returning(SEAT.ID));

  /** The booking's seats made booked. */
  static UpdateConditionStep<SeatRecord> booked(Field<UUID> bookingId) {
    return Sql.DSL.update(SEAT).set(SEAT.STATE, SeatState.booked).setNull(SEAT.HELD_UNTIL)
        .where(SEAT.BOOKING_ID.eq(bookingId));
  }

  static ProblemException holdLost() {
    return Problem.of(HOLD_LOST, 409, "Hold lost", "The hold's time ran out and its seats went to someone else.")
        .toException();
  }

  static final String HOLD_LOST = "hold-lost";

  /**
   * Frees the seats of an expired hold that nobody else has locked, without waiting. A seat another transaction
   * holds locked is being taken over by a hold (it will name the new booking) or judged by a schedule change; left
   * as it is, held with a past expiry, it counts as free anyway. Never waiting here keeps expiry out of lock cycles.
   */
  static Future<Integer> releaseExpired(Sql tx, UUID bookingId) {
    return tx.update(Sql.DSL.update(SEAT).set(SEAT.STATE, SeatState.free).setNull(SEAT.BOOKING_ID)
        .setNull(SEAT.HELD_UNTIL).where(SEAT.ID.in(Sql.DSL.select(SEAT.ID).from(SEAT)
            .where(SEAT.BOOKING_ID.eq(bookingId)).forUpdate().skipLocked())));
  }

  /** Frees every seat still linked to the booking. */
  static Future<Integer> release(Sql tx, UUID bookingId) {
    return tx.update(Sql.DSL.update(SEAT).set(SEAT.STATE, SeatState.free).setNull(SEAT.BOOKING_ID)
        .setNull(SEAT.HELD_UNTIL).where(SEAT.BOOKING_ID.eq(bookingId)));
  }
}
