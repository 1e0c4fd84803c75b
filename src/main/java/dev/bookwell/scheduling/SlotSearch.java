package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.ORGANIZATION;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Cursor;
import dev.bookwell.platform.api.Money;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.Rfc3339;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Lane;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.CommonTableExpression;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record14;
import org.jooq.ResultQuery;
import org.jooq.SelectConditionStep;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * GET /v1/slots: bookable slots (open, a takeable seat, inside minimum notice and horizon, active provider),
 * ordered by start time, with keyset pagination that stays stable while slots are added.
 */
final class SlotSearch {

  static final Duration MAX_RANGE = Duration.ofDays(62);

  private final Db db;
  private final Lane lane;

  /** Searches run in {@code lane}, a few at a time ({@code BOOKWELL_SEARCH_CONCURRENCY}). */
  SlotSearch(Db db, Lane lane) {
    this.db = db;
    this.lane = lane;
  }

  Future<ApiReply> search(ApiRequest request) {
    JsonObject q = request.query();
    OffsetDateTime from = time(q.getString("from"), "from", OffsetDateTime.now(ZoneOffset.UTC));
    OffsetDateTime to = time(q.getString("to"), "to", from.plusDays(14));
    if (!to.isAfter(from) || Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
      throw invalid("to", "must be after from, and at most " + MAX_RANGE.toDays() + " days later");
    }
    int limit = q.getInteger("limit", 50);
    var values = new HashMap<String, Object>(Map.of("from", from, "to", to, "rows", limit + 1));
    FILTERS.forEach((name, column) -> {
      if (q.getString(name) != null) {
        values.put(name, UUID.fromString(q.getString(name)));
      }
    });
    if (q.getString("cursor") != null) {
      Cursor cursor = Cursor.decode(q.getString("cursor"));
      values.put("cursor_time", cursor.time());
      values.put("cursor_id", cursor.uuid());
    }
    var statement = STATEMENTS.computeIfAbsent(Set.copyOf(values.keySet()), SlotSearch::statement);
    return lane.run(() -> db.rows(statement, values))
        .map(rows -> ApiReply.ok(Page.bytes(rows, limit, SlotSearch::write,
            r -> new Cursor(r.getOffsetDateTime(Column.STARTS_AT).toString(), r.getUUID(Column.ID).toString()))));
  }

  /** The filters a search may name, by query parameter (also the statements' parameter names). */
  private static final Map<String, Field<UUID>> FILTERS = Map.of("serviceId", SLOT.SERVICE_ID,
      "providerId", SLOT.PROVIDER_ID, "organizationId", SLOT.ORGANIZATION_ID, "venueId", SLOT.VENUE_ID);

  /**
   * The search statement for each set of parameters given (at most 32), built and rendered once (see
   * {@link Prepared}): building and rendering it was a quarter of the service's CPU per search (JFR).
   */
  private static final Map<Set<String>, Prepared<Record14<UUID, UUID, UUID, UUID, UUID, OffsetDateTime,
      OffsetDateTime, Integer, String, Long, String, String, String, Integer>>> STATEMENTS = new ConcurrentHashMap<>();

  private static Prepared<Record14<UUID, UUID, UUID, UUID, UUID, OffsetDateTime, OffsetDateTime, Integer, String,
      Long, String, String, String, Integer>> statement(Set<String> given) {
    var filters = new ArrayList<Condition>(List.of(SLOT.STARTS_AT.ge(DSL.param("from", OffsetDateTime.class)),
        SLOT.STARTS_AT.lt(DSL.param("to", OffsetDateTime.class))));
    FILTERS.forEach((name, column) -> {
      if (given.contains(name)) {
        filters.add(column.eq(DSL.param(name, UUID.class)));
      }
    });
    if (given.contains("cursor_time")) {
      filters.add(DSL.row(SLOT.STARTS_AT, SLOT.ID).gt(DSL.row(DSL.param("cursor_time", OffsetDateTime.class),
          DSL.param("cursor_id", UUID.class))));
    }
    return Prepared.of(search(filters, given.contains("providerId") ? DSL.param("providerId", UUID.class) : null,
        DSL.param("rows", Integer.class)));
  }

