package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectConditionStep;
import org.jooq.SelectSelectStep;
import org.jooq.impl.DSL;

/**
 * The booking table as the area reads it. Its status column reads {@code expired} for a hold whose time passed by
 * the database clock, before the sweeper ends it, so every read, every transition check and every instance agree
 * on one clock (the one holds are written with).
 */
final class BookingRows {

  /** The status clients see, as a condition-ready field. */
  static final Field<BookingStatus> STATUS = DSL.when(BOOKING.STATUS.eq(BookingStatus.held)
      .and(BOOKING.HOLD_EXPIRES_AT.le(SqlTime.now())), DSL.inline(BookingStatus.expired)).otherwise(BOOKING.STATUS);

  private static final Field<?>[] FIELDS = Arrays.stream(BOOKING.fields())
      .map(field -> field == BOOKING.STATUS ? STATUS.as(BOOKING.STATUS.getName()) : field)
      .toArray(Field<?>[]::new);

  private BookingRows() {
  }

  /** {@code SELECT <booking with its effective status> FROM booking WHERE ...}; finish with {@code .coerce(BOOKING)}. */
  static SelectConditionStep<Record> where(Condition condition) {
    return Sql.DSL.select(FIELDS).from(BOOKING).where(condition);
  }

  /** The booking's columns as {@link #where} reads them, then {@code more} (from tables joined to the booking). */
  static SelectSelectStep<Record> selectWith(Field<?>... more) {
    return Sql.DSL.select(FIELDS).select(more);
  }

  /**
   * One booking with its effective status. Read on every poll of a booking page and at each step of a purchase,
   * so rendered once.
   */
  static Future<Optional<BookingRecord>> one(Sql sql, UUID id) {
    return sql.fetchOptional(ONE, Map.of("id", id));
  }

  /** One booking row locked for update, with its effective status. */
  static Future<Optional<BookingRecord>> locked(Sql tx, UUID id) {
    return tx.fetchOptional(LOCKED, Map.of("id", id));
  }

  private static final Prepared<BookingRecord> ONE =
      Prepared.of(where(BOOKING.ID.eq(DSL.param("id", BOOKING.ID))).coerce(BOOKING));
  private static final Prepared<BookingRecord> LOCKED =
      Prepared.of(where(BOOKING.ID.eq(DSL.param("id", BOOKING.ID))).forUpdate().of(BOOKING).coerce(BOOKING));
}
