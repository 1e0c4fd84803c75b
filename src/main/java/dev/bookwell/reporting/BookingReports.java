package dev.bookwell.reporting;

import static dev.bookwell.db.Tables.COURSE;
import static dev.bookwell.db.Tables.COURSE_ORDER;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.REPORT_BOOKING_DAY;
import static dev.bookwell.db.Tables.REPORT_SLOT_DAY;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.db.Tables.VENUE;

import dev.bookwell.db.enums.SlotStatus;
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

  /** GET /v1/organizations/{organizationId}/reports/bookings */
  Future<ApiReply> bookings(ApiRequest request) {
    return ReportQuery.of(db, bus, request).compose(q -> {
      if (q.by().equals("course")) {
        return Future.failedFuture(Problem.invalid("query", "by", "bookings are by service, provider or venue; "
            + "courses have the learning report").toException());
      }
      var r = REPORT_BOOKING_DAY;
      Field<LocalDate> period = q.period(r.DAY);
      Field<UUID> key = key(q.by(), r.SERVICE_ID, r.PROVIDER_ID, r.VENUE_ID);
      var sums = new ArrayList<Field<?>>(List.of(period, key, DSL.sum(r.BOOKINGS)));
      for (var field : List.of(r.HELD, r.PENDING, r.CONFIRMED, r.DECLINED, r.EXPIRED, r.CANCELLED, r.COMPLETED,
          r.NO_SHOW, r.SEATS_BOOKED)) {
        sums.add(DSL.sum(field));
      }
      sums.add(DSL.sum(r.LEAD_MINUTES));
      sums.add(DSL.sum(r.LEAD_COUNT));
      var rows = db.fetch(Sql.DSL.select(sums).from(r).where(r.ORGANIZATION_ID.eq(q.organizationId()))
          .and(r.DAY.between(q.from(), q.to())).groupBy(period, key));
      return rows.compose(booked -> seatsOffered(q).map(offered -> bookingRows(booked, offered)))
          .compose(list -> named(db, q.by(), list)).map(list -> q.reply("bookings", BOOKING_COLUMNS, list));
    });
  }

  private static List<JsonObject> bookingRows(List<? extends Record> booked, Map<Key, Long> offered) {
    var out = new LinkedHashMap<Key, JsonObject>();
    for (Record row : booked) {
      var json = new JsonObject();
      long bookings = number(row.get(2));
      json.put("bookings", bookings);
      for (int i = 0; i < STATUSES.size(); i++) {
        json.put(STATUSES.get(i), number(row.get(3 + i)));
      }
      json.put("seatsBooked", number(row.get(11)));
      long leadMinutes = number(row.get(12));
      long leadCount = number(row.get(13));
      json.put("averageLeadHours", leadCount == 0 ? null : Math.round(leadMinutes * 10.0 / leadCount / 60) / 10.0);
      out.put(new Key((LocalDate) row.get(0), (UUID) row.get(1)), json);
    }
    offered.forEach((k, seats) -> out.computeIfAbsent(k, x -> empty()).put("seatsOffered", seats));
    out.forEach((k, json) -> {
      json.put("period", k.period().toString()).put("key", k.id() == null ? null : k.id().toString());
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

  /** Seats offered: the rollup for past days, the slots themselves from today on (they still change). */
  private Future<Map<Key, Long>> seatsOffered(ReportQuery q) {
    LocalDate today = LocalDate.now(q.zone());
    var s = REPORT_SLOT_DAY;
    Field<LocalDate> period = q.period(s.DAY);
    Field<UUID> key = key(q.by(), s.SERVICE_ID, s.PROVIDER_ID, s.VENUE_ID);
    var past = db.fetch(Sql.DSL.select(period, key, DSL.sum(s.SEATS_OFFERED)).from(s)
        .where(s.ORGANIZATION_ID.eq(q.organizationId())).and(s.DAY.between(q.from(), q.to()))
        .and(s.DAY.lt(today)).groupBy(period, key));
    LocalDate liveFrom = q.from().isAfter(today) ? q.from() : today;
    Field<LocalDate> day = q.localDay(SLOT.STARTS_AT);
    Field<UUID> slotKey = key(q.by(), SLOT.SERVICE_ID, SLOT.PROVIDER_ID, SLOT.VENUE_ID);
    var live = liveFrom.isAfter(q.to()) ? Future.succeededFuture(List.<org.jooq.Record3<LocalDate, UUID,
        BigDecimal>>of())
        : db.fetch(Sql.DSL.select(day, slotKey, DSL.sum(SLOT.CAPACITY)).from(SLOT)
            .where(SLOT.ORGANIZATION_ID.eq(q.organizationId())).and(SLOT.STATUS.eq(SlotStatus.open))
            .and(SLOT.STARTS_AT.ge(liveFrom.atStartOfDay(q.zone()).toOffsetDateTime()))
            .and(SLOT.STARTS_AT.lt(q.to().plusDays(1).atStartOfDay(q.zone()).toOffsetDateTime()))
            .groupBy(day, slotKey));
    return past.compose(p -> live.map(l -> {
      var seats = new HashMap<Key, Long>();
      p.forEach(r -> seats.merge(new Key(r.value1(), r.value2()), r.value3().longValue(), Long::sum));
      l.forEach(r -> seats.merge(new Key(q.period(r.value1()), r.value2()), r.value3().longValue(), Long::sum));
      return seats;
    }));
  }

  /** GET /v1/organizations/{organizationId}/reports/revenue */
  Future<ApiReply> revenue(ApiRequest request) {
    return ReportQuery.of(db, bus, request).compose(q -> {
      var r = REPORT_BOOKING_DAY;
      Field<LocalDate> period = q.period(r.DAY);
      Field<UUID> key = key(q.by(), r.SERVICE_ID, r.PROVIDER_ID, r.VENUE_ID);
      var fromBookings = q.by().equals("course") ? Future.succeededFuture(List.<Record>of())
          : db.fetch(Sql.DSL.select(period, key, r.CURRENCY, DSL.sum(r.CAPTURED_MINOR), DSL.sum(r.REFUNDED_MINOR))
              .from(r).where(r.ORGANIZATION_ID.eq(q.organizationId())).and(r.DAY.between(q.from(), q.to()))
              .groupBy(period, key, r.CURRENCY)).map(rows -> List.<Record>copyOf(rows));
      boolean courses = q.by().equals("course") || q.by().equals("none");
      return fromBookings.compose(booked -> (courses ? courseSales(q) : Future.succeededFuture(List.<Record>of()))
              .map(sold -> revenueRows(booked, sold, q)))
          .compose(list -> named(db, q.by(), list)).map(list -> q.reply("revenue", REVENUE_COLUMNS, list));
    });
  }

  /** Course sales by the day the money moved: captures less refunds of the organization's course orders. */
  private Future<List<Record>> courseSales(ReportQuery q) {
    var l = PAYMENT_LEDGER;
    Field<LocalDate> day = q.localDay(l.CREATED_AT);
    Field<UUID> key = q.by().equals("course") ? COURSE_ORDER.COURSE_ID : DSL.inline((UUID) null);
    return db.fetch(Sql.DSL.select(day, key, l.CURRENCY,
            DSL.sum(DSL.when(l.KIND.eq("capture"), l.AMOUNT_MINOR).otherwise(0L)),
            DSL.sum(DSL.when(l.KIND.eq("refund"), l.AMOUNT_MINOR).otherwise(0L)))
        .from(l).join(COURSE_ORDER).on(COURSE_ORDER.ID.eq(l.BOOKING_ID))
        .where(COURSE_ORDER.ORGANIZATION_ID.eq(q.organizationId()))
        .and(l.CREATED_AT.ge(q.from().atStartOfDay(q.zone()).toOffsetDateTime()))
        .and(l.CREATED_AT.lt(q.to().plusDays(1).atStartOfDay(q.zone()).toOffsetDateTime()))
        .groupBy(day, key, l.CURRENCY)).map(rows -> List.<Record>copyOf(rows));
  }

  private static List<JsonObject> revenueRows(List<Record> booked, List<Record> sold, ReportQuery q) {
    var out = new LinkedHashMap<Key, JsonObject>();
    for (var rows : List.of(booked, sold)) {
      for (Record row : rows) {
        LocalDate period = rows == sold ? q.period((LocalDate) row.get(0)) : (LocalDate) row.get(0);
        String currency = ((String) row.get(2)).trim();
        var json = out.computeIfAbsent(new Key(period, (UUID) row.get(1), currency), k -> new JsonObject()
            .put("period", k.period().toString()).put("key", k.id() == null ? null : k.id().toString())
            .put("currency", currency).put("capturedMinor", 0L).put("refundedMinor", 0L));
        json.put("capturedMinor", json.getLong("capturedMinor") + number(row.get(3)))
            .put("refundedMinor", json.getLong("refundedMinor") + number(row.get(4)));
      }
    }
    out.values().forEach(json -> json.put("netMinor", json.getLong("capturedMinor") - json.getLong("refundedMinor")));
    return sorted(out);
  }

  /** The dimension's column of a rollup; a constant null for none. */
  static Field<UUID> key(String by, Field<UUID> service, Field<UUID> provider, Field<UUID> venue) {
    return switch (by) {
      case "service" -> service;
      case "provider" -> provider;
      case "venue" -> venue;
      default -> DSL.inline((UUID) null);
    };
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
