package dev.bookwell.reporting;

import static dev.bookwell.db.Tables.REPORT_BOOKING_DAY;
import static dev.bookwell.db.Tables.REPORT_BOOKING_MONTH;
import static dev.bookwell.db.Tables.REPORT_SLOT_DAY;
import static dev.bookwell.db.Tables.REPORT_SLOT_MONTH;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * Reading a rollup (bookings or slots) over a range: whole months from its monthly table when the report is by
 * month, the days at either end (and every day for day and week reports) from its daily table. A one-year report
 * by month reads 12 rows per key and at most two partial months of daily rows.
 */
record Rollup(Table<?> daily, Table<?> monthly) {

  static final Rollup BOOKINGS = new Rollup(REPORT_BOOKING_DAY, REPORT_BOOKING_MONTH);
  static final Rollup SLOTS = new Rollup(REPORT_SLOT_DAY, REPORT_SLOT_MONTH);
  static final Field<String> NO_CURRENCY = DSL.inline((String) null);

  /** One table read over dates {@code from}..{@code to} (both included). */
  private record Part(Table<?> table, String date, LocalDate from, LocalDate to) {
  }

  /** The parts covering {@code from}..{@code to}: months whole, or days. */
  List<Part> parts(ReportQuery q, LocalDate from, LocalDate to) {
    if (!q.unit().equals("month")) {
      return List.of(new Part(daily, "day", from, to));
    }
    LocalDate firstWhole = from.getDayOfMonth() == 1 ? from : from.withDayOfMonth(1).plusMonths(1);
    LocalDate afterWhole = to.plusDays(1).withDayOfMonth(1);  // the first day after the last whole month
    if (!firstWhole.isBefore(afterWhole)) {
      return List.of(new Part(daily, "day", from, to));
    }
    var parts = new ArrayList<Part>();
    if (from.isBefore(firstWhole)) {
      parts.add(new Part(daily, "day", from, firstWhole.minusDays(1)));
    }
    parts.add(new Part(monthly, "month", firstWhole, afterWhole.minusMonths(1)));
    if (!afterWhole.isAfter(to)) {
      parts.add(new Part(daily, "day", afterWhole, to));
    }
    return parts;
  }

  /**
   * The sums of {@code measures} (column names) per period, the report's dimension, and with {@code byCurrency}
   * the currency; in order of {@code measures}.
   */
  static Future<Map<BookingReports.Key, long[]>> sums(Db db, ReportQuery q, Rollup rollup, LocalDate from,
                                                      LocalDate to, boolean byCurrency, List<String> measures) {
    var sums = new HashMap<BookingReports.Key, long[]>();
    Future<Void> chain = Future.succeededFuture();
    for (Part part : rollup.parts(q, from, to)) {
      chain = chain.compose(x -> db.fetch(select(q, part, byCurrency, measures)).map(rows -> {
        for (Record row : rows) {
          long[] values = new long[measures.size()];
          for (int i = 0; i < values.length; i++) {
            values[i] = BookingReports.number(row.get(3 + i));
          }
          String currency = byCurrency ? ((String) row.get(2)).trim() : null;
          sums.merge(new BookingReports.Key((LocalDate) row.get(0), (UUID) row.get(1), currency), values,
              Rollup::add);
        }
        return null;
      }));
    }
    return chain.map(sums);
  }

  private static org.jooq.Select<?> select(ReportQuery q, Part part, boolean byCurrency, List<String> measures) {
    Table<?> t = part.table();
    Field<LocalDate> date = t.field(part.date(), LocalDate.class);
    Field<LocalDate> period = q.period(date);
    Field<UUID> key = BookingReports.key(q.by(), t.field("service_id", UUID.class), t.field("provider_id", UUID.class),
        t.field("venue_id", UUID.class));
    Field<String> currency = byCurrency ? t.field("currency", String.class) : NO_CURRENCY;
    var fields = new ArrayList<Field<?>>(List.of(period, key, currency));
    for (String measure : measures) {
      fields.add(DSL.sum(t.field(measure, BigDecimal.class)));
    }
    return Sql.DSL.select(fields).from(t).where(t.field("organization_id", UUID.class).eq(q.organizationId()))
        .and(date.between(part.from(), part.to())).groupBy(BookingReports.grouping(period, key, currency));
  }

  static long[] add(long[] a, long[] b) {
    long[] sum = a.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += b[i];
    }
    return sum;
  }
}