  /**
   * The search statement: the bookable slots among those {@code filters} select (of {@code provider}'s, when not
   * null), in start order, at most {@code rows}. Also run by the EXPLAIN test.
   */
  static ResultQuery<Record14<UUID, UUID, UUID, UUID, UUID, OffsetDateTime, OffsetDateTime, Integer,
      String, Long, String, String, String, Integer>> search(List<Condition> filters, Field<UUID> provider,
                                                             Field<Integer> rows) {
    var conditions = new ArrayList<Condition>(filters);
    conditions.addAll(List.of(Bookable.slotInWindow(), Bookable.hasTakeableSeat(),
        ORGANIZATION.DELETED_AT.isNull()));
    conditions.addAll(Providers.publiclyVisible());
    var seats = Bookable.seatsAvailableOfTakeable();
    if (provider == null) {
      return query(List.of(), PROVIDER, conditions, seats).orderBy(SLOT.STARTS_AT, SLOT.ID).limit(rows);
    }
    var chosen = oneProvider(provider);
    return query(List.of(chosen, providerLinks(provider), linkedOrganizations()), chosen.as(PROVIDER.getName()),
        conditions, seats).orderBy(SLOT.STARTS_AT, SLOT.ID).limit(rows);
  }

  /**
   * One provider's row, for a search of their slots: a materialized CTE, joined under the table's name, so the
   * statement's {@code provider} is this one row read once. PostgreSQL runs a statement prepared for the sixth
   * time with a generic plan, one for any provider and dates, and that plan joined the provider table anew for each
   * slot found (a scan of the small table each time): 7 of the database's 9 ms per provider-week search of 168
   * slots (pgbench, 8 clients: 274 searches/s before, 827 after).
   */
  private static CommonTableExpression<?> oneProvider(Field<UUID> provider) {
    return DSL.name("chosen_provider").asMaterialized(Sql.DSL.selectFrom(PROVIDER).where(PROVIDER.ID.eq(provider)));
  }

