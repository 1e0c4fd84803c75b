package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Records;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * A hold that was paid or accepted becomes {@code confirmed}, or {@code pending_confirmation} (a waitlist offer
 * accepted for a service staff confirm): its seats booked, all of them, at an organization the provider still works
 * for, and its event written, in one statement ({@link #promoting}) that writes all of that or nothing.
 */
final class Promotion {

  private Promotion() {
  }

  /**
   * In the caller's transaction, the booking locked by it: 409 {@code hold-lost} when the seats are not all the
   * booking's any more, 409 {@code provider-left} when the provider left the organization.
   */
  static Future<BookingRecord> promote(Sql tx, BookingRecord booking, BookingStatus to, String actor) {
    return tx.fetchOptional(PROMOTE, values(booking, to, actor)).compose(updated -> updated.isPresent()
        ? Future.succeededFuture(Records.into(updated.get(), BOOKING))
        : Lifecycle.requireProviderThere(tx, booking).map(x -> {
          throw Seats.holdLost();
        }));
  }

  /**
   * Every purchase's confirmation, the card authorized on a hold that stands: the booking read, then promoted by a
   * statement of its own, two round trips and no transaction where a locked read in one took four (BEGIN, the lock,
   * the promotion, COMMIT). The event is written from the row as read, so the statement promotes only that very
   * version of the row ({@code xmin}, the transaction that wrote it: any change since makes a new version), still
   * held and in its time; it locks the booking, its provider's link and its seats before it writes, so it sees
   * them as they are.
   * False when it promoted nothing (not held, changed meanwhile, a seat or the provider gone): the caller then takes
   * the locked path, which tells those cases apart.
   */
  static Future<Boolean> paidHold(Db db, UUID id) {
    return db.fetchOptional(VERSIONED, Map.of("id", id)).compose(found -> found.isEmpty()
        || found.get().get(BOOKING.STATUS) != BookingStatus.held ? Future.succeededFuture(false)
        : confirmHeld(db, Records.into(found.get(), BOOKING), found.get().get(VERSION)));
  }

  /**
   * The hold {@code booking}, as read at {@code version}, confirmed if it still is that version; else false. Not in
   * a transaction (a {@link Db}): a transaction's own second write to a row keeps its xmin, so in one a version
   * would not tell a change made by the same transaction.
   */
  static Future<Boolean> confirmHeld(Db db, BookingRecord booking, String version) {
    var values = values(booking, BookingStatus.confirmed, "payment");
    values.put("version", version);
    return db.fetchOptional(PROMOTE_HELD, values).map(promoted -> promoted.isPresent());
  }

  private static Map<String, Object> values(BookingRecord booking, BookingStatus to, String actor) {
    var promoted = Records.into(booking, BOOKING).setStatus(to).setRefundPercent(null);
    var values = new HashMap<String, Object>(BookingEvents.emitValues(to.getLiteral(), promoted, actor));
    values.put("status", to);
    values.put("id", booking.getId());
    return values;
  }

  /** The row's version: the id of the transaction that wrote it. */
  private static final Field<String> XMIN = DSL.field("booking.xmin::text", String.class);
  private static final Field<String> VERSION = XMIN.as("version");

  private static final Prepared<Record> VERSIONED = Prepared.of(BookingRows.selectWith(VERSION).from(BOOKING)
      .where(BOOKING.ID.eq(DSL.param("id", BOOKING.ID))));

  private static final Prepared<Record> PROMOTE = promoting(DSL.trueCondition(), false);
  private static final Prepared<Record> PROMOTE_HELD = promoting(XMIN.eq(DSL.param("version", String.class)), true);

  /**
   * The booking locked (when {@code guard} holds), then its provider's link to the organization (shared), then its
   * seats; only if it has all of them, the link is one the provider works under and (when {@code held}) it is a
   * hold whose time has not run out, are the seats booked, the booking promoted and its event written. Nothing is
   * written otherwise, so the statement needs no transaction around it to undo half of it. Rendered once each.
   * <p>
   * Each condition is on a row the statement locked, so it is checked on the row as it is once the lock is had,
   * not as the statement's snapshot saw it: a provider whose link was ended while the statement waited for it is
   * not confirmed. The order (booking, link, seats) is the one ending a link takes from its link on (link, seats).
   * The link's share lock cost nothing measurable: the purchase stage (200 providers' links) made 315 confirmed/s
   * with it and 315 with the link only read, side by side.
   * The status and the hold's time are checked in {@code ok}, on the row locked, not in the lock's WHERE: there
   * {@code status = 'held'} let the planner walk the index of held bookings by expiry and filter it by id (133 to
   * 343 buffers a confirmation in the purchase benchmark, growing with the holds; the primary key takes three).
   */
  private static Prepared<Record> promoting(Condition guard, boolean held) {
    var id = DSL.param("id", BOOKING.ID);
    var locked = DSL.name("locked").as(Sql.DSL.select(BOOKING.SEATS, BOOKING.SLOT_ID, BOOKING.STATUS,
            BOOKING.HOLD_EXPIRES_AT)
        .from(BOOKING).where(BOOKING.ID.eq(id)).and(guard).forUpdate());
    var link = DSL.name("link").as(Sql.DSL.select(PROVIDER_ORGANIZATION.PROVIDER_ID).from(PROVIDER_ORGANIZATION)
        .join(SLOT).on(SLOT.PROVIDER_ID.eq(PROVIDER_ORGANIZATION.PROVIDER_ID))
        .and(SLOT.ORGANIZATION_ID.eq(PROVIDER_ORGANIZATION.ORGANIZATION_ID))
        .where(SLOT.ID.in(DSL.select(locked.field(BOOKING.SLOT_ID)).from(locked)))
        .and(SchedulingClient.linkActive()).forShare().of(PROVIDER_ORGANIZATION));
    var mine = DSL.name("mine").as(Sql.DSL.select(SEAT.ID).from(SEAT).where(SEAT.BOOKING_ID.eq(id))
        .and(DSL.exists(DSL.selectOne().from(link))).forUpdate());
    var ok = DSL.name("ok").as(DSL.selectOne().from(locked)
        .where(locked.field(BOOKING.SEATS).eq(DSL.field(DSL.selectCount().from(mine))))
        .and(DSL.exists(DSL.selectOne().from(link)))
        .and(held ? locked.field(BOOKING.STATUS).eq(BookingStatus.held)
            .and(locked.field(BOOKING.HOLD_EXPIRES_AT).gt(SqlTime.now())) : DSL.trueCondition()));
    var booked = DSL.name("booked").as(Seats.booked(id).and(SEAT.ID.in(DSL.select(mine.field(SEAT.ID)).from(mine)))
        .and(DSL.exists(DSL.selectOne().from(ok))).returning(SEAT.ID));
    var promoted = DSL.name("promoted").as(Sql.DSL.update(BOOKING)
        .set(BOOKING.STATUS, DSL.param("status", BOOKING.STATUS)).setNull(BOOKING.REFUND_PERCENT)
        .set(BOOKING.UPDATED_AT, SqlTime.now()).where(BOOKING.ID.eq(id)).and(DSL.exists(DSL.selectOne().from(ok)))
        .returning());
    var written = DSL.name("written").as(BookingEvents.emitWhen(DSL.exists(DSL.selectOne().from(promoted))));
    return Prepared.of(Sql.DSL.with(locked, link, mine, ok, booked, promoted, written).select(promoted.fields())
        .from(promoted));
  }
}
