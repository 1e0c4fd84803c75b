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
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
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
 * <p>Entries are locked before their bookings, as accept and leave do. Offers being settled and the head of the
 * line are taken with SKIP LOCKED: one a client is accepting or leaving right now waits for the next round, and a
 * locked head stops the walk rather than let someone behind it go first. Settling and offering are two
 * transactions, so an offer that cannot be made (the provider's time taken elsewhere) never undoes the settling.
 */
final class WaitlistOffers {

  private static final Logger LOG = LoggerFactory.getLogger(WaitlistOffers.class);
  /** Bounded work a round: slots served, and offers made in one slot's transaction. */
  private static final int SLOTS_PER_ROUND = 100;
  private static final int OFFERS_PER_SLOT = 50;
  private static final EnumSet<BookingStatus> TAKEN = EnumSet.of(BookingStatus.confirmed,
      BookingStatus.pending_confirmation, BookingStatus.completed, BookingStatus.no_show);
  private static final EnumSet<BookingStatus> ENDED = EnumSet.of(BookingStatus.expired, BookingStatus.cancelled,
      BookingStatus.declined);
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
    return db.transaction(tx -> Waitlists.move(tx, WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting)
                .and(WAITLIST_ENTRY.SLOT_ID.in(Sql.DSL.select(SLOT.ID).from(SLOT)
                    .where(SLOT.STATUS.ne(SlotStatus.open).or(SLOT.STARTS_AT.le(SqlTime.now()))))),
            WaitlistStatus.closed).map(List::size))
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
        .and(SchedulingClient.takeableSeat()));
    var offerSettled = DSL.exists(Sql.DSL.selectOne().from(BOOKING).where(BOOKING.ID.eq(WAITLIST_ENTRY.BOOKING_ID))
        .and(BOOKING.STATUS.ne(BookingStatus.held).or(BOOKING.HOLD_EXPIRES_AT.le(SqlTime.now()))));
    var withWork = Sql.DSL.selectDistinct(WAITLIST_ENTRY.SLOT_ID).from(WAITLIST_ENTRY)
        .where(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting).and(seatFree))
        .or(WAITLIST_ENTRY.STATUS.in(HOLDING_OFFER).and(offerSettled)).asTable("with_work");
    // in random order: slots that keep having work nobody can do (a provider away) never starve the others
    return Sql.DSL.select(withWork.field(WAITLIST_ENTRY.SLOT_ID)).from(withWork).orderBy(DSL.rand())
        .limit(SLOTS_PER_ROUND);
  }

  /** Serves one slot now: settles its offers, then offers what is free; gives how many offers it made. */
  Future<Integer> serve(UUID slotId) {
    return underLock(slotId, tx -> settle(tx, slotId).map(0))
        .compose(x -> underLock(slotId, tx -> offerInLine(tx, slotId)));
  }

  /** A transaction that does {@code work} if nobody else serves the slot right now (nothing otherwise). */
  private Future<Integer> underLock(UUID slotId, java.util.function.Function<Sql, Future<Integer>> work) {
    return db.transaction(tx -> Locks.tryLock(tx, lockName(slotId))
        .compose(mine -> mine ? work.apply(tx) : Future.succeededFuture(0)));
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
        .map(rows -> rows.stream().map(r -> r.value1()).toList())
        .compose(offers -> offers.isEmpty() ? Future.succeededFuture()
            : moveWhereBooking(tx, offers, TAKEN, WaitlistStatus.booked)
                .compose(x -> expireRanOut(tx, offers))
                .compose(x -> moveWhereBooking(tx, offers, ENDED, WaitlistStatus.lapsed)));
  }

  /** The offers among {@code offers} whose booking is in {@code statuses} move to {@code to}. */
  private static Future<Void> moveWhereBooking(Sql tx, List<UUID> offers, EnumSet<BookingStatus> statuses,
                                               WaitlistStatus to) {
    return Waitlists.move(tx, WAITLIST_ENTRY.ID.in(offers).and(WAITLIST_ENTRY.BOOKING_ID.in(
        Sql.DSL.select(BOOKING.ID).from(BOOKING).where(BOOKING.STATUS.in(statuses)))), to).mapEmpty();
  }

  /** Offers whose hold ran out: the hold expires (with SKIP LOCKED: one being paid right now is left as it is). */
  private static Future<Void> expireRanOut(Sql tx, List<UUID> offers) {
    return tx.fetch(Sql.DSL.select(BOOKING.ID).from(WAITLIST_ENTRY).join(BOOKING)
            .on(BOOKING.ID.eq(WAITLIST_ENTRY.BOOKING_ID)).where(WAITLIST_ENTRY.ID.in(offers))
            .and(BOOKING.STATUS.eq(BookingStatus.held)).and(BOOKING.HOLD_EXPIRES_AT.le(SqlTime.now())))
        .compose(ranOut -> Holds.expire(tx, ranOut.stream().map(r -> r.value1()).toList(), "waitlist-offer-lapsed"));
  }

  /**
   * Offers takeable seats to the line, first come first served, while the head's seats can be had. A line whose
   * slot can no longer be booked (cancelled, within its notice) closes; one that cannot be served just now (the
   * provider away, their time taken elsewhere) waits.
   */
  private Future<Integer> offerInLine(Sql tx, UUID slotId) {
    return Holds.facts(tx, slotId)
        .compose(slot -> {
          Holds.check(slot, false);
          return (slot.seatsPerSlot() == 1 ? Holds.expireStaleOverlaps(tx, slot) : Future.<Void>succeededFuture())
              .compose(x -> slot.seatsPerSlot() == 1 ? providerFree(tx, slot) : Future.succeededFuture(true))
              .compose(free -> free ? offerNext(tx, slot, 0) : Future.succeededFuture(0));
        })
        .recover(e -> ProblemException.is(e, "slot-unavailable") || ProblemException.is(e, "too-late")
            ? close(tx, WAITLIST_ENTRY.SLOT_ID.eq(slotId)) : e instanceof ProblemException
            ? Future.succeededFuture(0) : Future.failedFuture(e));
  }

  /** No live one-to-one booking of the provider overlaps the slot (the insert would fail on the constraint). */
  private static Future<Boolean> providerFree(Sql tx, Holds.SlotFacts slot) {
    return tx.fetchOptional(BookingRows.where(BOOKING.PROVIDER_ID.eq(slot.providerId())).and(BOOKING.ONE_TO_ONE)
            .and(BookingRows.STATUS.in(BookingStatus.held, BookingStatus.pending_confirmation,
                BookingStatus.confirmed))
            .and(DSL.condition("{0} && {1}", BOOKING.DURING, DSL.val(slot.occupied(), BOOKING.DURING))).limit(1))
        .map(found -> found.isEmpty());
  }

  private static Future<Integer> close(Sql tx, org.jooq.Condition which) {
    return Waitlists.move(tx, which.and(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting)), WaitlistStatus.closed)
        .map(0);
  }

  private Future<Integer> offerNext(Sql tx, Holds.SlotFacts slot, int made) {
    if (made == OFFERS_PER_SLOT) {
      return Future.succeededFuture(made);
    }
    return head(tx, slot.slotId()).compose(head -> {
      if (head == null) {
        return Future.succeededFuture(made);
      }
      if (head.getSeats() > slot.capacity()) {  // capacity lowered below what they wait for: out of line
        return close(tx, WAITLIST_ENTRY.ID.eq(head.getId())).compose(x -> offerNext(tx, slot, made));
      }
      return Seats.take(tx, slot.slotId(), head.getSeats(), true,
              () -> Holds.offer(tx, slot, head.getUserId(), head.getSeats(), offerTtl))
          .compose(taken -> taken.isEmpty() ? Future.succeededFuture(made)  // the head waits for more seats
              : offered(tx, head, taken.get()).compose(x -> offerNext(tx, slot, made + 1)));
    });
  }

  /** The first in line, locked; null when nobody waits or the first is busy (accepting, leaving) right now. */
  private static Future<WaitlistEntryRecord> head(Sql tx, UUID slotId) {
    return tx.fetchOptional(Sql.DSL.select(WAITLIST_ENTRY.ID).from(WAITLIST_ENTRY)
            .where(WAITLIST_ENTRY.SLOT_ID.eq(slotId)).and(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting))
            .orderBy(WAITLIST_ENTRY.JOINED_AT, WAITLIST_ENTRY.ID).limit(1))
        .compose(first -> first.isEmpty() ? Future.succeededFuture(java.util.Optional.<WaitlistEntryRecord>empty())
            : tx.fetchOptional(Sql.DSL.selectFrom(WAITLIST_ENTRY).where(WAITLIST_ENTRY.ID.eq(first.get().value1()))
                .and(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting)).forUpdate().skipLocked()))
        .map(locked -> locked.orElse(null));
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
