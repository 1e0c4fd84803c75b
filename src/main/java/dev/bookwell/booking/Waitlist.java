package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.db.Tables.WAITLIST_ENTRY;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.WaitlistStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.db.tables.records.WaitlistEntryRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.impl.DSL;

/**
 * A signed-in client's place in line for a full slot (a course's next session is a slot too): join, see the
 * position, leave, accept an offer; staff see the line. Offers are made by {@link WaitlistOffers}.
 */
final class Waitlist {

  /** How many lines one person stands in at once, so nobody can make the service keep unbounded lines. */
  static final int MAX_LIVE_PER_USER = 20;
  private static final int STAFF_PAGE = 200;

  private final Db db;
  private final EventBus bus;
  private final WaitlistOffers offers;
  private final PaymentRequests payments;

  Waitlist(Db db, EventBus bus, WaitlistOffers offers, PaymentRequests payments) {
    this.db = db;
    this.bus = bus;
    this.offers = offers;
    this.payments = payments;
  }

  /** POST /v1/slots/{slotId}/waitlist {seats}: only for a slot that is full for this many seats. */
  Future<ApiReply> join(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID slotId = UUID.fromString(request.path().getString("slotId"));
    int seats = request.bodyObject().getInteger("seats", 1);
    return Idempotency.once(db, request, tx -> Holds.facts(tx, slotId).compose(slot -> {
      Holds.check(slot, false);
      if (seats > slot.capacity() || slot.seatsPerSlot() == 1 && seats > 1) {
        throw Problem.of("seats-exceed-capacity", 422, "More seats than the slot has", "This slot has "
            + slot.capacity() + " seats" + (slot.seatsPerSlot() == 1 ? ", one person at a time" : "")
            + "; wait for fewer.").toException();
      }
      if ((long) seats * slot.priceMinor() > Holds.MAX_AMOUNT) {
        throw Problem.of("amount-too-large", 422, "Amount too large", "So many seats would cost more than one "
            + "payment can be; wait for fewer.").toException();
      }
      return Locks.lock(tx, HoldGuards.userLock(slotId, caller.userId()))  // as a hold by the same user takes it
          .compose(x -> HoldGuards.refuseStacking(tx, slotId, caller.userId()))
          .compose(x -> Locks.lock(tx, WaitlistOffers.lockName(slotId)))  // see WaitlistOffers: join order is fair
          .compose(x -> Locks.lock(tx, "waitlist-user:" + caller.userId()))  // one person's joins count in turn
          .compose(x -> requireRoom(tx, slotId, caller.userId()))
          .compose(x -> requireFull(tx, slotId, seats))
          .compose(x -> tx.fetchOne(Sql.DSL.insertInto(WAITLIST_ENTRY).set(WAITLIST_ENTRY.SLOT_ID, slotId)
              .set(WAITLIST_ENTRY.ORGANIZATION_ID, slot.organizationId()).set(WAITLIST_ENTRY.USER_ID, caller.userId())
              .set(WAITLIST_ENTRY.SEATS, seats).returning()))
          .compose(entry -> Waitlists.withPositions(tx, WAITLIST_ENTRY.ID.eq(entry.getId()), 1)
              .map(items -> ApiReply.created(items.getJsonObject(0), "/v1/waitlist/" + entry.getId())));
    }));
  }

  /** Not in this line already, and not in too many lines. */
  private static Future<Void> requireRoom(Sql tx, UUID slotId, UUID userId) {
    return tx.fetchOne(Sql.DSL.select(DSL.count(), DSL.count().filterWhere(WAITLIST_ENTRY.SLOT_ID.eq(slotId)))
            .from(WAITLIST_ENTRY).where(WAITLIST_ENTRY.USER_ID.eq(userId))
            .and(WAITLIST_ENTRY.STATUS.in(Waitlists.LIVE)))
        .map(counts -> {
          if (counts.value2() > 0) {
            throw Problem.of("already-waiting", 409, "Already in line", "You are already on this slot's waitlist.")
                .toException();
          }
          if (counts.value1() >= MAX_LIVE_PER_USER) {
            throw Problem.of("waitlist-limit", 422, "Too many waitlists", "You can wait for at most "
                + MAX_LIVE_PER_USER + " slots at once; leave one first.").toException();
          }
          return null;
        });
  }

  /** Seats that anyone could take now are to be booked, not waited for (unless others already wait). */
  private static Future<Void> requireFull(Sql tx, UUID slotId, int seats) {
    return tx.fetchOne(Sql.DSL.select(
            DSL.field(Sql.DSL.selectCount().from(SEAT).where(SEAT.SLOT_ID.eq(slotId)).and(SchedulingClient.takeableSeat())),
            DSL.field(Waitlists.nobodyWaiting(slotId))))
        .map(row -> {
          if (row.value1() >= seats && row.value2()) {
            throw Problem.of("seats-available", 409, "Seats available", "This slot has " + row.value1()
                + " free seats: book them instead of waiting.").toException();
          }
          return null;
        });
  }

  /** GET /v1/waitlist/{entryId}: the caller's own entry, with its place in line while it waits. */
  Future<ApiReply> get(ApiRequest request) {
    UUID userId = request.requireCaller().userId();
    UUID entryId = UUID.fromString(request.path().getString("entryId"));
    return db.transaction(tx -> Waitlists.withPositions(tx, WAITLIST_ENTRY.ID.eq(entryId)
            .and(WAITLIST_ENTRY.USER_ID.eq(userId)), 1))
        .map(found -> {
          if (found.isEmpty()) {
            throw Waitlists.notFound(entryId);
          }
          return ApiReply.ok(found.getJsonObject(0));
        });
  }