  /**
   * The provider's links to organizations, read once, under the table's name: {@link Bookable#providerWorksThere}
   * names the table, so it asks these few rows instead. The generic plan probed the link's index for each slot
   * found: 504 of the 2,030 buffers of a provider-week search (auto_explain). A CTE of a statement without
   * RECURSIVE does not see its own name, so the table inside it is the table.
   */
  private static CommonTableExpression<?> providerLinks(Field<UUID> provider) {
    return DSL.name(PROVIDER_ORGANIZATION.getName()).asMaterialized(Sql.DSL.selectFrom(PROVIDER_ORGANIZATION)
        .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(provider)));
  }

  /**
   * The organizations of those links, read once, under the table's name too (the plan scanned the organization
   * table for each slot found: 168 buffers more). Comes after {@link #providerLinks}, whose rows it reads.
   */
  private static CommonTableExpression<?> linkedOrganizations() {
    return DSL.name(ORGANIZATION.getName()).asMaterialized(Sql.DSL.selectFrom(ORGANIZATION)
        .where(ORGANIZATION.ID.in(Sql.DSL.select(PROVIDER_ORGANIZATION.ORGANIZATION_ID).from(PROVIDER_ORGANIZATION))));
  }

  /** GET /v1/slots/{slotId}: one open, publicly bookable-looking slot, in the search's shape; 404 otherwise. */
  Future<ApiReply> get(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("slotId"));
    var conditions = new ArrayList<Condition>(List.of(SLOT.ID.eq(id), SLOT.STATUS.eq(SlotStatus.open),
        ORGANIZATION.DELETED_AT.isNull(), SERVICE.DELETED_AT.isNull()));
    conditions.addAll(Providers.publiclyVisible());
    return db.execute(query(List.of(), PROVIDER, conditions, Bookable.seatsAvailable())).map(rows -> {
      if (rows.size() == 0) {
        throw Problem.notFound("No slot " + id + ".").toException();
      }
      return ApiReply.ok(Page.one(rows.iterator().next(), SlotSearch::write));
    });
  }

  /**
   * One result row as the contract's SlotOffer, read from the driver's row by the position of its column in
   * {@link #query}'s select list, as the driver decoded it ({@link dev.bookwell.platform.db.Sql#rows}), and
   * written straight to the answer's bytes ({@link Page#bytes}).
   */
  private static void write(Row r, JsonGenerator json) throws IOException {
    ZoneId zone = ZoneId.of(r.getString(Column.TIMEZONE));
    OffsetDateTime starts = r.getOffsetDateTime(Column.STARTS_AT);
    OffsetDateTime ends = r.getOffsetDateTime(Column.ENDS_AT);
    UUID venue = r.getUUID(Column.VENUE_ID);
    json.writeStartObject();
    json.writeStringField("id", r.getUUID(Column.ID).toString());
    json.writeStringField("serviceId", r.getUUID(Column.SERVICE_ID).toString());
    json.writeStringField("serviceName", r.getString(Column.SERVICE_NAME));
    json.writeStringField("providerId", r.getUUID(Column.PROVIDER_ID).toString());
    json.writeStringField("providerName", r.getString(Column.PROVIDER_NAME));
    json.writeStringField("organizationId", r.getUUID(Column.ORGANIZATION_ID).toString());
    json.writeStringField("venueId", venue == null ? null : venue.toString());
    json.writeStringField("startsAt", Rfc3339.utc(starts));
    json.writeStringField("endsAt", Rfc3339.utc(ends));
    json.writeStringField("timezone", zone.getId());
    json.writeStringField("startsAtLocal", Rfc3339.format(starts.atZoneSameInstant(zone).toOffsetDateTime()));
    json.writeStringField("endsAtLocal", Rfc3339.format(ends.atZoneSameInstant(zone).toOffsetDateTime()));
    json.writeNumberField("capacity", r.getInteger(Column.CAPACITY));
    json.writeNumberField("seatsAvailable", r.getInteger(Column.SEATS));  // a count (bigint), small
    Money.write(json, "price", r.getLong(Column.PRICE_MINOR), r.getString(Column.CURRENCY));
    json.writeEndObject();
  }

  /** The position of each column in {@link #query}'s select list, as {@link #write} reads a row. */
  private static final class Column {
    static final int ID = 0;
    static final int SERVICE_ID = 1;
    static final int PROVIDER_ID = 2;
    static final int ORGANIZATION_ID = 3;
    static final int VENUE_ID = 4;
    static final int STARTS_AT = 5;
    static final int ENDS_AT = 6;
    static final int CAPACITY = 7;
    static final int SERVICE_NAME = 8;
    static final int PRICE_MINOR = 9;
    static final int CURRENCY = 10;
    static final int PROVIDER_NAME = 11;
    static final int TIMEZONE = 12;
    static final int SEATS = 13;

    private Column() {
    }
  }

  private static SelectConditionStep<Record14<UUID, UUID, UUID, UUID, UUID, OffsetDateTime, OffsetDateTime, Integer,
      String, Long, String, String, String, Integer>> query(List<CommonTableExpression<?>> with, Table<?> providers,
                                                            List<Condition> conditions, Field<Integer> seats) {
    // in the order of Column
    return Sql.DSL.with(with).select(SLOT.ID, SLOT.SERVICE_ID, SLOT.PROVIDER_ID, SLOT.ORGANIZATION_ID, SLOT.VENUE_ID,
            SLOT.STARTS_AT, SLOT.ENDS_AT, SLOT.CAPACITY, SERVICE.NAME, SERVICE.PRICE_MINOR, SERVICE.CURRENCY,
            PROVIDER.DISPLAY_NAME, PROVIDER.TIMEZONE, seats)
        .from(SLOT)
        .join(SERVICE).on(SERVICE.ID.eq(SLOT.SERVICE_ID))
        .join(providers).on(PROVIDER.ID.eq(SLOT.PROVIDER_ID))
        .join(ORGANIZATION).on(ORGANIZATION.ID.eq(SLOT.ORGANIZATION_ID))
        .where(conditions);
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
