package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;

import dev.bookwell.db.enums.PaymentStatus;
import dev.bookwell.db.tables.records.PaymentLedgerRecord;
import dev.bookwell.db.tables.records.PaymentRecord;
import dev.bookwell.platform.api.Money;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/** The payment table's SQL: guarded, forward-only status moves, each with its ledger row. */
final class Payments {

  private Payments() {
  }

  /** Where the payment's intent lives: every Stripe call about it goes to that account. */
  static PaymentGateway.Charge charge(PaymentRecord payment) {
    return new PaymentGateway.Charge(payment.getIntentId(), payment.getStripeAccount(),
        payment.getApplicationFeeMinor() > 0);
  }

  /** The payment of the intent, locked for the caller's transaction. */
  static Future<Optional<PaymentRecord>> byIntent(Sql tx, String intentId) {
    return tx.fetchOptional(BY_INTENT_LOCKED, Map.of("intent", intentId));
  }

  /** The payment of the intent, read without a lock. */
  static Future<Optional<PaymentRecord>> findByIntent(Sql sql, String intentId) {
    return sql.fetchOptional(BY_INTENT, Map.of("intent", intentId));
  }

  private static final Prepared<PaymentRecord> BY_INTENT = Prepared.of(Sql.DSL.selectFrom(PAYMENT)
      .where(PAYMENT.INTENT_ID.eq(DSL.param("intent", PAYMENT.INTENT_ID))));
  private static final Prepared<PaymentRecord> BY_INTENT_LOCKED = Prepared.of(Sql.DSL.selectFrom(PAYMENT)
      .where(PAYMENT.INTENT_ID.eq(DSL.param("intent", PAYMENT.INTENT_ID))).forUpdate());

  static Future<Optional<PaymentRecord>> byBooking(Sql tx, UUID bookingId) {
    return tx.fetchOptional(BY_BOOKING, Map.of("booking", bookingId));
  }

  private static final Prepared<PaymentRecord> BY_BOOKING = Prepared.of(Sql.DSL.selectFrom(PAYMENT)
      .where(PAYMENT.BOOKING_ID.eq(DSL.param("booking", PAYMENT.BOOKING_ID))));

  /** A charge now refunded up to {@code totalRefunded}: records what the ledger does not know yet. */
  static Future<Boolean> recordRefundedTotal(Sql tx, PaymentRecord payment, long totalRefunded, String eventId,
                                             String raw) {
    return tx.fetchOne(Sql.DSL.select(DSL.coalesce(DSL.sum(PAYMENT_LEDGER.AMOUNT_MINOR), DSL.inline(BigDecimal.ZERO)))
            .from(PAYMENT_LEDGER).where(PAYMENT_LEDGER.BOOKING_ID.eq(payment.getBookingId()))
            .and(PAYMENT_LEDGER.KIND.eq("refund")))
        .compose(known -> {
          long missing = totalRefunded - known.value1().longValue();
          if (missing <= 0) {
            return Future.succeededFuture(false);
          }
          PaymentStatus to = totalRefunded >= payment.getAmountMinor() ? PaymentStatus.refunded
              : PaymentStatus.partially_refunded;
          return move(tx, payment, EnumSet.of(PaymentStatus.captured, PaymentStatus.partially_refunded), to, "refund",
              missing, payment.getIntentId(), eventId, raw);
        });
  }

  /**
   * A ledger row that does not move the payment's status: a dispute opened on the charge ({@code dispute}), or a
   * refund that failed ({@code failure}).
   */
  static Future<Integer> recordNote(Sql tx, PaymentRecord payment, String kind, long amount, String stripeObjectId,
                                       String eventId, String raw) {
    return tx.update(Sql.DSL.insertInto(PAYMENT_LEDGER)
        .set(PAYMENT_LEDGER.BOOKING_ID, payment.getBookingId())
        .set(PAYMENT_LEDGER.KIND, kind)
        .set(PAYMENT_LEDGER.AMOUNT_MINOR, amount)
        .set(PAYMENT_LEDGER.CURRENCY, payment.getCurrency())
        .set(PAYMENT_LEDGER.STRIPE_OBJECT_ID, stripeObjectId)
        .set(PAYMENT_LEDGER.STRIPE_EVENT_ID, eventId)
        .set(PAYMENT_LEDGER.RAW, JSONB.valueOf(raw)))
        // a refund Stripe failed gives money back to nobody: reports count it out again
        .compose(n -> "failure".equals(kind) && stripeObjectId != null && stripeObjectId.startsWith("re_")
            ? Outbox.append(tx, PaymentsClient.REFUND_FAILED, "booking", payment.getBookingId(), new JsonObject()
                .put("bookingId", payment.getBookingId().toString())
                .put("amount", Money.json(amount, payment.getCurrency()))).map(n)
            : Future.succeededFuture(n));
  }

  /**
   * Money events, in the transaction of the ledger row: a failed card and a refund made (people hear of them), and
   * a capture (reports count it).
   */
  private static final java.util.Map<String, String> ANNOUNCED = java.util.Map.of(
      "failure", "payment.failed", "refund", "payment.refunded", "capture", "payment.captured");