  /** GET /v1/me/waitlist: the caller's entries, newest first (live ones and the last ended ones, bounded). */
  Future<ApiReply> mine(ApiRequest request) {
    UUID userId = request.requireCaller().userId();
    return db.transaction(tx -> Waitlists.withPositions(tx, WAITLIST_ENTRY.USER_ID.eq(userId), 50,
            WAITLIST_ENTRY.JOINED_AT.desc(), WAITLIST_ENTRY.ID.desc()))
        .map(items -> ApiReply.ok(new JsonObject().put("items", items)));
  }

  /**
   * DELETE /v1/waitlist/{entryId}: out of line. An offer not yet taken is given up (its hold expires and the seats
   * go to the next in line); a booking already made stays, to be cancelled as any other.
   */
  Future<ApiReply> leave(ApiRequest request) {
    UUID userId = request.requireCaller().userId();
    UUID entryId = UUID.fromString(request.path().getString("entryId"));
    return db.transaction(tx -> Waitlists.lockOwn(tx, entryId, userId).compose(entry -> {
      if (!Waitlists.LIVE.contains(entry.getStatus())) {
        throw Problem.of("waitlist-ended", 409, "Not in line", "This entry is " + entry.getStatus().getLiteral()
            + ".").toException();
      }
      if (entry.getStatus() == WaitlistStatus.waiting) {
        return Waitlists.move(tx, entryId, WaitlistStatus.left);
      }
      return Lifecycle.lock(tx, entry.getBookingId()).compose(booking -> {
        if (booking.getStatus() != BookingStatus.held && booking.getStatus() != BookingStatus.expired) {
          throw Problem.of("offer-taken", 409, "Offer taken", "The offer became booking " + booking.getReference()
              + "; cancel that booking instead.").toException();
        }
        return Holds.expire(tx, java.util.List.of(booking.getId()), "waitlist-left")
            .compose(x -> Waitlists.move(tx, entryId, WaitlistStatus.left));
      });
    })).map(entry -> {
      offers.freed(entry.getSlotId());
      return ApiReply.ok(Waitlists.json(entry, null));
    });
  }

  /**
   * POST /v1/waitlist/{entryId}/accept: takes the offer while it stands. A free one is confirmed now (or waits for
   * staff when the service needs confirmation); a priced one is paid like any hold: the answer carries the payment
   * to complete before the offer's time runs out.
   */
  Future<ApiReply> accept(ApiRequest request) {
    UUID userId = request.requireCaller().userId();
    UUID entryId = UUID.fromString(request.path().getString("entryId"));
    return db.transaction(tx -> Waitlists.lockOwn(tx, entryId, userId).compose(entry -> {
      if (entry.getStatus() != WaitlistStatus.offered && entry.getStatus() != WaitlistStatus.accepted) {
        throw Problem.of("no-offer", 409, "No offer", "This entry is " + entry.getStatus().getLiteral()
            + "; only an offer can be accepted.").toException();
      }
      return Lifecycle.lock(tx, entry.getBookingId()).compose(booking -> {
        if (booking.getStatus() != BookingStatus.held) {
          throw Problem.of("offer-lapsed", 409, "Offer over", "The offer's booking is "
              + booking.getStatus().getLiteral() + ".").toException();
        }
        return Holds.facts(tx, booking.getSlotId()).compose(slot -> take(tx, entry, booking, slot));
      });
    })).compose(payments::attach);
  }

  /** Free: confirmed now, or waiting for staff; priced: still held, paid like any hold. */
  private static Future<ApiReply> take(Sql tx, WaitlistEntryRecord entry, BookingRecord booking,
                                       Holds.SlotFacts slot) {
    BookingStatus to = slot.requiresConfirmation() ? BookingStatus.pending_confirmation
        : booking.getTotalMinor() == 0 ? BookingStatus.confirmed : BookingStatus.held;
    Future<BookingRecord> taken = to == BookingStatus.held ? Future.succeededFuture(booking)
        : Promotion.promote(tx, booking, to, "user:" + entry.getUserId());
    return taken.compose(updated -> Waitlists.move(tx, entry.getId(),
            to == BookingStatus.held ? WaitlistStatus.accepted : WaitlistStatus.booked)
        .map(x -> ApiReply.ok(BookingJson.of(updated).put("waitlistEntryId", entry.getId().toString()))));
  }

  /** GET /v1/slots/{slotId}/waitlist: the line in order, for staff with manage_bookings of the slot's organization. */
  Future<ApiReply> forSlot(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID slotId = UUID.fromString(request.path().getString("slotId"));
    return db.fetchOptional(Sql.DSL.select(SLOT.ORGANIZATION_ID).from(SLOT).where(SLOT.ID.eq(slotId)))
        .compose(slot -> {
          var organizationId = slot.orElseThrow(() -> Problem.notFound("No slot " + slotId + ".").toException())
              .value1();
          return IdentityClient.require(bus, caller, organizationId, OrgPermission.manage_bookings)
              .recover(ProblemException.forbiddenAsNotFound(() -> Problem.notFound("No slot " + slotId + ".")
                  .toException()));
        })
        .compose(x -> db.transaction(tx -> Waitlists.withPositions(tx, WAITLIST_ENTRY.SLOT_ID.eq(slotId)
            .and(WAITLIST_ENTRY.STATUS.in(Waitlists.LIVE)), STAFF_PAGE,
            DSL.when(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting), DSL.inline(1)).otherwise(DSL.inline(0)).asc(),
            WAITLIST_ENTRY.JOINED_AT.asc(), WAITLIST_ENTRY.ID.asc())))
        .map(items -> ApiReply.ok(new JsonObject().put("items", items)));
  }
}
