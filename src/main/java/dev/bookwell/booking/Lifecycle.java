package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.payments.PaymentsClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.Record1;
import org.jooq.impl.DSL;

/**
 * Booking transitions, each one locked, checked and written in one transaction. They only move forward; an
 * illegal one is 409 naming the current state. A hold whose time has passed is treated as expired.
 */
final class Lifecycle {

  private final Db db;
  private final EventBus bus;
  private final PaymentsClient payments;

  Lifecycle(Db db, EventBus bus, PaymentsClient payments) {
    this.payments = payments;
    this.db = db;
    this.bus = bus;
  }

  /**
   * POST /v1/bookings/{id}/cancel: the booker, the guest or staff. Frees the seats; money goes back by the policy
   * the service had when it was booked (staff cancellations always in full).
   */
  Future<ApiReply> cancel(ApiRequest request) {
    return transition(request, false,
        EnumSet.of(BookingStatus.held, BookingStatus.pending_confirmation, BookingStatus.confirmed),
        BookingStatus.cancelled, true)
        .compose(done -> releasePayment(done, done.access().staff() ? "cancelled by the organization"
            : "cancelled by the client"));
  }

  /** POST /v1/bookings/{id}/decline: staff refuse it; the seats are freed and any money goes back in full. */
  Future<ApiReply> decline(ApiRequest request) {
    return transition(request, true, EnumSet.of(BookingStatus.pending_confirmation), BookingStatus.declined, true)
        .compose(done -> releasePayment(done, "declined by the organization"));
  }

  /** POST /v1/bookings/{id}/complete and /no-show: after the appointment, staff record what happened. */
  Future<ApiReply> complete(ApiRequest request) {
    return transition(request, true, EnumSet.of(BookingStatus.confirmed), BookingStatus.completed, false)
        .map(Done::reply);
  }

  Future<ApiReply> noShow(ApiRequest request) {
    return transition(request, true, EnumSet.of(BookingStatus.confirmed), BookingStatus.no_show, false)
        .map(Done::reply);
  }

