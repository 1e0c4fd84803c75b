package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.AVAILABILITY_EXCEPTION;
import static dev.bookwell.db.Tables.AVAILABILITY_RULE;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.db.Tables.VENUE;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.ProviderStatus;
import dev.bookwell.db.enums.SlotOrigin;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.Outbox;
import dev.bookwell.scheduling.SlotGenerator.Generated;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.Table;

/**
 * Weekly hours, date exceptions, one-off sessions and capacity. Every change regenerates the provider's future
 * free slots in the same transaction. A provider manages their own hours; organization members need
 * {@code manage_availability}.
 */
final class Availability {

  /** Sessions are published at most as far ahead as the longest booking horizon a service may have. */
  static final int MAX_AHEAD_DAYS = 730;

  private final Db db;
  private final EventBus bus;
  private final Regeneration regeneration;

  Availability(Db db, EventBus bus, Regeneration regeneration) {
    this.db = db;
    this.bus = bus;
    this.regeneration = regeneration;
  }

  /** PUT /v1/providers/{providerId}/availability {organizationId, rules: [...]}: replaces that organization's rules. */
  Future<ApiReply> putRules(ApiRequest request) {
    UUID providerId = UUID.fromString(request.path().getString("providerId"));
    JsonObject body = request.bodyObject();
    UUID organizationId = UUID.fromString(body.getString("organizationId"));
    var rules = new ArrayList<JsonObject>();
    body.getJsonArray("rules").forEach(r -> rules.add((JsonObject) r));
    for (int i = 0; i < rules.size(); i++) {
      times(rules.get(i), "rules." + i);
    }
    return authorize(request, providerId, organizationId)
        .compose(x -> db.transaction(tx -> regeneration.begin(tx, providerId, organizationId)
            .compose(y -> checkReferences(tx, organizationId, rules))
            .compose(y -> tx.update(Sql.DSL.deleteFrom(AVAILABILITY_RULE)
                .where(AVAILABILITY_RULE.PROVIDER_ID.eq(providerId))
                .and(AVAILABILITY_RULE.ORGANIZATION_ID.eq(organizationId))))
            .compose(y -> insertRules(tx, providerId, organizationId, rules))
            .compose(y -> Audit.record(tx, request, Audit.Entry.of(organizationId, "availability.rules_replaced",
                "provider", providerId).after(new JsonObject().put("rules", body.getJsonArray("rules")))))
            .compose(y -> regenerate(tx, providerId, organizationId))))
        .map(ApiReply::ok);
  }

  /**
   * POST /v1/providers/{providerId}/exceptions {organizationId?, date, windows?}: no windows blocks the day. With an
   * organization it changes that organization's slots only; without one it is the provider's own "I am away" block
   * (the provider alone may write it, and it blocks the day everywhere).
   */
  Future<ApiReply> addException(ApiRequest request) {
    UUID providerId = UUID.fromString(request.path().getString("providerId"));
    JsonObject body = request.bodyObject();
    UUID organizationId = body.getString("organizationId") == null ? null
        : UUID.fromString(body.getString("organizationId"));
    LocalDate day = LocalDate.parse(body.getString("date"));
    var windows = new ArrayList<JsonObject>();
    body.getJsonArray("windows", new JsonArray()).forEach(w -> windows.add((JsonObject) w));
    for (int i = 0; i < windows.size(); i++) {
      times(windows.get(i), "windows." + i);
    }
    if (organizationId == null && !windows.isEmpty()) {
      throw Json.invalid("windows", "need an organizationId: custom hours belong to an organization");
    }
    return authorizeException(request, providerId, organizationId)
        .compose(x -> db.transaction(tx -> (organizationId == null ? Future.<Void>succeededFuture()
                : regeneration.begin(tx, providerId, organizationId))
            .compose(y -> checkReferences(tx, organizationId, windows))
            .compose(y -> tx.update(Sql.DSL.deleteFrom(AVAILABILITY_EXCEPTION)
                .where(AVAILABILITY_EXCEPTION.PROVIDER_ID.eq(providerId))
                .and(organizationId == null ? AVAILABILITY_EXCEPTION.ORGANIZATION_ID.isNull()
                    : AVAILABILITY_EXCEPTION.ORGANIZATION_ID.eq(organizationId))
                .and(AVAILABILITY_EXCEPTION.DAY.eq(day))))
            .compose(y -> insertException(tx, providerId, organizationId, day, windows))
            .compose(y -> Audit.record(tx, request, Audit.Entry.of(organizationId, "availability.exception_set",
                "provider", providerId).after(body)))
            .compose(y -> organizationId == null ? regenerateAll(tx, providerId)
                : regenerate(tx, providerId, organizationId))))
        .map(ApiReply::ok);
  }

