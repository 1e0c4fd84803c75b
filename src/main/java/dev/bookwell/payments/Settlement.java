package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;

import dev.bookwell.booking.BookingClient;
import dev.bookwell.db.enums.PaymentStatus;
import dev.bookwell.db.tables.records.PaymentRecord;
import dev.bookwell.learning.LearningClient;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a card is authorized: ask the booking area to secure the seat (it re-takes a free seat if the hold
 * expired meanwhile), then capture; if no seat can be had, release the authorization. Nobody pays for nothing.
 */
final class Settlement {

  private static final Logger LOG = LoggerFactory.getLogger(Settlement.class);

  private final Db db;
  private final EventBus bus;
  private final PaymentGateway gateway;
  private final Refunds refunds;

  Settlement(Db db, EventBus bus, PaymentGateway gateway, Refunds refunds) {
    this.db = db;
    this.bus = bus;
    this.gateway = gateway;
    this.refunds = refunds;
  }

  /**
   * Settles authorizations left behind: a capture or release whose Stripe call failed (Stripe down, timeout).
   * Safe to repeat and to run on several instances: the Stripe calls carry the same idempotency keys and the
   * payment only moves forward. Gives how many it tried.
   */
  Future<Integer> reconcile(java.time.Duration olderThan) {
    var due = PAYMENT.SETTLE_AFTER.isNull().or(PAYMENT.SETTLE_AFTER.le(SqlTime.now()));
    // Claimed, not just read: each due payment is pushed a round ahead (olderThan, the interval) by the
    // node that takes it (SKIP LOCKED), so the reconcilers of several nodes share the work instead of all settling
    // the same payments at once; one that dies mid-round leaves its claims to come due again.
    var claimed = Sql.DSL.select(PAYMENT.BOOKING_ID).from(PAYMENT)
        .where(PAYMENT.STATUS.eq(PaymentStatus.authorized).and(due)
            .and(PAYMENT.UPDATED_AT.lt(SqlTime.nowPlus(olderThan.negated())))
            // captured money whose seat was never checked (the step after the webhook's answer was lost)
            .or(PAYMENT.STATUS.eq(PaymentStatus.captured).and(PAYMENT.SETTLE_AFTER.le(SqlTime.now()))))
        .orderBy(PAYMENT.SETTLE_AFTER.asc().nullsFirst(), PAYMENT.UPDATED_AT).limit(100)
        .forUpdate().skipLocked();
    return db.fetch(Sql.DSL.update(PAYMENT).set(PAYMENT.SETTLE_AFTER, SqlTime.nowPlus(olderThan))
            .where(PAYMENT.BOOKING_ID.in(claimed)).returning(PAYMENT.INTENT_ID, PAYMENT.STATUS))
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          for (var row : rows) {
            chain = chain.compose(x -> row.getStatus() == PaymentStatus.captured ? settleCaptured(row.getIntentId())
                : settle(row.getIntentId()));
          }
          return chain.map(rows.size());
        });
  }

  /**
   * Asks the booking area whether the booking the payment names has its seat. "Moved" (rescheduled meanwhile) is
   * asked again for the booking the payment now names; if the payment still names the moved booking (it was
   * created for it after the move), the seat is gone and the money goes back.
   */
  private Future<JsonObject> secureSeat(PaymentRecord payment) {
    return PaymentsClient.COURSE_ORDER.equals(payment.getSubject())
        ? LearningClient.paymentSecured(bus, payment.getBookingId())  // a course bought: its order enrolls the buyer
        : secureBookingSeat(payment.getIntentId(), payment.getBookingId());
  }

  private Future<JsonObject> secureBookingSeat(String intentId, UUID bookingId) {
    return BookingClient.paymentSecured(bus, bookingId)
        .recover(e -> !String.valueOf(e.getMessage()).contains("booking-moved") ? Future.failedFuture(e)
            : Payments.findByIntent(db, intentId).compose(now -> {
              var current = now.orElseThrow().getBookingId();
              return current.equals(bookingId)
                  ? Future.succeededFuture(new JsonObject().put("confirmed", false).put("refundPercent", 100))
                  : BookingClient.paymentSecured(bus, current);
            }));
  }

  /** When the reconciler should look at the payment again (null: when it is due by its status alone). */
  private Future<Void> settleAfter(String intentId, java.time.Duration delay) {
    return delay == null ? db.fetch(SETTLED, Map.of("intent", intentId)).mapEmpty()
        : db.update(Sql.DSL.update(PAYMENT).set(PAYMENT.SETTLE_AFTER, SqlTime.nowPlus(delay))
            .where(PAYMENT.INTENT_ID.eq(intentId))).mapEmpty();
  }

  /* Every purchase's settlement writes it: rendered once. */
  private static final Prepared<PaymentRecord> SETTLED = Prepared.of(Sql.DSL.update(PAYMENT)
      .setNull(PAYMENT.SETTLE_AFTER).where(PAYMENT.INTENT_ID.eq(DSL.param("intent", PAYMENT.INTENT_ID)))
      .returning(PAYMENT.INTENT_ID));

  /** Automatic capture: the money is already taken; secure the seat, or give the money back in full. */
  Future<Void> settleCaptured(String intentId) {
    return Payments.findByIntent(db, intentId).compose(found -> secureSeat(found.orElseThrow()))
        .compose(answer -> answer.getBoolean("confirmed")
            || answer.getBoolean("awaitingConfirmation", false) ? Future.succeededFuture()
            : Payments.findByIntent(db, intentId)  // the booking it names now
                .compose(now -> refunds.release(new JsonObject()
                    .put("bookingId", now.orElseThrow().getBookingId().toString())
                    .put("refundPercent", answer.getInteger("refundPercent", 100))
                    .put("reason", "paid after the seat was gone").put("by", "payment"))).mapEmpty())
        .compose(x -> settleAfter(intentId, null))
        .<Void>mapEmpty().recover(e -> {
          LOG.warn("settling captured {} failed", intentId, e);
          return Future.succeededFuture();
        });
  }

  /** {bookingId} -> the payment ({@link PaymentJson}): staff confirmed a booking whose card is authorized; it is taken. */
  Future<JsonObject> captureConfirmed(JsonObject request) {
    UUID bookingId = UUID.fromString(request.getString("bookingId"));
    return Payments.byBooking(db, bookingId).compose(found -> {
      var payment = found.orElseThrow(() -> Problem.notFound("No payment for booking " + bookingId + ".")
          .toException());
      if (payment.getStatus() != PaymentStatus.authorized) {
        return PaymentJson.read(db, bookingId);
      }
      return capture(payment).compose(x -> PaymentJson.read(db, bookingId));
    });
  }

  /** Settles the authorized payment of the intent (the reconciler's rounds). */
  Future<Void> settle(String intentId) {
    return Payments.findByIntent(db, intentId).compose(found -> settle(found.orElseThrow()));
  }

  /**
   * Settles an authorized payment, as read by the webhook that authorized it (its booking may have been moved
   * since: {@link #secureBookingSeat} asks again); failures are logged and leave the payment authorized for a later
   * attempt.
   */
  Future<Void> settle(PaymentRecord payment) {
    String intentId = payment.getIntentId();
    return secureSeat(payment)
        .compose(answer -> answer.getBoolean("awaitingConfirmation", false)
            ? settleAfter(intentId, java.time.Duration.ofHours(1))  // staff decide; look again later
            : answer.getBoolean("confirmed") ? capture(payment)
            : gateway.cancel(Payments.charge(payment), "release-" + payment.getBookingId())
                .compose(x -> Payments.move(db, payment, EnumSet.of(PaymentStatus.authorized),
                    PaymentStatus.canceled, "cancellation", null, null)).<Void>mapEmpty())
        .<Void>mapEmpty().recover(e -> {
          LOG.warn("settling {} failed; the payment stays authorized", intentId, e);
          return Future.succeededFuture();
        });
  }

  /**
   * Takes the authorized money; its move clears the reconciler's mark ({@link Payments#move}). Captured meanwhile
   * by another path (Stripe's own report of it), the mark is cleared here: the seat is secured.
   */
  private Future<Void> capture(PaymentRecord payment) {
    return gateway.capture(Payments.charge(payment), "capture-" + payment.getBookingId())
        .compose(x -> Payments.move(db, payment, EnumSet.of(PaymentStatus.authorized),
            PaymentStatus.captured, "capture", null, null))
        .compose(moved -> moved ? Future.<Void>succeededFuture() : settleAfter(payment.getIntentId(), null));
  }
}