  private static Future<Void> announce(Sql tx, UUID bookingId, String ledgerKind, long amount, String currency) {
    String type = ANNOUNCED.get(ledgerKind);
    return type == null ? Future.succeededFuture() : Outbox.append(tx, type, "booking", bookingId, new JsonObject()
        .put("bookingId", bookingId.toString()).put("amount", Money.json(amount, currency))).mapEmpty();
  }

  /**
   * Moves the payment to {@code to} if it is in one of {@code from}, and records the ledger row with it.
   * Gives false (and writes nothing) when the move does not apply: a duplicate or an out-of-order event.
   */
  static Future<Boolean> move(Sql tx, PaymentRecord payment, EnumSet<PaymentStatus> from, PaymentStatus to,
                              String ledgerKind, String eventId, String rawEvent) {
    return move(tx, payment, from, to, ledgerKind, payment.getAmountMinor(), payment.getIntentId(), eventId, rawEvent);
  }

  static Future<Boolean> move(Sql tx, PaymentRecord payment, EnumSet<PaymentStatus> from, PaymentStatus to,
                              String ledgerKind, long amount, String stripeObjectId, String eventId,
                              String rawEvent) {
    // By the intent when there is one: a reschedule may have moved the payment to another booking meanwhile, and
    // the money is the intent's wherever it now belongs.
    boolean byIntent = payment.getIntentId() != null;
    boolean captures = to == PaymentStatus.captured;
    var moving = MOVES.computeIfAbsent(byIntent + " " + from + " " + captures, key -> moving(byIntent, from, captures));
    var ledger = new HashMap<String, Object>();
    ledger.put("kind", ledgerKind);
    ledger.put("amount", amount);
    ledger.put("currency", payment.getCurrency());
    ledger.put("object", stripeObjectId);
    ledger.put("event", eventId);
    ledger.put("raw", rawEvent == null ? null : JSONB.valueOf(rawEvent));
    return tx.fetchOptional(moving, Map.of("to", to, "which", byIntent ? payment.getIntentId() : payment.getBookingId()))
        .compose(moved -> {
          if (moved.isEmpty()) {
            return Future.succeededFuture(false);
          }
          ledger.put("booking", moved.get().getBookingId());
          return tx.fetch(LEDGER, ledger)
              .compose(x -> announce(tx, moved.get().getBookingId(), ledgerKind, amount, payment.getCurrency()))
              .map(true);
        });
  }

  /**
   * Each step of every purchase moves its payment, so the moves are rendered once: one statement per (by intent or
   * by booking, the statuses moved from, whether it captures), of which the code names a handful.
   */
  private static final Map<String, Prepared<PaymentRecord>> MOVES = new ConcurrentHashMap<>();

  /**
   * A capture leaves the reconciler nothing to do ({@code settle_after} cleared), in the statement that records it:
   * every purchase's settlement cleared it in a statement of its own after the move. A capture reported by Stripe
   * sets its seat check after the move, in the same transaction ({@link StripeWebhooks}).
   */
  private static Prepared<PaymentRecord> moving(boolean byIntent, EnumSet<PaymentStatus> from, boolean captures) {
    var update = Sql.DSL.update(PAYMENT).set(PAYMENT.STATUS, DSL.param("to", PAYMENT.STATUS))
        .set(PAYMENT.UPDATED_AT, SqlTime.now());
    return Prepared.of((captures ? update.setNull(PAYMENT.SETTLE_AFTER) : update)
        .where(byIntent ? PAYMENT.INTENT_ID.eq(DSL.param("which", PAYMENT.INTENT_ID))
            : PAYMENT.BOOKING_ID.eq(DSL.param("which", PAYMENT.BOOKING_ID)))
        .and(PAYMENT.STATUS.in(from)).returning(PAYMENT.BOOKING_ID));
  }

  private static final Prepared<PaymentLedgerRecord> LEDGER = Prepared.of(Sql.DSL.insertInto(PAYMENT_LEDGER)
      .set(PAYMENT_LEDGER.BOOKING_ID, DSL.param("booking", PAYMENT_LEDGER.BOOKING_ID))
      .set(PAYMENT_LEDGER.KIND, DSL.param("kind", PAYMENT_LEDGER.KIND))
      .set(PAYMENT_LEDGER.AMOUNT_MINOR, DSL.param("amount", PAYMENT_LEDGER.AMOUNT_MINOR))
      .set(PAYMENT_LEDGER.CURRENCY, DSL.param("currency", PAYMENT_LEDGER.CURRENCY))
      .set(PAYMENT_LEDGER.STRIPE_OBJECT_ID, DSL.param("object", PAYMENT_LEDGER.STRIPE_OBJECT_ID))
      .set(PAYMENT_LEDGER.STRIPE_EVENT_ID, DSL.param("event", PAYMENT_LEDGER.STRIPE_EVENT_ID))
      .set(PAYMENT_LEDGER.RAW, DSL.param("raw", PAYMENT_LEDGER.RAW))
      .returning(PAYMENT_LEDGER.ID));
}
