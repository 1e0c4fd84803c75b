package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;

import org.jooq.Field;
import org.jooq.Record2;
import java.util.Map;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.db.enums.PaymentStatus;
import dev.bookwell.db.tables.records.PaymentRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.EnumSet;
import java.util.UUID;
import org.jooq.impl.DSL;

/**
 * Money back when a booking ends early. The booking area decides the share owed back (the service's policy, or all
 * of it) and asks here; the share is recorded on the payment first, then paid: an authorization not yet captured
 * is released when all of it is owed, and otherwise captured and refunded by the share (a late cancellation costs
 * what the policy says, authorized or captured). A refund that cannot be made now (Stripe down) or that failed later
 * at Stripe is retried by the reconciler with backoff until the money back matches what is owed.
 */
final class Refunds {

  /**
   * While one settles a payment's refunds, {@code retry_at} is set this far ahead: the reconciler (on this or
   * another instance) claims only payments whose time has come, so two never refund the same payment at once.
   */
  static final Duration LEASE = Duration.ofMinutes(5);

  static final EnumSet<PaymentStatus> NOT_CAPTURED =
      EnumSet.of(PaymentStatus.requires_payment, PaymentStatus.failed, PaymentStatus.authorized);
  static final EnumSet<PaymentStatus> CAPTURED =
      EnumSet.of(PaymentStatus.captured, PaymentStatus.partially_refunded, PaymentStatus.refunded);

  private final Db db;
  private final PaymentGateway gateway;

  Refunds(Db db, PaymentGateway gateway) {
    this.db = db;
    this.gateway = gateway;
  }

  /** {bookingId, refundPercent, reason, by} -> the payment ({@link PaymentJson}) after it, pending if not done yet. */
  Future<JsonObject> release(JsonObject request) {
    UUID bookingId = UUID.fromString(request.getString("bookingId"));
    int percent = request.getInteger("refundPercent", 100);
    String note = new JsonObject().put("reason", request.getString("reason")).put("by", request.getString("by"))
        .encode();
    return db.fetchOptional(Sql.DSL.update(PAYMENT).set(PAYMENT.REFUND_PERCENT, percent).set(PAYMENT.ATTEMPTS, 0)
            .set(PAYMENT.RETRY_AT, DSL.coalesce(PAYMENT.RETRY_AT, SqlTime.now()))
            .where(PAYMENT.BOOKING_ID.eq(bookingId)).and(PAYMENT.INTENT_ID.isNotNull()).returning())
        .compose(found -> found.isEmpty() ? PaymentJson.read(db, bookingId) : claim(bookingId)
            .compose(claimed -> claimed.isEmpty()  // another settler has it: it pays what is now recorded as owed
                ? PaymentJson.read(db, bookingId).map(payment -> payment.put("pending", true))
                : settleOwed(claimed.get(), note)));
  }

  /**
   * Pays what is owed back on an ended booking, from what the ledger says was refunded already; safe to repeat. On
   * failure the payment is scheduled for another try (1, 2, 4 ... minutes, at most a day) and the answer says so.
   */
  Future<JsonObject> settleOwed(PaymentRecord payment, String note) {
    int percent = payment.getRefundPercent();
    // Nothing authorized yet, or all of it owed back: the intent is cancelled and nobody pays.
    Future<Void> settled = NOT_CAPTURED.contains(payment.getStatus())
        ? (percent == 100 || payment.getStatus() != PaymentStatus.authorized ? cancel(payment, note)
            : capture(payment).compose(captured -> refundOwed(captured, note)))
        : CAPTURED.contains(payment.getStatus()) ? refundOwed(payment, note)
        : Future.<Void>succeededFuture();
    // The lease is given up only if it is still ours: a refund reported failed meanwhile made the payment due again.
    return settled
        .compose(x -> db.update(Sql.DSL.update(PAYMENT).setNull(PAYMENT.RETRY_AT)
            .where(PAYMENT.BOOKING_ID.eq(payment.getBookingId())).and(PAYMENT.RETRY_AT.eq(payment.getRetryAt()))))
        .map(false)
        .recover(e -> retryLater(payment).map(true))
        .compose(pending -> PaymentJson.read(db, payment.getBookingId())
            .map(now -> pending ? now.put("pending", true) : now));
  }

