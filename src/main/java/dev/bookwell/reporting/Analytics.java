package dev.bookwell.reporting;

import static dev.bookwell.db.Tables.ANALYTICS_EVENT;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.api.Rfc3339;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Page and funnel events from clients, and the funnel report. A batch (at most 100 events, each with a few small
 * properties, as the contract bounds them) is one INSERT; anonymous callers are welcome, and every client address
 * gets {@link #BATCHES_PER_MINUTE} batches a minute. A client's clock is believed within a day; beyond, the
 * receiving time counts.
 */
final class Analytics {

  static final int BATCHES_PER_MINUTE = 60;
  static final String SEARCH = "slot_search";
  static final List<String> FUNNEL_COLUMNS = List.of("period", "searches", "holds", "paid", "attended",
      "holdRate", "paidRate", "attendedRate");

  private final Db db;
  private final EventBus bus;

  Analytics(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** POST /v1/analytics/events {events: [{name, organizationId?, sessionId?, path?, at?, properties?}]} */
  Future<ApiReply> collect(ApiRequest request) {
    Caller caller = request.callerOrNull();
    var events = request.bodyObject().getJsonArray("events");
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    var insert = Sql.DSL.insertInto(ANALYTICS_EVENT, ANALYTICS_EVENT.NAME, ANALYTICS_EVENT.ORGANIZATION_ID,
        ANALYTICS_EVENT.SESSION_ID, ANALYTICS_EVENT.USER_ID, ANALYTICS_EVENT.PATH, ANALYTICS_EVENT.PROPERTIES,
        ANALYTICS_EVENT.AT);
    for (Object item : events) {
      var event = (JsonObject) item;
      OffsetDateTime at = event.getString("at") == null ? now
          : Rfc3339.parse(event.getString("at"), "body", "events.at");
      if (at.isBefore(now.minusDays(1)) || at.isAfter(now.plusMinutes(5))) {
        at = now;
      }
      insert = insert.values(event.getString("name"), event.getString("organizationId") == null ? null
              : UUID.fromString(event.getString("organizationId")), event.getString("sessionId"),
          caller == null ? null : caller.userId(), event.getString("path"),
          JSONB.valueOf(event.getJsonObject("properties", new JsonObject()).encode()), at);
    }
    var batch = insert;
    return RateLimits.hit(db, "analytics", request.headers().getString("client-address"), BATCHES_PER_MINUTE,
            "analytics batches from this address")
        .compose(x -> db.update(batch))
        .map(stored -> new ApiReply(202, new JsonObject().put("accepted", stored), new JsonObject()));
  }

  /**
   * GET /v1/organizations/{organizationId}/reports/funnel: slot searches (the clients' {@code slot_search} events
   * naming the organization, by when they happened), then, by the day of the appointment, holds (bookings made),
   * paid (bookings that went ahead: confirmed, completed or no-show, or awaiting confirmation) and attended
   * (completed).
   */
  Future<ApiReply> funnel(ApiRequest request) {
    return ReportQuery.of(db, bus, request).compose(q -> {
      Field<LocalDate> searchPeriod = q.period(q.localDay(ANALYTICS_EVENT.AT));
      // a client's searches count once per session: replaying events inflates nothing
      Field<Integer> sessions = DSL.countDistinct(DSL.coalesce(ANALYTICS_EVENT.SESSION_ID,
          ANALYTICS_EVENT.ID.cast(String.class)));
      var rows = new LinkedHashMap<BookingReports.Key, JsonObject>();
      return Rollup.sums(db, q, Rollup.BOOKINGS, q.from(), q.to(), false,
              List.of("bookings", "pending", "confirmed", "completed", "no_show"))
          .compose(booked -> db.fetch(Sql.DSL.select(searchPeriod, sessions).from(ANALYTICS_EVENT)
                  .where(ANALYTICS_EVENT.ORGANIZATION_ID.eq(q.organizationId())).and(ANALYTICS_EVENT.NAME.eq(SEARCH))
                  .and(ANALYTICS_EVENT.AT.ge(q.from().atStartOfDay(q.zone()).toOffsetDateTime()))
                  .and(ANALYTICS_EVENT.AT.lt(q.to().plusDays(1).atStartOfDay(q.zone()).toOffsetDateTime()))
                  .groupBy(searchPeriod))
              .map(searched -> {
                booked.forEach((key, b) -> row(rows, key.period()).put("holds", b[0])
                    .put("paid", b[1] + b[2] + b[3] + b[4]).put("attended", b[3]));
                searched.forEach(s -> row(rows, s.value1()).put("searches", (long) s.value2()));
                rows.values().forEach(json -> json.put("holdRate", ReportQuery.share(json.getLong("holds"),
                        json.getLong("searches"))).put("paidRate", ReportQuery.share(json.getLong("paid"),
                        json.getLong("holds")))
                    .put("attendedRate", ReportQuery.share(json.getLong("attended"), json.getLong("paid"))));
                return BookingReports.sorted(rows);
              }))
          .map(list -> q.reply("funnel", FUNNEL_COLUMNS, list));
    });
  }

  private static JsonObject row(LinkedHashMap<BookingReports.Key, JsonObject> rows, LocalDate period) {
    return rows.computeIfAbsent(new BookingReports.Key(period, null), k -> new JsonObject()
        .put("period", k.period().toString()).put("searches", 0L).put("holds", 0L).put("paid", 0L)
        .put("attended", 0L));
  }
}