  /**
   * DELETE /v1/providers/{providerId}/exceptions/{exceptionId}: one exception row (a blocked day, or one window of
   * custom hours) goes, by whoever may write it; the day's slots follow the weekly rules again.
   */
  Future<ApiReply> deleteException(ApiRequest request) {
    return removeOne(request, "exceptionId", AVAILABILITY_EXCEPTION, AVAILABILITY_EXCEPTION.ID,
        AVAILABILITY_EXCEPTION.PROVIDER_ID, AVAILABILITY_EXCEPTION.ORGANIZATION_ID);
  }

  /** DELETE /v1/providers/{providerId}/availability/{ruleId}: one weekly rule goes; its free slots with it. */
  Future<ApiReply> deleteRule(ApiRequest request) {
    return removeOne(request, "ruleId", AVAILABILITY_RULE, AVAILABILITY_RULE.ID, AVAILABILITY_RULE.PROVIDER_ID,
        AVAILABILITY_RULE.ORGANIZATION_ID);
  }

  /** Removes one rule or exception of the provider by id and regenerates what it shaped (404 if not theirs). */
  private Future<ApiReply> removeOne(ApiRequest request, String param, Table<?> table, Field<UUID> idField,
                                     Field<UUID> providerField, Field<UUID> organizationField) {
    UUID providerId = UUID.fromString(request.path().getString("providerId"));
    UUID id = UUID.fromString(request.path().getString(param));
    return db.fetchOptional(Sql.DSL.select(organizationField).from(table).where(idField.eq(id))
            .and(providerField.eq(providerId)))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No " + param.replace("Id", "") + " " + id + ".")
            .toException()).value1())
        .compose(organizationId -> authorizeException(request, providerId, organizationId)
            .compose(x -> db.transaction(tx -> (organizationId == null ? Future.<Void>succeededFuture()
                    : regeneration.begin(tx, providerId, organizationId))
                .compose(y -> tx.update(Sql.DSL.deleteFrom(table).where(idField.eq(id))))
                .compose(y -> Audit.record(tx, request, Audit.Entry.of(organizationId, "availability."
                    + param.replace("Id", "") + "_deleted", "provider", providerId)
                    .before(new JsonObject().put(param, id.toString()))))
                .compose(y -> organizationId == null ? regenerateAll(tx, providerId)
                    : regenerate(tx, providerId, organizationId)))))
        .map(ApiReply::ok);
  }

  /** An organization's exception: its staff or the provider; a provider-wide block: the provider alone. */
  private Future<Void> authorizeException(ApiRequest request, UUID providerId, UUID organizationId) {
    return organizationId == null
        ? Providers.requireThemselves(db, request.requireCaller(), providerId,
            "Only the provider may block their own time everywhere; name an organization.")
        : authorize(request, providerId, organizationId);
  }

  private static Future<Integer> insertException(Sql tx, UUID providerId, UUID organizationId, LocalDate day,
                                                 List<JsonObject> windows) {
    var insert = Sql.DSL.insertInto(AVAILABILITY_EXCEPTION, AVAILABILITY_EXCEPTION.PROVIDER_ID,
        AVAILABILITY_EXCEPTION.ORGANIZATION_ID, AVAILABILITY_EXCEPTION.DAY, AVAILABILITY_EXCEPTION.START_TIME,
        AVAILABILITY_EXCEPTION.END_TIME, AVAILABILITY_EXCEPTION.SERVICE_IDS, AVAILABILITY_EXCEPTION.VENUE_ID);
    if (windows.isEmpty()) {
      insert = insert.values(providerId, organizationId, day, null, null, null, null);
    }
    for (JsonObject w : windows) {
      insert = insert.values(providerId, organizationId, day, LocalTime.parse(w.getString("start")),
          LocalTime.parse(w.getString("end")), Json.uuids(w.getJsonArray("serviceIds")), venue(w));
    }
    return tx.update(insert);
  }

  /**
   * POST /v1/organizations/{organizationId}/sessions: one explicit session, e.g. a course date at a venue. The
   * service and venue must be the organization's, and the provider active and working for it.
   */
  Future<ApiReply> createSession(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject body = request.bodyObject();
    UUID serviceId = UUID.fromString(body.getString("serviceId"));
    UUID providerId = UUID.fromString(body.getString("providerId"));
    UUID venueId = venue(body);
    Instant startsAt;
    try {
      startsAt = OffsetDateTime.parse(body.getString("startsAt")).toInstant();
    } catch (DateTimeParseException e) {
      throw Json.invalid("startsAt", "is not a date-time with an offset, e.g. 2026-12-01T09:00:00+01:00");
    }
    if (!startsAt.isAfter(Instant.now()) || startsAt.isAfter(Instant.now().plus(Duration.ofDays(MAX_AHEAD_DAYS)))) {
      throw Json.invalid("startsAt", "must be in the future and at most " + MAX_AHEAD_DAYS + " days ahead");
    }
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_availability)
        .compose(x -> Idempotency.once(db, request, tx -> Regeneration.requireLink(tx, providerId, organizationId)
            .compose(y -> requireActive(tx, providerId))
            .compose(y -> checkReferences(tx, organizationId, venueId == null ? List.of()
                : List.of(new JsonObject().put("venueId", venueId.toString()))))
            .compose(y -> tx.fetchOptional(Sql.DSL.selectFrom(SERVICE).where(SERVICE.ID.eq(serviceId))
                .and(SERVICE.ORGANIZATION_ID.eq(organizationId)).and(SERVICE.DELETED_AT.isNull())))
            .compose(found -> {
              var service = found.orElseThrow(() -> Problem.notOurs("serviceId", serviceId).toException());
              int capacity = body.getInteger("capacity", service.getSeatsPerSlot());
              Instant endsAt = startsAt.plus(Duration.ofMinutes(service.getDurationMinutes()));
              var slot = new Generated(serviceId, venueId, startsAt, endsAt,
                  startsAt.minus(Duration.ofMinutes(service.getBufferBeforeMinutes())),
                  endsAt.plus(Duration.ofMinutes(service.getBufferAfterMinutes())), capacity);
              return regeneration.insertWithinLimits(tx, providerId, organizationId, List.of(slot),
                  SlotOrigin.session);
            })
            .compose(ids -> {
              if (ids.isEmpty()) {
                throw Problem.of("slot-exists", 409, "Session exists",
                    "This provider already has this service at that time.").toException();
              }
              return Audit.record(tx, request, Audit.Entry.of(organizationId, "session.created", "slot", ids.get(0))
                      .after(body))
                  .compose(y -> Outbox.append(tx, "scheduling.slot_created", "slot", ids.get(0), new JsonObject()
                  .put("slotId", ids.get(0).toString()).put("providerId", providerId.toString())
                  .put("serviceId", serviceId.toString()).put("startsAt", startsAt.toString()))
                  .map(ApiReply.created(new JsonObject().put("id", ids.get(0).toString()), "/v1/slots/" + ids.get(0))));
            })));
  }

  /** PUT /v1/slots/{slotId}/capacity {capacity} */
  Future<ApiReply> setCapacity(ApiRequest request) {
    UUID slotId = UUID.fromString(request.path().getString("slotId"));
    int capacity = request.bodyObject().getInteger("capacity");
    return requireSlotManager(request, slotId)
        .compose(organizationId -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.select(SLOT.CAPACITY).from(SLOT)
                .where(SLOT.ID.eq(slotId)))
            .compose(current -> regeneration.requireRoom(tx, organizationId, 0,
                Math.max(0, capacity - current.map(r -> r.value1()).orElse(capacity))))
            .compose(y -> Slots.changeCapacity(tx, slotId, capacity))
            .compose(Audit.after(tx, request, c -> Audit.Entry.of(organizationId, "slot.capacity_changed", "slot",
                slotId).after(new JsonObject().put("capacity", c))))
            .compose(c -> Outbox.append(tx, SchedulingClient.SLOT_CAPACITY_CHANGED, "slot", slotId,
                new JsonObject().put("slotId", slotId.toString()).put("capacity", c)).map(c))))
        .map(c -> ApiReply.ok(new JsonObject().put("slotId", slotId.toString()).put("capacity", c)));
  }

  /** POST /v1/slots/{slotId}/cancel */
  Future<ApiReply> cancelSlot(ApiRequest request) {
    UUID slotId = UUID.fromString(request.path().getString("slotId"));
    return requireSlotManager(request, slotId)
        .compose(organizationId -> db.transaction(tx -> Slots.cancel(tx, slotId)
            .compose(y -> Audit.record(tx, request, Audit.Entry.of(organizationId, "slot.cancelled", "slot", slotId)))
            .compose(y -> Outbox.append(tx, "scheduling.slot_cancelled", "slot", slotId,
                new JsonObject().put("slotId", slotId.toString())))))
        .map(x -> ApiReply.noContent());
  }

  /** The slot's organization, once the caller is known to manage its availability. */
  private Future<UUID> requireSlotManager(ApiRequest request, UUID slotId) {
    return db.fetchOptional(Sql.DSL.select(SLOT.ORGANIZATION_ID).from(SLOT).where(SLOT.ID.eq(slotId)))
        .compose(found -> {
          UUID organizationId = found.orElseThrow(() -> Problem.notFound("No slot " + slotId + ".").toException())
              .value1();
          return IdentityClient.require(bus, request.requireCaller(), organizationId,
              OrgPermission.manage_availability).map(organizationId);
        });
  }

  private Future<JsonObject> regenerate(Sql tx, UUID providerId, UUID organizationId) {
    return regeneration.regenerate(tx, providerId, organizationId).compose(result -> announce(tx, providerId,
        organizationId, result));
  }

  private Future<JsonObject> regenerateAll(Sql tx, UUID providerId) {
    return regeneration.regenerateAll(tx, providerId).compose(result -> announce(tx, providerId, null, result));
  }

  private static Future<JsonObject> announce(Sql tx, UUID providerId, UUID organizationId,
                                             Regeneration.Result result) {
    return Outbox.append(tx, "scheduling.slots_regenerated", "provider", providerId, new JsonObject()
            .put("providerId", providerId.toString())
            .put("organizationId", organizationId == null ? null : organizationId.toString())
            .put("removed", result.removed()).put("created", result.created()))
        .map(new JsonObject().put("slotsRemoved", result.removed()).put("slotsCreated", result.created()));
  }



  /** The provider themself, or a member with manage_availability; the provider must work for the organization. */
  Future<Void> authorize(ApiRequest request, UUID providerId, UUID organizationId) {
    Caller caller = request.requireCaller();
    return Providers.userOf(db, providerId)
        .compose(userId -> userId.equals(caller.userId()) ? Future.<Void>succeededFuture()
            : IdentityClient.require(bus, caller, organizationId, OrgPermission.manage_availability))
        .compose(x -> Regeneration.requireLink(db, providerId, organizationId));
  }

  private static Future<Void> requireActive(Sql sql, UUID providerId) {
    return sql.fetchOne(Sql.DSL.select(PROVIDER.STATUS).from(PROVIDER).where(PROVIDER.ID.eq(providerId)).forShare())
        .map(status -> {
          if (status.value1() != ProviderStatus.active) {
            throw Problem.of("provider-not-bookable", 409, "Provider not active", "The provider is "
                + status.value1().getLiteral() + "; only an active provider's sessions can be published.")
                .toException();
          }
          return null;
        });
  }

  /** Services and venues named in windows must be the organization's own: anything else is 404. */
  private static Future<Void> checkReferences(Sql tx, UUID organizationId, List<JsonObject> windows) {
    if (windows.isEmpty()) {
      return Future.succeededFuture();
    }
    Set<UUID> services = new HashSet<>();
    Set<UUID> venues = new HashSet<>();
    windows.forEach(w -> {
      services.addAll(List.of(Json.uuids(w.getJsonArray("serviceIds"))));
      if (venue(w) != null) {
        venues.add(venue(w));
      }
    });
    // FOR SHARE until the rules are written: a service or venue removed meanwhile waits, then is removed after
    // them (its removal leaves existing rules be); never a rule naming one removed before it was written.
    return tx.fetch(Sql.DSL.select(SERVICE.ID).from(SERVICE).where(SERVICE.ID.in(services))
            .and(SERVICE.ORGANIZATION_ID.eq(organizationId)).and(SERVICE.DELETED_AT.isNull())
            .orderBy(SERVICE.ID).forShare())
        .compose(found -> {
          if (found.size() != services.size()) {
            throw Problem.notOurs("serviceIds", services).toException();
          }
          return tx.fetch(Sql.DSL.select(VENUE.ID).from(VENUE).where(VENUE.ID.in(venues))
              .and(VENUE.ORGANIZATION_ID.eq(organizationId)).and(VENUE.DELETED_AT.isNull())
              .orderBy(VENUE.ID).forShare());
        })
        .map(found -> {
          if (found.size() != venues.size()) {
            throw Problem.notOurs("venueId", venues).toException();
          }
          return null;
        });
  }

  private static Future<Integer> insertRules(Sql tx, UUID providerId, UUID organizationId, List<JsonObject> rules) {
    if (rules.isEmpty()) {
      return Future.succeededFuture(0);
    }
    var insert = Sql.DSL.insertInto(AVAILABILITY_RULE, AVAILABILITY_RULE.PROVIDER_ID, AVAILABILITY_RULE.ORGANIZATION_ID,
        AVAILABILITY_RULE.WEEKDAY, AVAILABILITY_RULE.START_TIME, AVAILABILITY_RULE.END_TIME,
        AVAILABILITY_RULE.SERVICE_IDS, AVAILABILITY_RULE.VENUE_ID);
    for (JsonObject r : rules) {
      insert = insert.values(providerId, organizationId, r.getInteger("weekday"), LocalTime.parse(r.getString("start")),
          LocalTime.parse(r.getString("end")), Json.uuids(r.getJsonArray("serviceIds")), venue(r));
    }
    return tx.update(insert);
  }

  /** Local times "HH:MM", the end after the start. */
  private static void times(JsonObject window, String field) {
    try {
      LocalTime start = LocalTime.parse(window.getString("start"));
      LocalTime end = LocalTime.parse(window.getString("end"));
      if (!end.isAfter(start)) {
        throw Json.invalid(field + ".end", "must be after start");
      }
    } catch (DateTimeParseException | NullPointerException e) {
      throw Json.invalid(field, "start and end must be local times such as 09:00");
    }
  }

  private static UUID venue(JsonObject window) {
    String id = window.getString("venueId");
    return id == null ? null : UUID.fromString(id);
  }
}
