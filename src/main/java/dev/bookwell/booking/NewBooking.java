package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * A booking to insert, made by a hold or a waitlist offer in the slot {@code slot}; {@code holdFor} is how long a
 * held one is held. It gives its row as values for a plain insert ({@link #insert}) or as the parameters of the
 * one-statement hold ({@link Seats#takingFree}).
 */
record NewBooking(Holds.SlotFacts slot, UUID id, UUID userId, JsonObject guest, String notes, int seats,
                  long subtotal, long discount, BookingStatus status, byte[] tokenHash, Duration holdFor) {

  /** The row as Java knows it before the insert (the hold's expiry is the database clock's). */
  BookingRecord row(String reference) {
    var row = new BookingRecord();
    row.setId(id);
    row.setReference(reference);
    row.setStatus(status);
    slot.place(row);
    row.setOrganizationId(slot.organizationId());
    row.setServiceId(slot.serviceId());
    row.setUserId(userId);
    row.setGuest(guest == null ? null : JSONB.valueOf(guest.encode()));
    row.setAccessTokenHash(tokenHash);
    row.setSeats(seats);
    row.setNotes(notes);
    row.setSubtotalMinor(subtotal);
    row.setDiscountMinor(discount);
    row.setTotalMinor(subtotal - discount);
    row.setCurrency(slot.currency());
    row.setFullRefundHours(slot.fullRefundHours());
    row.setLateRefundPercent(slot.lateRefundPercent());
    return row;
  }

  /** Column to value, for an insert: the row's values, and a hold's expiry from the database clock. */
  Map<Field<?>, Field<?>> columns(BookingRecord row) {
    return columns(row, column -> DSL.val(row.get(column), column.getDataType()));
  }

  /** The same columns, each value a parameter named {@code new_<column>} (for {@link Seats#takingFree}). */
  Map<Field<?>, Field<?>> params(BookingRecord row) {
    return columns(row, column -> DSL.param("new_" + column.getName(), column.getDataType()));
  }

  /** The parameters' values. */
  Map<String, Object> values(BookingRecord row) {
    var values = new HashMap<String, Object>();
    for (Field<?> column : row.fields()) {
      if (row.changed(column)) {
        values.put("new_" + column.getName(), row.get(column));
      }
    }
    return values;
  }

  private Map<Field<?>, Field<?>> columns(BookingRecord row, Function<Field<?>, Field<?>> value) {
    var columns = new LinkedHashMap<Field<?>, Field<?>>();
    for (Field<?> column : row.fields()) {
      if (row.changed(column)) {
        columns.put(column, value.apply(column));
      }
    }
    if (holdFor != null) {
      columns.put(BOOKING.HOLD_EXPIRES_AT, SqlTime.nowPlus(holdFor));
    }
    return columns;
  }

  /** Inserts with a fresh reference; a clash of references (one in a billion) just draws another. */
  static Future<BookingRecord> insert(Sql tx, NewBooking b, int attempts) {
    var insert = Sql.DSL.insertInto(BOOKING).set(b.columns(b.row(References.next())));
    return tx.fetchOptional(insert.onConflict(BOOKING.REFERENCE).doNothing().returning())
        .compose(row -> row.isPresent() || attempts == 1 ? Future.succeededFuture(row.orElseThrow())
            : insert(tx, b, attempts - 1));
  }
}
