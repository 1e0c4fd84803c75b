package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.CALENDAR_BUSY;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.enums.SeatState;
import dev.bookwell.db.enums.SlotOrigin;
import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The one definition of "bookable" in SQL: search, the provider list and (through {@link SchedulingClient}) the
 * booking area's seat taking all use it.
 */
final class Bookable {

  private Bookable() {
  }

  /** A seat that can be taken: free, or held by a hold that has expired. Needs {@code SEAT} in scope. */
  static Condition takeableSeat() {
    return SEAT.STATE.eq(SeatState.free).or(expiredHoldSeat());
  }

  /** A seat held by a hold whose time passed (by the database clock). Needs {@code SEAT}. */
  static Condition expiredHoldSeat() {
    return SEAT.STATE.eq(SeatState.held).and(SEAT.HELD_UNTIL.lt(SqlTime.now()));
  }

  /**
   * The slot's provider works for the slot's organization: a slot kept for its bookings after the link ended is
   * not bookable. Needs {@code SLOT}.
   */
  static Condition providerWorksThere() {
    // a provider's search names its own links and organizations "provider_organization" and "organization"
    // (SlotSearch.providerLinks): a condition added here that reads those tables for another row would not find it
    return DSL.exists(Sql.DSL.selectOne().from(PROVIDER_ORGANIZATION)
        .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(SLOT.PROVIDER_ID))
        .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(SLOT.ORGANIZATION_ID))
        .and(linkActive()));
  }

  /** The link is one the provider works under. Needs {@code PROVIDER_ORGANIZATION}. */
  static Condition linkActive() {
    // a link whose requirements lapsed (a document expired) is not bookable until a new one is approved
    return PROVIDER_ORGANIZATION.STATUS.eq(ProviderLinkStatus.active)
        .and(PROVIDER_ORGANIZATION.REQUIREMENTS_LAPSED_AT.isNull());
  }

  /**
   * An open slot inside its service's minimum notice and booking horizon, whose provider works there. Needs
   * {@code SLOT} and {@code SERVICE}.
   */
  static Condition slotInWindow() {
    Field<OffsetDateTime> earliest = DSL.field("now() + make_interval(mins => {0})",
        SQLDataType.TIMESTAMPWITHTIMEZONE, SERVICE.MIN_NOTICE_MINUTES);
    Field<OffsetDateTime> latest = DSL.field("now() + make_interval(days => {0})",
        SQLDataType.TIMESTAMPWITHTIMEZONE, SERVICE.HORIZON_DAYS);
    return slotOpen()
        .and(SLOT.STARTS_AT.ge(earliest))
        .and(SLOT.STARTS_AT.lt(latest))
        .and(SERVICE.DELETED_AT.isNull());
  }

  /**
   * The slot is open, its provider works for its organization, and (for a slot the weekly hours made) no busy time
   * of the provider's imported calendars overlaps it: a slot that could not be taken away when the busy time came
   * (someone held or booked a seat) is not bookable for the rest. Needs {@code SLOT}.
   */
  static Condition slotOpen() {
    return SLOT.STATUS.eq(SlotStatus.open).and(providerWorksThere())
        .and(SLOT.ORIGIN.ne(SlotOrigin.rule).or(DSL.not(overlapsBusy())));
  }

  /** The slot in scope overlaps a busy time of its provider's imported calendars (buffers included). */
  static Condition overlapsBusy() {
    return DSL.exists(Sql.DSL.selectOne().from(CALENDAR_BUSY).where(CALENDAR_BUSY.PROVIDER_ID.eq(SLOT.PROVIDER_ID))
        .and(DSL.condition("{0} && {1}", CALENDAR_BUSY.DURING, SLOT.OCCUPIED)));
  }

  /**
   * Seats that can be taken in the slot in scope. In a select list, PostgreSQL counts them only for the rows a
   * limited, sorted query returns; {@link #hasTakeableSeat} filters the candidates, stopping at the first seat.
   */
  static Field<Integer> seatsAvailable() {
    return takeableSeats().as("available");
  }

  /**
   * {@link #seatsAvailable} of a slot that {@link #hasTakeableSeat} let through: a slot of one seat (an
   * appointment) has that seat free, known without reading it again, since a slot's seat rows are its capacity
   * ({@link Slots}). Half the seat reads of a provider's week of appointments, a third of its buffers: 668 of
   * 2,030 (auto_explain in the search benchmark).
   */
  static Field<Integer> seatsAvailableOfTakeable() {
    return DSL.when(SLOT.CAPACITY.eq(1), DSL.inline(1)).otherwise(takeableSeats()).as("available");
  }

  private static Field<Integer> takeableSeats() {
    return DSL.field(Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(SLOT.ID)).and(takeableSeat()));
  }

  /**
   * The slot in scope has a seat that can be taken, as the searches ask it of each candidate slot: one EXISTS. Two
   * ({@link #hasTakeableSeat(Field)}) made the organization-day search slower in the benchmark: 158/s and p99
   * 437 ms, against 231-302/s and p99 76-91 ms with one.
   */
  static Condition hasTakeableSeat() {
    return DSL.exists(Sql.DSL.selectOne().from(SEAT).where(SEAT.SLOT_ID.eq(SLOT.ID)).and(takeableSeat()));
  }

  /**
   * The slot {@code slotId} has a seat that can be taken, as a hold asks it of its one slot: {@link #takeableSeat}
   * as two probes, one on each partial index ({@code seat_free}, {@code seat_held}), so a sold-out session is known
   * from two index probes rather than a walk over its taken seats ({@code HoldPlanTest}). The free seat is asked
   * as the first in seat order, which only an index gives without reading them all: asked as EXISTS, PostgreSQL
   * expected so many of a big session's seats free that it scanned the seat table for one, in the open-loop
   * benchmark past the 19,000 seats of the sessions stored before it (0.7 ms of each hold).
   */
  static Condition hasTakeableSeat(Field<UUID> slotId) {
    return DSL.field(Sql.DSL.select(SEAT.SEAT_NO).from(SEAT).where(SEAT.SLOT_ID.eq(slotId))
            .and(SEAT.STATE.eq(SeatState.free)).orderBy(SEAT.SEAT_NO).limit(1)).isNotNull()
        .or(DSL.exists(Sql.DSL.selectOne().from(SEAT).where(SEAT.SLOT_ID.eq(slotId)).and(expiredHoldSeat())));
  }
}
