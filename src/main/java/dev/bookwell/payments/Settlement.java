package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;

import dev.bookwell.db.enums.PaymentStatus;

import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a card is authorized: ask the booking area to secure the seat (it re-takes a free seat if the hold
 * expired meanwhile), then capture; if no seat can be had, release the authorization. Nobody pays for nothing.
 */
final class Settlement {

  static final String SECURE_SEAT = "booking.payment-secured";
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
    return db.fetch(Sql.DSL.select(PAYMENT.INTENT_ID).from(PAYMENT)
            .where(PAYMENT.STATUS.eq(PaymentStatus.authorized))
            .and(PAYMENT.UPDATED_AT.lt(SqlTime.nowPlus(olderThan.negated())))
            .orderBy(PAYMENT.UPDATED_AT).limit(100))
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          for (var row : rows) {
            chain = chain.compose(x -> settle(row.value1()));
          }
          return chain.map(rows.size());
        });
  }

  /** Automatic capture: the money is already taken; secure the seat, or give the money back in full. */
  Future<Void> settleCaptured(String intentId) {
    return db.transaction(tx -> Payments.byIntent(tx, intentId)).compose(found -> {
      var bookingId = found.orElseThrow().getBookingId();
      return bus.<JsonObject>request(SECURE_SEAT, new JsonObject().put("bookingId", bookingId.toString()))
          .compose(answer -> answer.body().getBoolean("confirmed")
              || answer.body().getBoolean("awaitingConfirmation", false) ? Future.succeededFuture()
              : refunds.release(new JsonObject().put("bookingId", bookingId.toString()).put("refundPercent", 100)
                  .put("reason", "paid after the seat was gone").put("by", "payment")).mapEmpty());
    }).<Void>mapEmpty().recover(e -> {
      LOG.warn("settling captured {} failed", intentId, e);
      return Future.succeededFuture();
    });
  }

  /** {bookingId} -> {paymentStatus}: staff confirmed a booking whose card is authorized; the money is taken. */
  Future<JsonObject> captureConfirmed(JsonObject request) {
    UUID bookingId = UUID.fromString(request.getString("bookingId"));
    return Payments.byBooking(db, bookingId).compose(found -> {
      var payment = found.orElseThrow(() -> Problem.notFound("No payment for booking " + bookingId + ".")
          .toException());
      if (payment.getStatus() != PaymentStatus.authorized) {
        return Future.succeededFuture(new JsonObject().put("paymentStatus", payment.getStatus().getLiteral()));
      }
      return gateway.capture(payment.getIntentId(), "capture-" + bookingId)
          .compose(x -> db.transaction(tx -> Payments.move(tx, payment, EnumSet.of(PaymentStatus.authorized),
              PaymentStatus.captured, "capture", null, null)))
          .map(x -> new JsonObject().put("paymentStatus", PaymentStatus.captured.getLiteral()));
    });
  }

  /** Settles an authorized payment; failures are logged and leave the payment authorized for a later attempt. */
  Future<Void> settle(String intentId) {
    return db.transaction(tx -> Payments.byIntent(tx, intentId)).compose(found -> {
      var payment = found.orElseThrow();
      var bookingId = payment.getBookingId();
      return bus.<JsonObject>request(SECURE_SEAT, new JsonObject().put("bookingId", bookingId.toString()))
          .compose(answer -> answer.body().getBoolean("awaitingConfirmation", false) ? Future.succeededFuture()
              : answer.body().getBoolean("confirmed")
              ? gateway.capture(intentId, "capture-" + bookingId).compose(x -> db.transaction(tx -> Payments.move(tx,
                  payment, EnumSet.of(PaymentStatus.authorized), PaymentStatus.captured, "capture", null, null)))
              : gateway.cancel(intentId, "release-" + bookingId).compose(x -> db.transaction(tx -> Payments.move(tx,
                  payment, EnumSet.of(PaymentStatus.authorized), PaymentStatus.canceled, "cancellation", null,
                  null))));
    }).<Void>mapEmpty().recover(e -> {
      LOG.warn("settling {} failed; the payment stays authorized", intentId, e);
      return Future.succeededFuture();
    });
  }
}
