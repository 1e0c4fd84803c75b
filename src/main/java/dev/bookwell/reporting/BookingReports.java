package dev.bookwell.reporting;

import static dev.bookwell.db.Tables.COURSE;
import static dev.bookwell.db.Tables.COURSE_ORDER;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.db.Tables.VENUE;

import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.payments.PaymentsClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * The booking and revenue reports, read from the daily rollups ({@link Rollups}): bookings by status, seats booked
 * and offered (occupancy), cancellation and no-show rates and lead time, per period and per service, provider or
 * venue; and money captured and refunded per currency (never added across currencies). Booking figures and their
 * money count on the day of the appointment; course sales on the day they were paid.
 */
final class BookingReports {

  static final List<String> BOOKING_COLUMNS = List.of("period", "key", "name", "bookings", "held", "pending",
      "confirmed", "declined", "expired", "cancelled", "completed", "noShow", "seatsBooked", "seatsOffered",
      "occupancy", "cancellationRate", "noShowRate", "averageLeadHours");
  static final List<String> REVENUE_COLUMNS = List.of("period", "key", "name", "currency", "capturedMinor",
      "refundedMinor", "netMinor");
  private static final List<String> STATUSES = List.of("held", "pending", "confirmed", "declined", "expired",
      "cancelled", "completed", "noShow");

  private final Db db;
  private final EventBus bus;

