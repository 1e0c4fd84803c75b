package dev.bookwell.reporting;

import static dev.bookwell.db.Tables.ORGANIZATION;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Csv;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * What a report is asked for: an organization (the caller holding view_reports there), a range of local dates in
 * the organization's time zone ({@code from} and {@code to}, both included, at most {@link #MAX_DAYS}), periods
 * ({@code groupBy}: day, week from Monday, month) and a dimension ({@code by}); and how it is answered, JSON or CSV.
 */
record ReportQuery(UUID organizationId, ZoneId zone, LocalDate from, LocalDate to, String unit, String by,
                   boolean csv) {

  static final int MAX_DAYS = 1_100;  // three years: bounded work per request
  static final int MAX_DAILY_DAYS = 93;

  static Future<ReportQuery> of(Sql db, EventBus bus, ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject q = request.query();
    LocalDate from;
    LocalDate to;
    try {
      from = LocalDate.parse(q.getString("from"));
      to = LocalDate.parse(q.getString("to"));
    } catch (DateTimeParseException e) {
      return Future.failedFuture(Problem.invalid("query", "from", "from and to are dates: 2026-01-31").toException());
    }
    if (to.isBefore(from) || ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
      return Future.failedFuture(Problem.invalid("query", "to", "must be on or after from, and at most " + MAX_DAYS
          + " days later").toException());
    }
    // bounded answers: a day per row for a quarter at most (a row per day and key adds up fast)
    if ("day".equals(q.getString("groupBy")) && ChronoUnit.DAYS.between(from, to) >= MAX_DAILY_DAYS) {
      return Future.failedFuture(Problem.invalid("query", "groupBy", "by day for at most " + MAX_DAILY_DAYS
          + " days; use week or month for longer ranges").toException());
    }
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.view_reports)
        .compose(x -> db.fetchOptional(Sql.DSL.select(ORGANIZATION.TIMEZONE).from(ORGANIZATION)
            .where(ORGANIZATION.ID.eq(organizationId))))
        .map(found -> new ReportQuery(organizationId, ZoneId.of(found.orElseThrow(() -> Problem.notFound(
                "No organization " + organizationId + ".").toException()).value1()), from, to,
            q.getString("groupBy", "month"), q.getString("by", "none"), "csv".equals(q.getString("format"))));
  }

  /**
   * The period a local date falls in: its day, its week's Monday, its month's first. Date arithmetic, not
   * date_trunc (which would go through a timestamp in the session's time zone, and cost more).
   */
  Field<LocalDate> period(Field<LocalDate> day) {
    return switch (unit) {
      case "day" -> day;
      case "week" -> DSL.field("({0} - (extract(isodow from {0})::int - 1))", LocalDate.class, day);
      default -> DSL.field("({0} - (extract(day from {0})::int - 1))", LocalDate.class, day);
    };
  }

  /**
   * A timestamp's local date in the organization's zone (inlined: a bound parameter would make each use a
   * different expression, and GROUP BY would not recognize the SELECT's).
   */
  Field<LocalDate> localDay(Field<java.time.OffsetDateTime> at) {
    return Rollups.localDay(at, DSL.inline(zone.getId()));
  }

  /** The same in Java, for figures read live. */
  LocalDate period(LocalDate day) {
    return switch (unit) {
      case "day" -> day;
      case "week" -> day.minusDays(day.getDayOfWeek().getValue() - 1L);
      default -> day.withDayOfMonth(1);
    };
  }

  /** The reply: {@code {organizationId, timezone, from, to, groupBy, by, rows}}, or the rows as CSV. */
  ApiReply reply(String name, List<String> columns, List<JsonObject> rows) {
    if (csv) {
      return Csv.reply(Csv.write(columns, rows.stream().map(row -> columns.stream().map(row::getValue).toList())
          .toList()), name + "-" + from + "-" + to + ".csv");
    }
    return ApiReply.ok(new JsonObject().put("organizationId", organizationId.toString()).put("timezone", zone.getId())
        .put("from", from.toString()).put("to", to.toString()).put("groupBy", unit).put("by", by)
        .put("rows", new JsonArray(rows)));
  }

  /** A share with four decimals, null when there is nothing to divide by. */
  static Double share(long part, long whole) {
    return whole == 0 ? null : Math.round(part * 10_000.0 / whole) / 10_000.0;
  }
}
