package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.db.Tables.WAITLIST_ENTRY;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.db.enums.WaitlistStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.db.tables.records.WaitlistEntryRecord;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.EnumSet;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serving a slot's waitlist: offers that were taken become {@code booked}, offers whose time ran out lapse (their
 * hold expires), and seats that are free go to the first in line as a hold of their own. One slot is served by one
 * transaction at a time (a try-lock on the slot: a second server skips it rather than wait, and the next round picks
 * up what it left), so the line is walked in join order and never twice at once. Joins wait for the same lock, so
 * an entry is committed before a server looks at the line or joins after it: nobody who joined earlier is passed
 * over because their join had not committed yet. A seat freed while another transaction serves the slot waits for
 * the next round ({@code BOOKWELL_WAITLIST_ROUND}); meanwhile nobody outside the line can take it
 * ({@link Waitlists#nobodyWaiting}).
 *
 * <p>Lock order, as everywhere in the area: an entry before its booking, a booking before its seats. Offers being
 * settled are taken with SKIP LOCKED (one a client is accepting or leaving right now waits for the next round).
 */
final class WaitlistOffers {

  private static final Logger LOG = LoggerFactory.getLogger(WaitlistOffers.class);
  /** Bounded work a round: slots served, and offers made in one slot's transaction. */
  private static final int SLOTS_PER_ROUND = 100;
  private static final int OFFERS_PER_SLOT = 50;
  private static final EnumSet<BookingStatus> TAKEN = EnumSet.of(BookingStatus.confirmed,
      BookingStatus.pending_confirmation, BookingStatus.completed, BookingStatus.no_show);
  private static final EnumSet<WaitlistStatus> HOLDING_OFFER = EnumSet.of(WaitlistStatus.offered,
      WaitlistStatus.accepted);

  private final Db db;
  private final Duration offerTtl;

  WaitlistOffers(Db db, Duration offerTtl) {
    this.db = db;
    this.offerTtl = offerTtl;
  }

  /** One round: lines of slots nobody can book any more close, then each slot with work is served. */
  Future<JsonObject> round() {
    return db.update(Sql.DSL.update(WAITLIST_ENTRY).set(WAITLIST_ENTRY.STATUS, WaitlistStatus.closed)
            .set(WAITLIST_ENTRY.ENDED_AT, SqlTime.now())
            .where(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting))
            .and(WAITLIST_ENTRY.SLOT_ID.in(Sql.DSL.select(SLOT.ID).from(SLOT)
                .where(SLOT.STATUS.ne(SlotStatus.open).or(SLOT.STARTS_AT.le(SqlTime.now()))))))
        .compose(closed -> db.fetch(slotsWithWork()).compose(slots -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var slot : slots) {
            chain = chain.compose(made -> serve(slot.value1()).map(n -> made + n).otherwise(e -> {
              LOG.warn("serving the waitlist of slot {} failed; next round tries again", slot.value1(), e);
              return made;
            }));
          }
          return chain.map(offered -> new JsonObject().put("closed", closed).put("offered", offered));
        }));
  }

  /** Slots where someone waits and a seat is takeable, or where an offer was taken or ran out. */
  private static org.jooq.ResultQuery<org.jooq.Record1<UUID>> slotsWithWork() {
    var seatFree = DSL.exists(Sql.DSL.selectOne().from(SEAT).where(SEAT.SLOT_ID.eq(WAITLIST_ENTRY.SLOT_ID))
        .and(Seats.takeable()));
    var offerSettled = DSL.exists(Sql.DSL.selectOne().from(BOOKING).where(BOOKING.ID.eq(WAITLIST_ENTRY.BOOKING_ID))
        .and(BOOKING.STATUS.ne(BookingStatus.held).or(BOOKING.HOLD_EXPIRES_AT.le(SqlTime.now()))));
    return Sql.DSL.selectDistinct(WAITLIST_ENTRY.SLOT_ID).from(WAITLIST_ENTRY)
        .where(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting).and(seatFree))
        .or(WAITLIST_ENTRY.STATUS.in(HOLDING_OFFER).and(offerSettled))
        .limit(SLOTS_PER_ROUND);
  }

  /** Serves one slot now, in its own transaction; gives how many offers it made. */
  Future<Integer> serve(UUID slotId) {
    return db.transaction(tx -> Locks.tryLock(tx, lockName(slotId)).compose(mine -> !mine
        ? Future.succeededFuture(0)
        : settle(tx, slotId).compose(x -> offerInLine(tx, slotId))));
  }

  static String lockName(UUID slotId) {
    return "waitlist:" + slotId;
  }

  /** After a change that may have freed seats: serves the slot, and a failure only waits for the next round. */
  void freed(UUID slotId) {
    serve(slotId).onFailure(e -> LOG.debug("serving the waitlist of slot {} now failed; the round will", slotId, e));
  }

  /**
   * Offers whose booking was confirmed (or waits for staff) are booked; offers whose hold ran out expire it (its
   * seats come free for the next in line) and lapse, as do offers whose booking ended otherwise.
   */
  private static Future<Void> settle(Sql tx, UUID slotId) {
    return tx.fetch(Sql.DSL.select(WAITLIST_ENTRY.ID).from(WAITLIST_ENTRY).where(WAITLIST_ENTRY.SLOT_ID.eq(slotId))
            .and(WAITLIST_ENTRY.STATUS.in(HOLDING_OFFER)).forUpdate().skipLocked())
        .compose(rows -> {
          var locked = WAITLIST_ENTRY.ID.in(rows.stream().map(r -> r.value1()).toList())
              .and(BOOKING.ID.eq(WAITLIST_ENTRY.BOOKING_ID));
          return rows.isEmpty() ? Future.succeededFuture() : tx.update(Sql.DSL.update(WAITLIST_ENTRY)
                  .set(WAITLIST_ENTRY.STATUS, WaitlistStatus.booked).set(WAITLIST_ENTRY.ENDED_AT, SqlTime.now())
                  .from(BOOKING).where(locked).and(BOOKING.STATUS.in(TAKEN)))
              .compose(x -> tx.fetch(Sql.DSL.select(BOOKING.ID).from(WAITLIST_ENTRY).join(BOOKING)
                  .on(BOOKING.ID.eq(WAITLIST_ENTRY.BOOKING_ID)).where(locked)
                  .and(BOOKING.STATUS.eq(BookingStatus.held)).and(BOOKING.HOLD_EXPIRES_AT.le(SqlTime.now()))))
              .compose(ranOut -> Holds.expire(tx, ranOut.stream().map(r -> r.value1()).toList(),
                  "waitlist-offer-lapsed"))
              .compose(x -> tx.update(Sql.DSL.update(WAITLIST_ENTRY).set(WAITLIST_ENTRY.STATUS, WaitlistStatus.lapsed)
                  .set(WAITLIST_ENTRY.ENDED_AT, SqlTime.now()).from(BOOKING).where(locked)
                  .and(BOOKING.STATUS.in(BookingStatus.expired, BookingStatus.cancelled, BookingStatus.declined))))
              .mapEmpty();
        });
  }

  /** Offers takeable seats to the line, first come first served, while the head's seats can be had. */
  private Future<Integer> offerInLine(Sql tx, UUID slotId) {
    return Holds.facts(tx, slotId)
        .compose(slot -> {
          Holds.check(slot, false);  // a slot nobody can book now offers nothing (its line closes when it starts)
          return (slot.seatsPerSlot() == 1 ? Holds.expireStaleOverlaps(tx, slot) : Future.<Void>succeededFuture())
              .compose(x -> offerNext(tx, slot, 0));
        })
        .recover(e -> e instanceof ProblemException ? Future.succeededFuture(0) : Future.failedFuture(e));
  }

  private Future<Integer> offerNext(Sql tx, Holds.SlotFacts slot, int made) {
    if (made == OFFERS_PER_SLOT) {
      return Future.succeededFuture(made);
    }
    return tx.fetchOptional(Sql.DSL.selectFrom(WAITLIST_ENTRY).where(WAITLIST_ENTRY.SLOT_ID.eq(slot.slotId()))
            .and(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting))
            .orderBy(WAITLIST_ENTRY.JOINED_AT, WAITLIST_ENTRY.ID).limit(1).forUpdate().skipLocked())
        .compose(head -> head.isEmpty() ? Future.succeededFuture(made)
            : Seats.take(tx, slot.slotId(), head.get().getSeats(), true,
                    () -> Holds.offer(tx, slot, head.get().getUserId(), head.get().getSeats(), offerTtl))
                .compose(taken -> taken.isEmpty() ? Future.succeededFuture(made)  // the head waits for more seats
                    : offered(tx, head.get(), taken.get()).compose(x -> offerNext(tx, slot, made + 1))));
  }

  /** The entry holds its offer; the booking's hold and the offer leave as events (the offer is told to the person). */
  private static Future<Void> offered(Sql tx, WaitlistEntryRecord entry, BookingRecord booking) {
    return tx.update(Sql.DSL.update(WAITLIST_ENTRY).set(WAITLIST_ENTRY.STATUS, WaitlistStatus.offered)
            .set(WAITLIST_ENTRY.BOOKING_ID, booking.getId()).set(WAITLIST_ENTRY.OFFERED_AT, SqlTime.now())
            .set(WAITLIST_ENTRY.OFFER_EXPIRES_AT, booking.getHoldExpiresAt())
            .where(WAITLIST_ENTRY.ID.eq(entry.getId())))
        .compose(x -> BookingEvents.emit(tx, "held", booking, "waitlist",
            new JsonObject().put("waitlistEntryId", entry.getId().toString())))
        .compose(x -> Outbox.append(tx, "waitlist.offered", "waitlist_entry", entry.getId(), new JsonObject()
            .put("entryId", entry.getId().toString()).put("bookingId", booking.getId().toString())
            .put("slotId", booking.getSlotId().toString()).put("userId", entry.getUserId().toString())
            .put("organizationId", booking.getOrganizationId().toString()).put("seats", booking.getSeats())
            .put("offerExpiresAt", booking.getHoldExpiresAt().toInstant().toString())))
        .mapEmpty();
  }
}