  private Future<Void> cancel(PaymentRecord payment, String note) {
    return gateway.cancel(Payments.charge(payment), "release-" + payment.getBookingId())
        .compose(x -> Payments.move(db, payment, NOT_CAPTURED, PaymentStatus.canceled,
            "cancellation", null, note))
        .<Void>mapEmpty()
        // Stripe refuses to cancel an intent that a concurrent settlement has just captured: refund it instead.
        .recover(e -> gateway.retrieve(Payments.charge(payment)).compose(intent -> "succeeded".equals(intent.status())
            ? markCaptured(payment).compose(captured -> refundOwed(captured, note)) : Future.failedFuture(e)));
  }

  /** A late cancellation of an authorized payment keeps the policy's share: capture it all, refund the rest. */
  private Future<PaymentRecord> capture(PaymentRecord payment) {
    return gateway.capture(Payments.charge(payment), "capture-" + payment.getBookingId()).compose(x -> markCaptured(payment));
  }

  private Future<PaymentRecord> markCaptured(PaymentRecord payment) {
    return Payments.move(db, payment, NOT_CAPTURED, PaymentStatus.captured, "capture", null, null)
        .map(x -> payment.copy().setBookingId(payment.getBookingId()).setStatus(PaymentStatus.captured));
  }

  /** Refunds what is owed and not refunded yet; nothing when the ledger already matches. */
  private Future<Void> refundOwed(PaymentRecord payment, String note) {
    long owed = payment.getAmountMinor() * payment.getRefundPercent() / 100;
    return refundedSoFar(db, payment.getBookingId()).compose(refunded -> {
      long amount = owed - refunded.net();
      if (amount <= 0) {
        return Future.<Void>succeededFuture();
      }
      PaymentStatus to = refunded.net() + amount >= payment.getAmountMinor() ? PaymentStatus.refunded
          : PaymentStatus.partially_refunded;
      return gateway.refund(Payments.charge(payment), amount, refundKey(payment, amount, refunded.asked()))
          .compose(refundId -> db.transaction(tx -> recorded(tx, payment, refundId, refunded.asked() + amount)
              .compose(known -> known ? Future.succeededFuture(false)
                  : Payments.move(tx, payment, CAPTURED, to, "refund", amount, refundId, null, note))))
          .<Void>mapEmpty();
    });
  }

  /**
   * Whether the ledger has the refund already: Stripe gave back the same refund ({@code refundId}), or its
   * {@code charge.refunded} webhook came first and recorded it as the charge's refunded total, so the refunds there
   * reach {@code askedWith} (what they sum to with it). The payment's row is locked first, as the webhook's is: the
   * two cannot both find it missing. Recorded twice, the payment showed twice the money back, and a refund Stripe
   * failed later would still have looked paid.
   */
  private static Future<Boolean> recorded(Sql tx, PaymentRecord payment, String refundId, long askedWith) {
    return tx.fetchOne(Sql.DSL.select(PAYMENT.BOOKING_ID).from(PAYMENT).where(PAYMENT.BOOKING_ID
            .eq(payment.getBookingId())).forUpdate())
        .compose(locked -> tx.fetchOne(Sql.DSL.select(
                DSL.coalesce(DSL.sum(PAYMENT_LEDGER.AMOUNT_MINOR), DSL.inline(BigDecimal.ZERO)),
                DSL.count().filterWhere(PAYMENT_LEDGER.STRIPE_OBJECT_ID.eq(refundId)))
            .from(PAYMENT_LEDGER).where(PAYMENT_LEDGER.BOOKING_ID.eq(payment.getBookingId()))
            .and(PAYMENT_LEDGER.KIND.eq("refund"))))
        .map(row -> row.value2() > 0 || row.value1().longValue() >= askedWith);
  }

  /** Refunds asked for ({@code asked}), and what came back of them ({@code net}: less those Stripe failed). */
  record Refunded(long asked, long net) {
  }

  /** Net of the refunds Stripe failed, zero without any: what a payment shows as refunded ({@link PaymentJson}). */
  static final Field<BigDecimal> NET_REFUNDED = DSL.coalesce(PaymentsClient.refunded(), DSL.inline(BigDecimal.ZERO));

