package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;

import dev.bookwell.db.tables.records.PaymentRecord;
import dev.bookwell.platform.api.Money;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Records;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * The one shape of a booking's payment, wherever it is shown (the hold, the booking, a cancel, the ledger):
 * {@code {status, amount, refunded, intentId}} with money as {@code {amountMinor, currency}}; the payer's
 * {@code clientSecret} is added where the payer asks for the intent, {@code pending} where money is still to move.
 */
final class PaymentJson {

  private PaymentJson() {
  }

  static JsonObject of(PaymentRecord payment, long refundedMinor) {
    return new JsonObject()
        .put("status", payment.getStatus().getLiteral())
        .put("amount", Money.json(payment.getAmountMinor(), payment.getCurrency()))
        .put("refunded", Money.json(refundedMinor, payment.getCurrency()))
        .put("intentId", payment.getIntentId())
        // the payer's Stripe.js needs it to find an intent made on the organization's own account
        .put("stripeAccountId", payment.getStripeAccount());
  }

  /**
   * The payment of a booking as it is now (refunded: net of refunds Stripe failed); {@code status: none} if none.
   * One statement: every read of a priced booking asks it (a checkout page's polls, the long polls it wakes), and
   * it had been two, the payment and then its refunds.
   */
  static Future<JsonObject> read(Sql sql, UUID bookingId) {
    return sql.fetchOptional(WITH_REFUNDED, Map.of("booking", bookingId)).map(found -> found
        .map(row -> of(Records.into(row, PAYMENT), row.get(REFUNDED).longValue()))
        .orElseGet(() -> new JsonObject().put("status", "none")));
  }

  /**
   * The payment of {@code bookingId} as a lateral part of another statement ({@link PaymentsClient#ofBooking}): the
   * columns {@link #of(PaymentRecord, long)} shows, named apart from those of the row they are read with.
   */
  static Table<Record> ofBooking(Field<UUID> bookingId) {
    return DSL.lateral(Sql.DSL.select(Arrays.stream(SHOWN).map(f -> f.as(PREFIX + f.getName())).toList())
        .select(NET_REFUNDED.as(PREFIX + REFUNDED.getName()))
        .from(PAYMENT).where(PAYMENT.BOOKING_ID.eq(bookingId))).as("payment");
  }

  /** The payment read by {@link #ofBooking}; {@code status: none} if the booking has none. */
  static JsonObject of(Record row) {
    var payment = new PaymentRecord().setStatus(shown(row, PAYMENT.STATUS))
        .setAmountMinor(shown(row, PAYMENT.AMOUNT_MINOR)).setCurrency(shown(row, PAYMENT.CURRENCY))
        .setIntentId(shown(row, PAYMENT.INTENT_ID)).setStripeAccount(shown(row, PAYMENT.STRIPE_ACCOUNT));
    return payment.getStatus() == null ? new JsonObject().put("status", "none")
        : of(payment, shown(row, REFUNDED).longValue());
  }

  private static <T> T shown(Record row, Field<T> field) {
    return row.get(PREFIX + field.getName(), field.getType());
  }

  private static final String PREFIX = "payment_";
  private static final Field<?>[] SHOWN = {PAYMENT.STATUS, PAYMENT.AMOUNT_MINOR, PAYMENT.CURRENCY, PAYMENT.INTENT_ID,
      PAYMENT.STRIPE_ACCOUNT};

  private static final Field<BigDecimal> NET_REFUNDED = DSL.field(Sql.DSL.select(Refunds.NET_REFUNDED)
      .from(PAYMENT_LEDGER).where(PAYMENT_LEDGER.BOOKING_ID.eq(PAYMENT.BOOKING_ID)));
  private static final Field<BigDecimal> REFUNDED = NET_REFUNDED.as("refunded");
  private static final Prepared<Record> WITH_REFUNDED = Prepared.of(Sql.DSL.select(PAYMENT.fields()).select(REFUNDED)
      .from(PAYMENT).where(PAYMENT.BOOKING_ID.eq(DSL.param("booking", PAYMENT.BOOKING_ID))));
}
