package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.CALENDAR_IMPORT;
import static dev.bookwell.db.Tables.PROVIDER;

import dev.bookwell.db.enums.ProviderStatus;
import dev.bookwell.platform.config.Config;

import dev.bookwell.db.tables.records.CalendarImportRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.net.OutboundAddresses;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;

/**
 * A provider's own calendars (an ICS URL from Google, Outlook, iCloud...), whose busy times remove the provider's
 * free slots: registered, listed, refreshed and removed by the provider (or a platform admin); anyone else 403.
 * The URL often carries a secret of the calendar's owner, so it is shown to them only.
 */
final class CalendarImports {

  static final int MAX_PER_PROVIDER = 5;
  /** A refresh on demand at most this often; the rounds poll every {@code BOOKWELL_CALENDAR_IMPORT_INTERVAL}. */
  static final Duration MIN_REFRESH = Duration.ofMinutes(1);
  private static final String REFUSAL = "Only the provider manages their calendars.";

  private final Db db;
  private final WorkerExecutor resolver;
  private final CalendarPolls polls;
  private final Regeneration regeneration;
  private final boolean allowPrivate;
  private final Duration interval;

  CalendarImports(Db db, WorkerExecutor resolver, CalendarPolls polls, Regeneration regeneration,
                  Config.CalendarImport config) {
    this.interval = config.interval();
    this.allowPrivate = config.allowPrivate();
    this.db = db;
    this.resolver = resolver;
    this.polls = polls;
    this.regeneration = regeneration;
  }

  /** POST /v1/providers/{providerId}/calendar-imports {url}: registered, then polled at once. */
  Future<ApiReply> create(ApiRequest request) {
    UUID providerId = providerId(request);
    String url = request.bodyObject().getString("url");
    var uri = OutboundAddresses.parse(url, allowPrivate);
    return Providers.requireThemselves(db, request.requireCaller(), providerId, REFUSAL)
        .compose(x -> requireActive(providerId))
        .compose(x -> OutboundAddresses.resolve(resolver, uri, allowPrivate))
        .compose(address -> db.transaction(tx -> Locks.lock(tx, "calendar-imports:" + providerId)
            .compose(y -> tx.fetchOne(Sql.DSL.selectCount().from(CALENDAR_IMPORT)
                .where(CALENDAR_IMPORT.PROVIDER_ID.eq(providerId))))
            .compose(count -> {
              if (count.value1() >= MAX_PER_PROVIDER) {
                throw Problem.of("too-many-calendars", 422, "Too many calendars", "A provider imports at most "
                    + MAX_PER_PROVIDER + " calendars.").toException();
              }
              return tx.fetchOne(Sql.DSL.insertInto(CALENDAR_IMPORT).set(CALENDAR_IMPORT.PROVIDER_ID, providerId)
                  .set(CALENDAR_IMPORT.URL, uri.toString())
                  .set(CALENDAR_IMPORT.NEXT_POLL_AT, SqlTime.nowPlus(interval))  // polled now, below
                  .set(CALENDAR_IMPORT.CREATED_BY, request.requireCaller().userId()).returning());
            })))
        .compose(polls::poll)
        .map(calendar -> ApiReply.created(CalendarPolls.json(calendar),
            "/v1/providers/" + providerId + "/calendar-imports/" + calendar.getId()));
  }

  /** GET /v1/providers/{providerId}/calendar-imports */
  Future<ApiReply> list(ApiRequest request) {
    UUID providerId = providerId(request);
    return Providers.requireThemselves(db, request.requireCaller(), providerId, REFUSAL)
        .compose(x -> db.fetch(Sql.DSL.selectFrom(CALENDAR_IMPORT).where(CALENDAR_IMPORT.PROVIDER_ID.eq(providerId))
            .orderBy(CALENDAR_IMPORT.CREATED_AT)))
        .map(rows -> {
          var items = new JsonArray();
          rows.forEach(row -> items.add(CalendarPolls.json(row)));
          return ApiReply.ok(new JsonObject().put("items", items));
        });
  }

  /** POST .../{importId}/refresh: polled now (at most once a minute), answered with how it went. */
  Future<ApiReply> refresh(ApiRequest request) {
    UUID providerId = providerId(request);
    UUID importId = UUID.fromString(request.path().getString("importId"));
    return Providers.requireThemselves(db, request.requireCaller(), providerId, REFUSAL)
        .compose(x -> db.fetchOptional(Sql.DSL.update(CALENDAR_IMPORT).set(CALENDAR_IMPORT.POLLED_AT, SqlTime.now())
            .where(CALENDAR_IMPORT.ID.eq(importId)).and(CALENDAR_IMPORT.PROVIDER_ID.eq(providerId))
            .and(CALENDAR_IMPORT.POLLED_AT.isNull().or(CALENDAR_IMPORT.POLLED_AT.lt(SqlTime.nowPlus(
                MIN_REFRESH.negated()))))
            .returning()))
        .compose(claimed -> claimed.isPresent() ? polls.poll(claimed.get()) : exists(providerId, importId)
            .compose(y -> Future.<CalendarImportRecord>failedFuture(Problem.tooManyRequests("This calendar was "
                + "polled less than a minute ago.", (int) MIN_REFRESH.toSeconds()).toException())))
        .map(calendar -> ApiReply.ok(CalendarPolls.json(calendar)));
  }

  /** DELETE .../{importId}: its busy times go, and the slots they took away come back. */
  Future<ApiReply> delete(ApiRequest request) {
    UUID providerId = providerId(request);
    UUID importId = UUID.fromString(request.path().getString("importId"));
    return Providers.requireThemselves(db, request.requireCaller(), providerId, REFUSAL)
        .compose(x -> db.transaction(tx -> tx.update(Sql.DSL.deleteFrom(CALENDAR_IMPORT)
                .where(CALENDAR_IMPORT.ID.eq(importId)).and(CALENDAR_IMPORT.PROVIDER_ID.eq(providerId)))
            .compose(deleted -> {
              if (deleted == 0) {
                throw notFound(importId);
              }
              return regeneration.applyBusy(tx, providerId);
            })))
        .map(x -> ApiReply.noContent());
  }

  /** Only a provider taking bookings has slots to fit around a calendar. */
  private Future<Void> requireActive(UUID providerId) {
    return db.fetchOne(Sql.DSL.select(PROVIDER.STATUS).from(PROVIDER).where(PROVIDER.ID.eq(providerId)))
        .map(status -> {
          if (status.value1() != ProviderStatus.active) {
            throw Problem.of("provider-not-active", 409, "Provider not active", "Calendars are imported for "
                + "active providers only.").toException();
          }
          return null;
        });
  }

  private Future<Void> exists(UUID providerId, UUID importId) {
    return db.fetchOptional(Sql.DSL.selectOne().from(CALENDAR_IMPORT).where(CALENDAR_IMPORT.ID.eq(importId))
            .and(CALENDAR_IMPORT.PROVIDER_ID.eq(providerId)))
        .map(found -> {
          if (found.isEmpty()) {
            throw notFound(importId);
          }
          return null;
        });
  }

  private static RuntimeException notFound(UUID importId) {
    return Problem.notFound("No calendar " + importId + ".").toException();
  }

  private static UUID providerId(ApiRequest request) {
    return UUID.fromString(request.path().getString("providerId"));
  }
}
