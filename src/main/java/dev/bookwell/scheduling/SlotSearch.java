package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.ORGANIZATION;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Cursor;
import dev.bookwell.platform.api.Money;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.Rfc3339;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record14;
import org.jooq.SelectConditionStep;
import org.jooq.impl.DSL;

/**
 * GET /v1/slots: bookable slots (open, a takeable seat, inside minimum notice and horizon, active provider),
 * ordered by start time, with keyset pagination that stays stable while slots are added.
 */
final class SlotSearch {

  static final Duration MAX_RANGE = Duration.ofDays(62);

  private final Db db;

  SlotSearch(Db db) {
    this.db = db;
  }

  Future<ApiReply> search(ApiRequest request) {
    JsonObject q = request.query();
    OffsetDateTime from = time(q.getString("from"), "from", OffsetDateTime.now(ZoneOffset.UTC));
    OffsetDateTime to = time(q.getString("to"), "to", from.plusDays(14));
    if (!to.isAfter(from) || Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
      throw invalid("to", "must be after from, and at most " + MAX_RANGE.toDays() + " days later");
    }
    int limit = q.getInteger("limit", 50);
    var conditions = new ArrayList<Condition>(List.of(
        SLOT.STARTS_AT.ge(from), SLOT.STARTS_AT.lt(to), Bookable.slotInWindow(), Bookable.hasTakeableSeat(),
        ORGANIZATION.DELETED_AT.isNull()));
    conditions.addAll(Providers.publiclyVisible());
    filter(conditions, q, "serviceId", SLOT.SERVICE_ID);
    filter(conditions, q, "providerId", SLOT.PROVIDER_ID);
    filter(conditions, q, "organizationId", SLOT.ORGANIZATION_ID);
    filter(conditions, q, "venueId", SLOT.VENUE_ID);
    if (q.getString("cursor") != null) {
      Cursor cursor = Cursor.decode(q.getString("cursor"));
      conditions.add(DSL.row(SLOT.STARTS_AT, SLOT.ID).gt(DSL.row(DSL.val(cursor.time()), DSL.val(cursor.uuid()))));
    }
    return db.fetch(query(Bookable.seatsAvailable(), conditions).orderBy(SLOT.STARTS_AT, SLOT.ID).limit(limit + 1))
        .map(rows -> ApiReply.ok(Page.of(rows, limit, SlotSearch::toJson,
            r -> new Cursor(r.value6().toString(), r.value1().toString()))));
  }

  /** GET /v1/slots/{slotId}: one open, publicly bookable-looking slot, in the search's shape; 404 otherwise. */
  Future<ApiReply> get(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("slotId"));
    var conditions = new ArrayList<Condition>(List.of(SLOT.ID.eq(id), SLOT.STATUS.eq(SlotStatus.open),
        ORGANIZATION.DELETED_AT.isNull(), SERVICE.DELETED_AT.isNull()));
    conditions.addAll(Providers.publiclyVisible());
    return db.fetchOptional(query(Bookable.seatsAvailable(), conditions))
        .map(found -> ApiReply.ok(toJson(found.orElseThrow(() -> Problem.notFound("No slot " + id + ".")
            .toException()))));
  }

  /** One result row, read by position: looking fields up by name costs more than the query itself. */
  private static JsonObject toJson(Record14<UUID, UUID, UUID, UUID, UUID, OffsetDateTime, OffsetDateTime, Integer,
      String, Long, String, String, String, Integer> r) {
    ZoneId zone = ZoneId.of(r.value13());
    return new JsonObject()
        .put("id", r.value1().toString())
        .put("serviceId", r.value2().toString())
        .put("serviceName", r.value9())
        .put("providerId", r.value3().toString())
        .put("providerName", r.value12())
        .put("organizationId", r.value4().toString())
        .put("venueId", r.value5() == null ? null : r.value5().toString())
        .put("startsAt", r.value6().toInstant().toString())
        .put("endsAt", r.value7().toInstant().toString())
        .put("timezone", zone.getId())
        .put("startsAtLocal", Rfc3339.format(r.value6().atZoneSameInstant(zone).toOffsetDateTime()))
        .put("endsAtLocal", Rfc3339.format(r.value7().atZoneSameInstant(zone).toOffsetDateTime()))
        .put("capacity", r.value8())
        .put("seatsAvailable", r.value14())
        .put("price", Money.json(r.value10(), r.value11()));
  }

  /** The statement itself, also used by the EXPLAIN test. */
  static SelectConditionStep<Record14<UUID, UUID, UUID, UUID, UUID, OffsetDateTime, OffsetDateTime, Integer, String,
      Long, String, String, String, Integer>> query(Field<Integer> available, List<Condition> conditions) {
    return Sql.DSL.select(SLOT.ID, SLOT.SERVICE_ID, SLOT.PROVIDER_ID, SLOT.ORGANIZATION_ID, SLOT.VENUE_ID,
            SLOT.STARTS_AT, SLOT.ENDS_AT, SLOT.CAPACITY, SERVICE.NAME, SERVICE.PRICE_MINOR, SERVICE.CURRENCY,
            PROVIDER.DISPLAY_NAME, PROVIDER.TIMEZONE, available)
        .from(SLOT)
        .join(SERVICE).on(SERVICE.ID.eq(SLOT.SERVICE_ID))
        .join(PROVIDER).on(PROVIDER.ID.eq(SLOT.PROVIDER_ID))
        .join(ORGANIZATION).on(ORGANIZATION.ID.eq(SLOT.ORGANIZATION_ID))
        .where(conditions);
  }

  private static void filter(List<Condition> conditions, JsonObject query, String name, Field<UUID> column) {
    String value = query.getString(name);
    if (value != null) {
      conditions.add(column.eq(UUID.fromString(value)));
    }
  }

  private static OffsetDateTime time(String value, String field, OffsetDateTime fallback) {
    try {
      return value == null ? fallback : OffsetDateTime.parse(value);
    } catch (DateTimeParseException e) {
      throw invalid(field, "is not a date-time with an offset, e.g. 2026-12-01T00:00:00Z");
    }
  }

  private static RuntimeException invalid(String field, String message) {
    return Problem.invalid("query", field, message).toException();
  }
}
