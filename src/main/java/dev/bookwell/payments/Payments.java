package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;

import dev.bookwell.db.enums.PaymentStatus;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.CommonTableExpression;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record1;
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
   * Money events, in the statement of the ledger row: a failed card and a refund made (people hear of them), and
   * a capture (reports count it).
   */
  private static final java.util.Map<String, String> ANNOUNCED = java.util.Map.of(
      "failure", "payment.failed", "refund", "payment.refunded", "capture", "payment.captured");

  /**
   * Moves the payment to {@code to} if it is in one of {@code from}, and records the ledger row with it.
   * Gives false (and writes nothing) when the move does not apply: a duplicate or an out-of-order event.
   */
  static Future<Boolean> move(Sql tx, PaymentRecord payment, EnumSet<PaymentStatus> from, PaymentStatus to,
                              String ledgerKind, String eventId, String rawEvent) {
    return move(tx, payment, from, to, ledgerKind, payment.getAmountMinor(), payment.getIntentId(), eventId, rawEvent);
  }

  /**
   * One statement ({@link #moveParts}): atomic on its own, so a caller with nothing else to write runs it outside a
   * transaction.
   */
  static Future<Boolean> move(Sql tx, PaymentRecord payment, EnumSet<PaymentStatus> from, PaymentStatus to,
                              String ledgerKind, long amount, String stripeObjectId, String eventId,
                              String rawEvent) {
    // By the intent when there is one: a reschedule may have moved the payment to another booking meanwhile, and
    // the money is the intent's wherever it now belongs.
    boolean byIntent = payment.getIntentId() != null;
    boolean captures = to == PaymentStatus.captured;
    var moving = MOVES.computeIfAbsent(byIntent + " " + from + " " + captures + " " + ledgerKind,
        key -> moving(moveParts(byIntent, from, captures, ledgerKind, DSL.noCondition())));
    var values = moveValues(to, byIntent ? payment.getIntentId() : payment.getBookingId(), ledgerKind, amount,
        stripeObjectId, eventId, rawEvent);
    if (ANNOUNCED.containsKey(ledgerKind)) {
      values.put("announced", JSONB.valueOf(new JsonObject().put("amount", Money.json(amount, payment.getCurrency()))
          .encode()));
    }
    return tx.fetchOptional(moving, values).map(Optional::isPresent);
  }

  /** The move's statement: its parts ({@link #moveParts}), answering with the booking of the row moved, if any. */
  private static Prepared<Record1<UUID>> moving(List<CommonTableExpression<?>> parts) {
    var moved = parts.getFirst();
    return Prepared.of(Sql.DSL.with(parts).select(moved.field(PAYMENT.BOOKING_ID)).from(moved));
  }

  /** The values of a move's parameters ({@link #moveParts}), but its event's ({@code announced}). */
  static HashMap<String, Object> moveValues(PaymentStatus to, Object which, String ledgerKind, long amount,
                                            String stripeObjectId, String eventId, String rawEvent) {
    var values = new HashMap<String, Object>();
    values.put("to", to);
    values.put("which", which);
    values.put("kind", ledgerKind);
    values.put("amount", amount);
    values.put("object", stripeObjectId);
    values.put("event", eventId);
    values.put("raw", rawEvent == null ? null : JSONB.valueOf(rawEvent));
    return values;
  }

  /**
   * Each step of every purchase moves its payment, so the moves are rendered once: one statement per (by intent or
   * by booking, the statuses moved from, whether it captures, its ledger kind), of which the code names a handful.
   */
  private static final Map<String, Prepared<Record1<UUID>>> MOVES = new ConcurrentHashMap<>();

  /**
   * The move, its ledger row and its event ({@link #ANNOUNCED}) as parts of one statement, one round trip where
   * they were three: first the update ({@code moved}, returning the whole row, moved only if {@code also} holds
   * too), then the ledger row and the event, written only for a row the update moved (of the booking the payment
   * names now).
   * A capture leaves the reconciler nothing to do ({@code settle_after} cleared); a capture reported by Stripe sets
   * its seat check after the move, in the same transaction ({@link StripeWebhooks}).
   */
  static List<CommonTableExpression<?>> moveParts(boolean byIntent, EnumSet<PaymentStatus> from, boolean captures,
                                                  String ledgerKind, Condition also) {
    var update = Sql.DSL.update(PAYMENT).set(PAYMENT.STATUS, DSL.param("to", PAYMENT.STATUS))
        .set(PAYMENT.UPDATED_AT, SqlTime.now());
    var moved = DSL.name("moved").as((captures ? update.setNull(PAYMENT.SETTLE_AFTER) : update)
        .where(byIntent ? PAYMENT.INTENT_ID.eq(DSL.param("which", PAYMENT.INTENT_ID))
            : PAYMENT.BOOKING_ID.eq(DSL.param("which", PAYMENT.BOOKING_ID)))
        .and(PAYMENT.STATUS.in(from)).and(also).returning());
    Field<UUID> booking = moved.field(PAYMENT.BOOKING_ID);
    var ledger = DSL.name("ledger").as(Sql.DSL.insertInto(PAYMENT_LEDGER, PAYMENT_LEDGER.BOOKING_ID,
            PAYMENT_LEDGER.KIND, PAYMENT_LEDGER.AMOUNT_MINOR, PAYMENT_LEDGER.CURRENCY, PAYMENT_LEDGER.STRIPE_OBJECT_ID,
            PAYMENT_LEDGER.STRIPE_EVENT_ID, PAYMENT_LEDGER.RAW)
        .select(DSL.select(booking, DSL.param("kind", PAYMENT_LEDGER.KIND),
            DSL.param("amount", PAYMENT_LEDGER.AMOUNT_MINOR), moved.field(PAYMENT.CURRENCY),
            DSL.param("object", PAYMENT_LEDGER.STRIPE_OBJECT_ID), DSL.param("event", PAYMENT_LEDGER.STRIPE_EVENT_ID),
            DSL.param("raw", PAYMENT_LEDGER.RAW)).from(moved))
        .returning(PAYMENT_LEDGER.ID));
    String announced = ANNOUNCED.get(ledgerKind);
    if (announced == null) {
      return List.of(moved, ledger);
    }
    Field<String> aggregate = DSL.field(DSL.select(booking.cast(String.class)).from(moved));
    var event = DSL.name("announced").as(Outbox.insertWhen(DSL.exists(DSL.selectOne().from(moved)),
        DSL.inline(announced), DSL.inline("booking"), aggregate,
        DSL.field("{0} || jsonb_build_object('bookingId', {1})", JSONB.class,
            DSL.param("announced", JSONB.class), aggregate)));
    return List.of(moved, ledger, event);
  }
}
