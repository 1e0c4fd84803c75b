package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT_LEDGER;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.Wait;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;

/** What the payment tests read back: the kinds of a booking's ledger rows, in the order they were written. */
final class LedgerRows {

  private LedgerRows() {
  }

  static List<String> kinds(Db db, JsonObject booking) {
    return Wait.on(db.fetch(Sql.DSL.select(PAYMENT_LEDGER.KIND).from(PAYMENT_LEDGER)
            .where(PAYMENT_LEDGER.BOOKING_ID.eq(UUID.fromString(booking.getString("id")))).orderBy(PAYMENT_LEDGER.ID)))
        .stream().map(r -> r.value1()).toList();
  }
}