  /**
   * POST /v1/bookings/{id}/confirm: staff accept a booking that needs confirmation. A priced one needs the client's
   * card authorized first (409 {@code payment-pending} otherwise); once confirmed, the money is captured (and if
   * that call fails, the payments area's reconciler captures it).
   */
  Future<ApiReply> confirm(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("bookingId"));
    return BookingAccess.authorize(db, bus, request, id, true)
        .compose(access -> paymentAuthorized(id).compose(ready -> {
          if (!ready) {
            throw Problem.of("payment-pending", 409, "Payment pending", "The client's card is not authorized yet; "
                + "confirm once it is (or decline).").toException();
          }
          return apply(id, access, EnumSet.of(BookingStatus.pending_confirmation), BookingStatus.confirmed, false);
        }))
        .compose(done -> done.booking().getTotalMinor() == 0 ? Future.succeededFuture(done.reply())
            : payments.capture(id)
                .map(payment -> ApiReply.ok(BookingJson.of(done.booking()).put("payment", payment)))
                .otherwise(e -> ApiReply.ok(BookingJson.of(done.booking()).put("payment",
                    new JsonObject().put("status", "capture-pending")))));
  }

  /** Whether the booking needs no money, or its card is authorized (asked before any transaction opens). */
  private Future<Boolean> paymentAuthorized(UUID id) {
    return db.fetchOne(Sql.DSL.select(BOOKING.TOTAL_MINOR).from(BOOKING).where(BOOKING.ID.eq(id)))
        .compose(total -> total.value1() == 0 ? Future.succeededFuture(true)
            : payments.payment(id)
                .map(payment -> java.util.Set.of("authorized", "captured").contains(payment.getString("status"))));
  }

  /** A transition that committed: the booking as it is now, and who did it. */
  record Done(BookingRecord booking, BookingAccess.Access access) {
    ApiReply reply() {
      return ApiReply.ok(BookingJson.of(booking));
    }
  }

  /**
   * The share of the money owed back when a booking ends early, decided once, when it ends: by the policy the
   * service had when it was booked for the client's own cancellation, in full when the organization ends it or the
   * booking was never confirmed (a hold, or one staff had not accepted: the late fee took the whole price of a
   * booking the organization never took, and of a hold kept part of money for no seat). A booking waiting for
   * staff after a move may have been confirmed, its money captured, before: the policy stands for it.
   * Null for transitions that keep the booking (confirm, complete, no-show).
   */
  static Integer owedBack(BookingRecord booking, BookingStatus to, BookingAccess.Access access) {
    return switch (to) {
      case cancelled -> access.staff() || neverConfirmed(booking) ? 100 : refundPercent(booking);
      case declined, expired -> 100;
      default -> booking.getRefundPercent();
    };
  }

  private static boolean neverConfirmed(BookingRecord booking) {
    return booking.getStatus() == BookingStatus.held
        || booking.getStatus() == BookingStatus.pending_confirmation && booking.getRescheduledFrom() == null;
  }

  /** Full refund up to H hours before the start, then P percent until the start, nothing after. */
  static int refundPercent(BookingRecord booking) {
    var now = java.time.OffsetDateTime.now();
    if (!now.isAfter(booking.getStartsAt().minusHours(booking.getFullRefundHours()))) {
      return 100;
    }
    return now.isBefore(booking.getStartsAt()) ? booking.getLateRefundPercent() : 0;
  }

  /** After the booking ended early: the payments area releases or refunds. Its answer joins the reply. */
  /**
   * The share owed back was decided in the transition's transaction ({@code refund_percent} on the booking and in its
   * event); this asks the payments area to pay it now. If that fails, the payments area's reconciler still does,
   * from the event.
   */
  Future<ApiReply> releasePayment(Done done, String reason) {
    var reply = BookingJson.of(done.booking());
    if (done.booking().getTotalMinor() == 0) {
      return Future.succeededFuture(ApiReply.ok(reply));
    }
    return askRelease(done.booking(), reason, done.access().actor())
        .map(answer -> ApiReply.ok(reply.put("payment", answer)))
        .otherwise(e -> ApiReply.ok(reply.put("payment", new JsonObject().put("status", "release-pending"))));
  }

  /** Asks the payments area to give back what is owed; once it has taken the request, the booking says so. */
  private Future<JsonObject> askRelease(BookingRecord booking, String reason, String by) {
    return payments.release(booking.getId(), booking.getRefundPercent(), reason, by)
        .compose(answer -> db.update(Sql.DSL.update(BOOKING).set(BOOKING.RELEASE_ACKNOWLEDGED_AT, SqlTime.now())
            .where(BOOKING.ID.eq(booking.getId()))).map(answer));
  }

  /**
   * Asks again for bookings whose request never reached the payments area (a failed or timed-out bus request left
   * them release-pending), oldest first, a bounded batch a round. Gives how many were taken this time.
   */
  Future<Integer> resendReleases() {
    return db.fetch(Sql.DSL.selectFrom(BOOKING).where(BOOKING.RELEASE_ACKNOWLEDGED_AT.isNull())
            .and(BOOKING.REFUND_PERCENT.isNotNull())
            .and(BOOKING.STATUS.in(BookingStatus.cancelled, BookingStatus.declined))
            .and(BOOKING.TOTAL_MINOR.gt(0L))
            .and(BOOKING.UPDATED_AT.lt(SqlTime.nowPlus(java.time.Duration.ofSeconds(-30))))
            .orderBy(BOOKING.UPDATED_AT).limit(100))
        .compose(due -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (BookingRecord booking : due) {
            chain = chain.compose(n -> askRelease(booking, "asked again", "booking-reconciler").map(n + 1)
                .otherwise(n));
          }
          return chain;
        });
  }

  /**
   * Authorizes first, without a connection held (the answer comes over the bus from the identity area, which needs a
   * connection of the same pool), then locks, checks and writes in one transaction. Who may act depends only on
   * the booking's person, guest token and organization, which never change, so the check made before the lock holds.
   */
  private Future<Done> transition(ApiRequest request, boolean staffOnly, Set<BookingStatus> from,
                                  BookingStatus to, boolean releaseSeats) {
    UUID id = UUID.fromString(request.path().getString("bookingId"));
    return BookingAccess.authorize(db, bus, request, id, staffOnly)
        .compose(access -> apply(id, access, from, to, releaseSeats));
  }

  /** Locks, checks and writes one transition for a caller already authorized. */
  Future<Done> apply(UUID id, BookingAccess.Access access, Set<BookingStatus> from, BookingStatus to,
                     boolean releaseSeats) {
    return db.transaction(tx -> lock(tx, id).compose(booking -> {
      BookingStatus current = booking.getStatus();
      if (!from.contains(current)) {
        throw Problem.of("illegal-transition", 409, "Illegal transition",
            "The booking is " + current.getLiteral() + "; it cannot become " + to.getLiteral() + ".").toException();
      }
      return (to == BookingStatus.confirmed ? requireProviderThere(tx, booking) : Future.<Void>succeededFuture())
          .compose(y -> tx.fetchOne(Sql.DSL.update(BOOKING).set(BOOKING.STATUS, to)
              .set(BOOKING.REFUND_PERCENT, owedBack(booking, to, access))
              .set(BOOKING.UPDATED_AT, SqlTime.now()).where(BOOKING.ID.eq(id)).returning()))
          .compose(updated -> (current == BookingStatus.held && to == BookingStatus.cancelled
                  ? PromoCodes.release(tx, java.util.List.of(id)) : Future.<Void>succeededFuture())
              .compose(y -> releaseSeats ? Seats.release(tx, id).<Void>mapEmpty()
                  : to == BookingStatus.confirmed ? Seats.confirm(tx, booking) : Future.<Void>succeededFuture())
              .compose(x -> !access.staff() || access.request() == null ? Future.<Void>succeededFuture()
                  : Audit.record(tx, access.request(), Audit.Entry.of(updated.getOrganizationId(),
                      "booking." + to.getLiteral(), "booking", id)
                      .before(new JsonObject().put("status", current.getLiteral()))
                      .after(new JsonObject().put("status", to.getLiteral())
                          .put("refundPercent", updated.getRefundPercent()))))
              .compose(x -> BookingEvents.emit(tx, to.getLiteral(), updated, access.actor()))
              .map(x -> new Done(updated, access)));
    }));
  }

  static final String PROVIDER_LEFT = "provider-left";

  /** Nothing is confirmed at an organization the provider no longer works for (409; the booking can be declined). */
  static Future<Void> requireProviderThere(Sql tx, BookingRecord booking) {
    return providerThere(tx, booking).map(there -> {
      if (!there) {
        throw Problem.of(PROVIDER_LEFT, 409, "Provider left", "The provider no longer works for this "
            + "organization; the booking can only be declined or cancelled.").toException();
      }
      return null;
    });
  }

  private static Future<Boolean> providerThere(Sql tx, BookingRecord booking) {
    return tx.fetchOptional(PROVIDER_THERE, Map.of("slot", booking.getSlotId())).map(found -> found.isPresent());
  }

  private static final Prepared<Record1<Integer>> PROVIDER_THERE = Prepared.of(Sql.DSL.selectOne().from(SLOT)
      .where(SLOT.ID.eq(DSL.param("slot", SLOT.ID))).and(SchedulingClient.providerWorksThere()));

  /**
   * The share owed back if the money cannot buy a seat: what the booking's end decided (a client's late
   * cancellation keeps the policy's share), all of it otherwise.
   */
  Future<Integer> owedBack(UUID id) {
    return db.fetchOptional(Sql.DSL.select(BOOKING.REFUND_PERCENT).from(BOOKING).where(BOOKING.ID.eq(id)))
        .map(found -> found.map(r -> r.value1()).filter(java.util.Objects::nonNull).orElse(100));
  }

  /** What the payments area does with an authorized card: capture it, release it, or keep it authorized. */
  enum Secured { CONFIRMED, GONE, AWAITING_CONFIRMATION, MOVED }

  /**
   * The payment for a booking is authorized: confirm it if its hold stands; if the hold expired, take the seats
   * again if they are still free. A booking waiting for staff keeps the authorization until they decide.
   */
  Future<Secured> paymentSecured(UUID id) {
    // a purchase's hold that stands: without a transaction (Promotion.paidHold); anything else, locked
    return Promotion.paidHold(db, id).compose(confirmed -> confirmed ? Future.succeededFuture(Secured.CONFIRMED)
        : securedLocked(id)).onSuccess(secured -> {
          // The guest's checkout page waits on its booking for this (a long poll): told now that it is committed,
          // not at the outbox relay's next round, up to its interval (200 ms) later and, under load, behind the
          // pool's queue for the relay's transaction: 265 ms a purchase in the benchmark. Confirmed, or the hold
          // found gone (expired); the relay's notice comes too, before or after: a waiter it finds reads again.
          if (secured == Secured.CONFIRMED || secured == Secured.GONE) {
            Outbox.changed(bus, id.toString());
          }
        });
  }

  private Future<Secured> securedLocked(UUID id) {
    return db.transaction(tx -> lock(tx, id).compose(booking -> {
      BookingStatus current = booking.getStatus();
      if (EnumSet.of(BookingStatus.confirmed, BookingStatus.completed, BookingStatus.no_show).contains(current)) {
        return Future.succeededFuture(Secured.CONFIRMED);  // the seat was had: the money is kept
      }
      if (current == BookingStatus.pending_confirmation) {
        return Future.succeededFuture(Secured.AWAITING_CONFIRMATION);
      }
      if (current == BookingStatus.held) {
        return confirmPaid(tx, booking).map(Secured.CONFIRMED);  // provider-left or hold-lost: the money goes back
      }
      if (current != BookingStatus.expired) {
        // Rescheduled meanwhile: the payment moved with it, and the new booking answers. Otherwise cancelled or
        // declined: the money goes back.
        return tx.fetchOptional(Sql.DSL.select(BOOKING.ID).from(BOOKING).where(BOOKING.RESCHEDULED_FROM.eq(id)))
            .compose(moved -> moved.isPresent() ? Future.succeededFuture(Secured.MOVED)
                : Future.succeededFuture(Secured.GONE));
      }
      // Late payment: the hold expired. Release what it still holds, then try to take seats afresh, but only
      // as a new hold could: a slot open and not started, its provider active and working there, within the
      // service's notice and horizon, taking guests if it is a guest's (Holds.check, as a reschedule)
      return Holds.expire(tx, java.util.List.of(id), "hold-expired")
          .compose(x -> Holds.facts(tx, booking.getSlotId()).map(java.util.Optional::of)
              .otherwise(java.util.Optional.empty()))  // the service is gone
          .compose(slot -> slot.isEmpty() || !slot.get().startsAt().isAfter(java.time.OffsetDateTime.now())
              || Holds.refusal(slot.get(), booking.getGuest() != null) != null
              ? Future.succeededFuture(Secured.GONE)
              : Seats.take(tx, booking.getSlotId(), booking.getSeats(), () -> Future.succeededFuture(booking))
                  .compose(taken -> taken.isEmpty() ? Future.succeededFuture(Secured.GONE)
                      : PromoCodes.reclaim(tx, id).compose(x -> confirmPaid(tx, booking)).map(Secured.CONFIRMED)));
    })).recover(e -> PgErrors.is(e, PgErrors.EXCLUSION) || ProblemException.is(e, Seats.HOLD_LOST)
        || ProblemException.is(e, PROVIDER_LEFT) || PromoCodes.refused(e)
        ? Future.succeededFuture(Secured.GONE) : Future.failedFuture(e));  // the seat, time or code went to others
  }

  private static Future<Void> confirmPaid(Sql tx, BookingRecord booking) {
    return Promotion.promote(tx, booking, BookingStatus.confirmed, "payment").mapEmpty();
  }

  static Future<BookingRecord> lock(Sql tx, UUID id) {
    return BookingRows.locked(tx, id)
        .map(found -> found.orElseThrow(() -> BookingAccess.notFound(null)));
  }
}
