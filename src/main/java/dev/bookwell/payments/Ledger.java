package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT_LEDGER;

import org.jooq.impl.DSL;
import java.util.Map;
import dev.bookwell.db.tables.records.PaymentLedgerRecord;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.api.Money;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** A booking's payment and its money movements, oldest first (raw Stripe events stay in the table for audit). */
final class Ledger {

  private final Db db;

  Ledger(Db db) {
    this.db = db;
  }

  /** Read on every poll of a priced booking's page: rendered once. */
  private static final Prepared<PaymentLedgerRecord> MOVEMENTS = Prepared.of(Sql.DSL.selectFrom(PAYMENT_LEDGER)
      .where(PAYMENT_LEDGER.BOOKING_ID.eq(DSL.param("booking", PAYMENT_LEDGER.BOOKING_ID))).orderBy(PAYMENT_LEDGER.ID));

  /** The booking's payment ({@link PaymentJson}) with every money movement, oldest first. */
  Future<JsonObject> forBooking(UUID bookingId) {
    return PaymentJson.read(db, bookingId).compose(payment -> db.fetch(MOVEMENTS, Map.of("booking", bookingId))
        .map(rows -> {
          var movements = new JsonArray();
          rows.forEach(r -> movements.add(new JsonObject()
              .put("kind", r.getKind())
              .put("amount", Money.json(r.getAmountMinor(), r.getCurrency()))
              .put("stripeObjectId", r.getStripeObjectId())
              .put("stripeEventId", r.getStripeEventId())
              .put("at", r.getCreatedAt().toInstant().toString())));
          return payment.put("movements", movements);
        }));
  }
}