  BookingReports(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  private static final List<String> MEASURES = List.of("bookings", "held", "pending", "confirmed", "declined",
      "expired", "cancelled", "completed", "no_show", "seats_booked", "lead_minutes", "lead_count");
  private static final List<String> MONEY = List.of("captured_minor", "refunded_minor");

  /** GET /v1/organizations/{organizationId}/reports/bookings */
  Future<ApiReply> bookings(ApiRequest request) {
    return ReportQuery.of(db, bus, request).compose(q -> {
      if (q.by().equals("course")) {
        return Future.failedFuture(Problem.invalid("query", "by", "bookings are by service, provider or venue; "
            + "courses have the learning report").toException());
      }
      return Rollup.sums(db, q, Rollup.BOOKINGS, q.from(), q.to(), false, MEASURES)
          .compose(booked -> seatsOffered(q).map(offered -> bookingRows(booked, offered)))
          .compose(list -> named(db, q.by(), list)).map(list -> q.reply("bookings", BOOKING_COLUMNS, list));
    });
  }

  private static List<JsonObject> bookingRows(Map<Key, long[]> booked, Map<Key, long[]> offered) {
    var out = new LinkedHashMap<Key, JsonObject>();
    booked.forEach((key, sums) -> {
      var json = new JsonObject().put("bookings", sums[0]);
      for (int i = 0; i < STATUSES.size(); i++) {
        json.put(STATUSES.get(i), sums[1 + i]);
      }
      json.put("seatsBooked", sums[9]).put("averageLeadHours", sums[11] == 0 ? null
          : Math.round(sums[10] * 10.0 / sums[11] / 60) / 10.0);
      out.put(key, json);
    });
    offered.forEach((key, seats) -> out.computeIfAbsent(key, x -> empty()).put("seatsOffered", seats[0]));
    out.forEach((key, json) -> {
      json.put("period", key.period().toString()).put("key", key.id() == null ? null : key.id().toString());
      json.put("seatsOffered", json.getLong("seatsOffered", 0L));
      long settled = json.getLong("bookings") - json.getLong("held") - json.getLong("expired");
      json.put("occupancy", ReportQuery.share(json.getLong("seatsBooked"), json.getLong("seatsOffered")))
          .put("cancellationRate", ReportQuery.share(json.getLong("cancelled"), settled))
          .put("noShowRate", ReportQuery.share(json.getLong("noShow"), json.getLong("noShow")
              + json.getLong("completed")));
    });
    return sorted(out);
  }

  private static JsonObject empty() {
    var json = new JsonObject().put("bookings", 0L).put("seatsBooked", 0L).put("averageLeadHours", null);
    STATUSES.forEach(status -> json.put(status, 0L));
    return json;
  }

  /** Seats offered: the rollups for past days, the slots themselves from today on (they still change). */
  private Future<Map<Key, long[]>> seatsOffered(ReportQuery q) {
    LocalDate today = LocalDate.now(q.zone());
    LocalDate lastPast = q.to().isBefore(today) ? q.to() : today.minusDays(1);
    var past = q.from().isAfter(lastPast) ? Future.succeededFuture(new HashMap<Key, long[]>())
        : Rollup.sums(db, q, Rollup.SLOTS, q.from(), lastPast, false, List.of("seats_offered"));
    LocalDate liveFrom = q.from().isAfter(today) ? q.from() : today;
    Field<LocalDate> day = q.localDay(SLOT.STARTS_AT);
    Field<UUID> key = key(q.by(), SLOT.SERVICE_ID, SLOT.PROVIDER_ID, SLOT.VENUE_ID);
    var live = liveFrom.isAfter(q.to()) ? Future.succeededFuture(List.<org.jooq.Record3<LocalDate, UUID,
        BigDecimal>>of())
        : db.fetch(Sql.DSL.select(day, key, DSL.sum(SLOT.CAPACITY)).from(SLOT)
            .where(SLOT.ORGANIZATION_ID.eq(q.organizationId())).and(SLOT.STATUS.eq(SlotStatus.open))
            .and(SLOT.STARTS_AT.ge(liveFrom.atStartOfDay(q.zone()).toOffsetDateTime()))
            .and(SLOT.STARTS_AT.lt(q.to().plusDays(1).atStartOfDay(q.zone()).toOffsetDateTime()))
            .groupBy(grouping(day, key)));
    return past.compose(seats -> live.map(rows -> {
      rows.forEach(r -> seats.merge(new Key(q.period(r.value1()), r.value2()),
          new long[] {r.value3().longValue()}, Rollup::add));
      return seats;
    }));
  }

  /** GET /v1/organizations/{organizationId}/reports/revenue */
  Future<ApiReply> revenue(ApiRequest request) {
    return ReportQuery.of(db, bus, request).compose(q -> {
      var fromBookings = q.by().equals("course") ? Future.succeededFuture(new HashMap<Key, long[]>())
          : Rollup.sums(db, q, Rollup.BOOKINGS, q.from(), q.to(), true, MONEY);
      boolean courses = q.by().equals("course") || q.by().equals("none");
      return fromBookings.compose(money -> (courses ? courseSales(q, money) : Future.succeededFuture(money))
              .map(BookingReports::revenueRows))
          .compose(list -> named(db, q.by(), list)).map(list -> q.reply("revenue", REVENUE_COLUMNS, list));
    });
  }

  /** Adds course sales by the day the money moved: captures less refunds of the organization's course orders. */
  private Future<Map<Key, long[]>> courseSales(ReportQuery q, Map<Key, long[]> money) {
    var l = PAYMENT_LEDGER;
    Field<LocalDate> period = q.period(q.localDay(l.CREATED_AT));
    Field<UUID> key = q.by().equals("course") ? COURSE_ORDER.COURSE_ID : NO_KEY;
    return db.fetch(Sql.DSL.select(period, key, l.CURRENCY, PaymentsClient.captured(), PaymentsClient.refunded())
            .from(l).join(COURSE_ORDER).on(COURSE_ORDER.ID.eq(l.BOOKING_ID))
            .where(COURSE_ORDER.ORGANIZATION_ID.eq(q.organizationId())).and(COURSE_ORDER.PAID_AT.isNotNull())
            .and(l.CREATED_AT.ge(q.from().atStartOfDay(q.zone()).toOffsetDateTime()))
            .and(l.CREATED_AT.lt(q.to().plusDays(1).atStartOfDay(q.zone()).toOffsetDateTime()))
            .groupBy(grouping(period, key, l.CURRENCY)))
        .map(rows -> {
          rows.forEach(r -> money.merge(new Key(r.value1(), r.value2(), r.value3().trim()), new long[] {
              number(r.value4()), number(r.value5())}, Rollup::add));
          return money;
        });
  }

  private static List<JsonObject> revenueRows(Map<Key, long[]> money) {
    var out = new LinkedHashMap<Key, JsonObject>();
    money.forEach((k, sums) -> out.put(k, new JsonObject().put("period", k.period().toString())
        .put("key", k.id() == null ? null : k.id().toString()).put("currency", k.currency())
        .put("capturedMinor", sums[0]).put("refundedMinor", sums[1]).put("netMinor", sums[0] - sums[1])));
    return sorted(out);
  }

  /** No dimension: a constant null key, never grouped by (PostgreSQL refuses a constant in GROUP BY). */
  static final Field<UUID> NO_KEY = DSL.inline((UUID) null);

  /** The dimension's column of a rollup; {@link #NO_KEY} for none. */
  static Field<UUID> key(String by, Field<UUID> service, Field<UUID> provider, Field<UUID> venue) {
    return switch (by) {
      case "service" -> service;
      case "provider" -> provider;
      case "venue" -> venue;
      default -> NO_KEY;
    };
  }

  /** The GROUP BY of {@code fields}: those that are columns, not the constant stand-ins. */
  static List<Field<?>> grouping(Field<?>... fields) {
    return java.util.Arrays.stream(fields).filter(f -> f != NO_KEY && f != Rollup.NO_CURRENCY).toList();
  }

  /** Adds each row's name (service, provider, venue or course), read once for the keys in the report. */
  static Future<List<JsonObject>> named(Db db, String by, List<JsonObject> rows) {
    Set<UUID> ids = new java.util.HashSet<>();
    rows.stream().map(r -> r.getString("key")).filter(Objects::nonNull).forEach(id -> ids.add(UUID.fromString(id)));
    if (ids.isEmpty()) {
      rows.forEach(r -> r.put("name", null));
      return Future.succeededFuture(rows);
    }
    var names = switch (by) {
      case "service" -> db.fetch(Sql.DSL.select(SERVICE.ID, SERVICE.NAME).from(SERVICE).where(SERVICE.ID.in(ids)));
      case "provider" -> db.fetch(Sql.DSL.select(PROVIDER.ID, PROVIDER.DISPLAY_NAME).from(PROVIDER)
          .where(PROVIDER.ID.in(ids)));
      case "venue" -> db.fetch(Sql.DSL.select(VENUE.ID, VENUE.NAME).from(VENUE).where(VENUE.ID.in(ids)));
      default -> db.fetch(Sql.DSL.select(COURSE.ID, COURSE.TITLE).from(COURSE).where(COURSE.ID.in(ids)));
    };
    return names.map(found -> {
      var byId = new HashMap<String, String>();
      found.forEach(r -> byId.put(r.value1().toString(), r.value2()));
      rows.forEach(r -> r.put("name", byId.get(r.getString("key"))));
      return rows;
    });
  }

  /** A row's place: its period, its dimension's id (null for none), and its currency for money. */
  record Key(LocalDate period, UUID id, String currency) {
    Key(LocalDate period, UUID id) {
      this(period, id, null);
    }
  }

  static List<JsonObject> sorted(Map<Key, JsonObject> rows) {
    return rows.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(Key::period)
            .thenComparing(k -> k.id() == null ? "" : k.id().toString())
            .thenComparing(k -> k.currency() == null ? "" : k.currency())))
        .map(Map.Entry::getValue).toList();
  }

  static long number(Object value) {
    return value == null ? 0L : ((Number) value).longValue();
  }
}