  /** Read before each refund: rendered once. */
  private static final Prepared<Record2<BigDecimal, BigDecimal>> REFUNDED = Prepared.of(Sql.DSL.select(
          DSL.coalesce(DSL.sum(DSL.when(PAYMENT_LEDGER.KIND.eq("refund"), PAYMENT_LEDGER.AMOUNT_MINOR).otherwise(0L)),
              DSL.inline(BigDecimal.ZERO)),
          NET_REFUNDED)
      .from(PAYMENT_LEDGER).where(PAYMENT_LEDGER.BOOKING_ID.eq(DSL.param("booking", PAYMENT_LEDGER.BOOKING_ID))));

  /** From the ledger: refund rows, and failure rows of refunds (their Stripe ids start with {@code re_}). */
  static Future<Refunded> refundedSoFar(Sql sql, UUID bookingId) {
    return sql.fetchOne(REFUNDED, Map.of("booking", bookingId))
        .map(row -> new Refunded(row.value1().longValue(), row.value2().longValue()));
  }

  private Future<Void> retryLater(PaymentRecord payment) {
    var backoff = DSL.field("now() + least(interval '1 minute' * power(2, least({0}, 11)), interval '1 day')",
        java.time.OffsetDateTime.class, PAYMENT.ATTEMPTS);
    return db.update(Sql.DSL.update(PAYMENT).set(PAYMENT.ATTEMPTS, PAYMENT.ATTEMPTS.plus(1))
        .set(PAYMENT.RETRY_AT, backoff).where(PAYMENT.BOOKING_ID.eq(payment.getBookingId()))).mapEmpty();
  }

  /** The reconciler's round: payments whose money back is due (new, failed before, or a refund Stripe failed). */
  Future<Integer> settleDue(Duration olderThan) {
    return db.fetch(Sql.DSL.select(PAYMENT.BOOKING_ID).from(PAYMENT).where(PAYMENT.REFUND_PERCENT.isNotNull())
            .and(PAYMENT.RETRY_AT.le(SqlTime.nowPlus(olderThan.negated())))
            .orderBy(PAYMENT.RETRY_AT).limit(100))
        .compose(due -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var row : due) {
            chain = chain.compose(n -> claim(row.value1())
                .compose(claimed -> claimed.isEmpty() ? Future.succeededFuture(n)
                    : settleOwed(claimed.get(), new JsonObject().put("reason", "reconciled").put("by", "reconciler")
                        .encode()).map(n + 1))
                .otherwise(n));  // one payment's trouble never stops the round
          }
          return chain;
        });
  }

  /** Takes the lease on a due payment; empty when another settler has it (or it is no longer due). */
  private Future<java.util.Optional<PaymentRecord>> claim(UUID bookingId) {
    return db.fetchOptional(Sql.DSL.update(PAYMENT).set(PAYMENT.RETRY_AT, SqlTime.nowPlus(LEASE))
        .where(PAYMENT.BOOKING_ID.eq(bookingId)).and(PAYMENT.RETRY_AT.le(SqlTime.now())).returning());
  }

  /** A refund Stripe reported failed: due again now. */
  static Future<Integer> refundFailed(Sql tx, UUID bookingId) {
    return tx.update(Sql.DSL.update(PAYMENT).set(PAYMENT.RETRY_AT, SqlTime.now())
        .where(PAYMENT.BOOKING_ID.eq(bookingId)).and(PAYMENT.REFUND_PERCENT.isNotNull()));
  }

  /**
   * One refund, one key: the booking, the amount and how much had been asked for before it. The same refund asked again
   * (a retry, whoever asks and for whatever reason) reuses the key, so Stripe answers with the refund it made instead
   * of refunding twice; a refund of another amount, or a further one, gets its own (Stripe refuses a key reused with
   * other parameters, which is what broke a policy refund followed by a full one under one key).
   */
  static String refundKey(PaymentRecord payment, long amount, long askedBefore) {
    return "refund-" + payment.getBookingId() + "-" + amount + "-after-" + askedBefore;
  }
}
