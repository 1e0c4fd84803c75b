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
import java.util.Map;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.Record;
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

  private static final Field<BigDecimal> REFUNDED = DSL.field(Sql.DSL.select(Refunds.NET_REFUNDED)
      .from(PAYMENT_LEDGER).where(PAYMENT_LEDGER.BOOKING_ID.eq(PAYMENT.BOOKING_ID))).as("refunded");
  private static final Prepared<Record> WITH_REFUNDED = Prepared.of(Sql.DSL.select(PAYMENT.fields()).select(REFUNDED)
      .from(PAYMENT).where(PAYMENT.BOOKING_ID.eq(DSL.param("booking", PAYMENT.BOOKING_ID))));
}
