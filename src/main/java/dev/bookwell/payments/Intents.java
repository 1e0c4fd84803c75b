package dev.bookwell.payments;

import static dev.bookwell.db.Tables.ORGANIZATION_PAYMENT_ACCOUNT;
import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.platform.db.Prepared.typed;

import dev.bookwell.db.tables.records.PaymentRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * One PaymentIntent per booking, created on request of the booking area after a priced hold commits. Asking again
 * (a retry after Stripe was down) returns the same intent: the payment row and Stripe's idempotency key both
 * derive from the booking.
 */
final class Intents {

  private final Db db;
  private final PaymentGateway gateway;
  private final boolean manualCapture;
  private final int defaultFeeBps;

  Intents(Db db, PaymentGateway gateway, boolean manualCapture, int defaultFeeBps) {
    this.db = db;
    this.gateway = gateway;
    this.manualCapture = manualCapture;
    this.defaultFeeBps = defaultFeeBps;
  }

  /**
   * {bookingId, organizationId, reference, amount, currency} -> {status, intentId, clientSecret}. The account the
   * organization is paid into, and the platform's fee, are decided once, with the payment's row.
   */
  Future<JsonObject> forBooking(JsonObject request) {
    UUID bookingId = UUID.fromString(request.getString("bookingId"));
    long amount = request.getLong("amount");
    String currency = request.getString("currency");
    UUID organizationId = request.getString("organizationId") == null ? null
        : UUID.fromString(request.getString("organizationId"));
    // No transaction: the row is written if absent (with the organization's account and fee, read by the same
    // statement), else read back, each in one statement.
    var values = new HashMap<String, Object>();
    values.put("booking", bookingId);
    values.put("organization", organizationId);
    values.put("defaultFee", defaultFeeBps);
    values.put("subject", request.getString("subject", PaymentsClient.BOOKING));
    values.put("amount", amount);
    values.put("currency", currency);
    values.put("manual", manualCapture || Boolean.TRUE.equals(request.getBoolean("manualCapture")));
    return db.fetchOptional(CREATE, values)
        .compose(created -> created.isPresent() ? Future.succeededFuture(created)
            : Payments.byBooking(db, bookingId))
        .compose(found -> {
          var payment = found.orElseThrow();
          if (payment.getIntentId() != null) {
            return Future.succeededFuture(json(payment, payment.getIntentId(), payment.getClientSecret()));
          }
          return gateway.createIntent(bookingId, request.getString("reference"), payment.getAmountMinor(), currency,
                  payment.getManualCapture(), payment.getStripeAccount(), payment.getApplicationFeeMinor())
              .compose(intent -> db.fetch(RECORD_INTENT, Map.of("booking", bookingId, "intent", intent.id(),
                      "secret", intent.clientSecret()))
                  // another request stored an intent first (Stripe's idempotency key makes it this one, within a
                  // day): answer with the stored one, the one webhooks will name
                  .compose(recorded -> !recorded.isEmpty()
                      ? Future.succeededFuture(json(payment, intent.id(), intent.clientSecret()))
                      : Payments.byBooking(db, bookingId).compose(now -> now.filter(p -> p.getIntentId() != null)
                          .map(p -> Future.succeededFuture(json(p, p.getIntentId(), p.getClientSecret())))
                          // the payment moved to another booking meanwhile (a reschedule): no intent is handed
                          // out that no row records; the hold's answer says to ask again
                          .orElseGet(() -> Future.failedFuture(new IllegalStateException(
                              "the payment of booking " + bookingId + " moved while its intent was made"))))));
        });
  }

  /**
   * The booking's payment row, made if there is none yet (then returned): rendered once, asked for every hold. It is
   * paid into the organization's own account when it has one, with the platform's fee on it (the organization's
   * own rate, else the default, rounded down); into the platform's account otherwise, without a fee. Reading the
   * account here, not before, saves every paid hold a round trip.
   */
  private static final Prepared<PaymentRecord> CREATE = creating();

  private static Prepared<PaymentRecord> creating() {
    var account = ORGANIZATION_PAYMENT_ACCOUNT;
    var amount = typed("amount", PAYMENT.AMOUNT_MINOR);
    var feeBps = DSL.coalesce(account.APPLICATION_FEE_BPS, typed("defaultFee", account.APPLICATION_FEE_BPS));
    var fee = DSL.when(account.STRIPE_ACCOUNT.isNull(), DSL.inline(0L))
        .otherwise(amount.times(feeBps.cast(PAYMENT.AMOUNT_MINOR.getDataType())).div(DSL.inline(10_000L)));
    return Prepared.of(Sql.DSL.insertInto(PAYMENT, PAYMENT.BOOKING_ID, PAYMENT.STRIPE_ACCOUNT,
            PAYMENT.APPLICATION_FEE_MINOR, PAYMENT.SUBJECT, PAYMENT.AMOUNT_MINOR, PAYMENT.CURRENCY,
            PAYMENT.MANUAL_CAPTURE)
        .select(Sql.DSL.select(typed("booking", PAYMENT.BOOKING_ID), account.STRIPE_ACCOUNT, fee,
                typed("subject", PAYMENT.SUBJECT), amount,
                // unbounded varchar, not the column's char(3) (Prepared.typed): a longer value fails, not cut
                DSL.param("currency", String.class).cast(SQLDataType.VARCHAR), typed("manual", PAYMENT.MANUAL_CAPTURE))
            .from(DSL.selectOne().asTable("one"))
            .leftJoin(account).on(account.ORGANIZATION_ID.eq(typed("organization", account.ORGANIZATION_ID))))
        .onConflictDoNothing()
        .returning());
  }

  /** The intent Stripe made, kept with the payment (the first one made, if two raced). */
  private static final Prepared<PaymentRecord> RECORD_INTENT = Prepared.of(Sql.DSL.update(PAYMENT)
      .set(PAYMENT.INTENT_ID, DSL.param("intent", PAYMENT.INTENT_ID))
      .set(PAYMENT.CLIENT_SECRET, DSL.param("secret", PAYMENT.CLIENT_SECRET))
      .where(PAYMENT.BOOKING_ID.eq(DSL.param("booking", PAYMENT.BOOKING_ID))).and(PAYMENT.INTENT_ID.isNull())
      .returning(PAYMENT.BOOKING_ID));

  /** A fresh intent has nothing refunded; the payer gets the client secret to pay with. */
  private static JsonObject json(PaymentRecord payment, String intentId, String clientSecret) {
    return PaymentJson.of(payment, 0).put("intentId", intentId).put("clientSecret", clientSecret);
  }
}
