package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT_LEDGER;

import org.jooq.impl.DSL;
import java.util.Map;
import java.time.OffsetDateTime;
import org.jooq.Record6;
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

  /** The columns shown: not the Stripe event each row keeps for audit (a kilobyte or two of JSON, read for nothing). */
  private static final Prepared<Record6<String, Long, String, String, String, OffsetDateTime>> MOVEMENTS =
      Prepared.of(Sql.DSL.select(PAYMENT_LEDGER.KIND, PAYMENT_LEDGER.AMOUNT_MINOR, PAYMENT_LEDGER.CURRENCY,
              PAYMENT_LEDGER.STRIPE_OBJECT_ID, PAYMENT_LEDGER.STRIPE_EVENT_ID, PAYMENT_LEDGER.CREATED_AT)
          .from(PAYMENT_LEDGER).where(PAYMENT_LEDGER.BOOKING_ID.eq(DSL.param("booking", PAYMENT_LEDGER.BOOKING_ID)))
          .orderBy(PAYMENT_LEDGER.ID));

  /** The booking's payment ({@link PaymentJson}) with every money movement, oldest first. */
  Future<JsonObject> forBooking(UUID bookingId) {
    return PaymentJson.read(db, bookingId).compose(payment -> db.fetch(MOVEMENTS, Map.of("booking", bookingId))
        .map(rows -> {
          var movements = new JsonArray();
          rows.forEach(r -> movements.add(new JsonObject()
              .put("kind", r.value1())
              .put("amount", Money.json(r.value2(), r.value3()))
              .put("stripeObjectId", r.value4())
              .put("stripeEventId", r.value5())
              .put("at", r.value6().toInstant().toString())));
          return payment.put("movements", movements);
        }));
  }
}
