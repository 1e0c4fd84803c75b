package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.ORGANIZATION;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.VENUE;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.enums.OrganizationKind;
import dev.bookwell.db.tables.records.OrganizationRecord;
import dev.bookwell.db.tables.records.ServiceRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.api.ETags;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.api.Money;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.EmailAddresses;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.TimeZones;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlPatch;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.JSONB;

/** Organizations and what they own: venues, services, and which providers work for them. */
final class Organizations {

  private final Db db;
  private final EventBus bus;

  Organizations(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** POST /v1/organizations: the creator becomes its owner. */
  Future<ApiReply> create(ApiRequest request) {
    Caller caller = request.requireCaller();
    JsonObject body = request.bodyObject();
    // A retry with the same Idempotency-Key names the same organization, so it grants no second (phantom) ownership.
    String key = request.headers().getString("idempotency-key");
    UUID id = key == null ? UUID.randomUUID() : UUID.nameUUIDFromBytes(("organization:" + caller.userId() + ":" + key)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String timezone = TimeZones.require(body.getString("timezone"), "timezone");
    // Ownership first: a membership for an organization that then fails to appear is harmless; the reverse is not.
    // Only for an organization not made yet: a retry of a create that succeeded grants nothing, since its creator
    // may have been removed meanwhile, and the replay made them owner again.
    return db.fetchOptional(Sql.DSL.select(ORGANIZATION.ID).from(ORGANIZATION).where(ORGANIZATION.ID.eq(id)))
        .compose(made -> made.isPresent() ? Future.<Void>succeededFuture()
            : IdentityClient.grantOwner(bus, id, caller.userId()))
        .compose(x -> Idempotency.once(db, request, tx -> tx.fetchOne(Sql.DSL.insertInto(ORGANIZATION)
                .set(ORGANIZATION.ID, id)
                .set(ORGANIZATION.KIND, OrganizationKind.valueOf(body.getString("kind")))
                .set(ORGANIZATION.NAME, body.getString("name"))
                .set(ORGANIZATION.TIMEZONE, timezone)
                .set(ORGANIZATION.CURRENCY, body.getString("currency"))
                .set(ORGANIZATION.CONTACT_EMAIL, contactEmail(body))
                .set(ORGANIZATION.CONTACT_PHONE, body.getString("contactPhone"))
                .set(ORGANIZATION.CREATED_BY, caller.userId())
                .returning())
            .compose(Audit.after(tx, request, org -> Audit.Entry.of(id, "organization.created", "organization", id)
                .after(toJson(org))))
            .compose(org -> Outbox.append(tx, "scheduling.organization_created", "organization", id,
                toJson(org)).map(ApiReply.created(toJson(org), "/v1/organizations/" + id)))));
  }

  /** The organization's contact address, shown in its mail: an address, as every email Bookwell takes. */
  private static String contactEmail(JsonObject body) {
    String email = body.getString("contactEmail");
    return email == null ? null : EmailAddresses.require(email, "contactEmail");
  }

  /** GET /v1/organizations/{organizationId} (public) */
  Future<ApiReply> get(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("organizationId"));
    return db.fetchOptional(Sql.DSL.selectFrom(ORGANIZATION).where(ORGANIZATION.ID.eq(id))
            .and(ORGANIZATION.DELETED_AT.isNull()))
        .map(found -> ApiReply.ok(toJson(found.orElseThrow(
            () -> Problem.notFound("No organization " + id + ".").toException()))));
  }

  /**
   * PATCH /v1/organizations/{organizationId} (owners only): name and contact details, JSON merge. The
   * time zone and currency stay: slots and prices were made in them.
   */
  Future<ApiReply> patch(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("organizationId"));
    JsonObject body = request.bodyObject();
    return IdentityClient.requireOwner(bus, request.requireCaller(), id)
        .compose(x -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.selectFrom(ORGANIZATION)
                .where(ORGANIZATION.ID.eq(id)).and(ORGANIZATION.DELETED_AT.isNull()).forNoKeyUpdate())
            .compose(found -> {
              JsonObject before = toJson(found.orElseThrow(
                  () -> Problem.notFound("No organization " + id + ".").toException()));
              ETags.requireMatch(request, before);
              return tx.fetchOne(SqlPatch.of(ORGANIZATION, ORGANIZATION.ID)
                  .merge(body, "name", ORGANIZATION.NAME, body.getString("name"))
                  .merge(body, "contactEmail", ORGANIZATION.CONTACT_EMAIL, contactEmail(body))
                  .merge(body, "contactPhone", ORGANIZATION.CONTACT_PHONE, body.getString("contactPhone"))
                  .update().where(ORGANIZATION.ID.eq(id)).returning())
                  .compose(Audit.after(tx, request, org -> Audit.Entry.of(id, "organization.updated", "organization",
                      id).before(before).after(toJson(org))));
            })
            .compose(org -> Outbox.append(tx, "scheduling.organization_changed", "organization", id, toJson(org))
                .map(org))))
        .map(org -> ApiReply.ok(toJson(org)));
  }

  /**
   * DELETE /v1/organizations/{organizationId} (owners): soft, so bookings and payments keep what they refer to.
   * Refused (409) while any provider works for it or is asked to: ending those links is what settles the
   * organization's open bookings (see Departures), and it must happen first, visibly. The row lock orders this
   * against a concurrent link request, which takes the same row FOR SHARE.
   */
  Future<ApiReply> delete(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("organizationId"));
    return IdentityClient.requireOwner(bus, request.requireCaller(), id)
        .compose(x -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.selectFrom(ORGANIZATION)
                .where(ORGANIZATION.ID.eq(id)).and(ORGANIZATION.DELETED_AT.isNull()).forUpdate())
            .compose(found -> {
              found.orElseThrow(() -> Problem.notFound("No organization " + id + ".").toException());
              return tx.fetchOptional(Sql.DSL.selectOne().from(PROVIDER_ORGANIZATION)
                  .where(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(id))
                  .and(PROVIDER_ORGANIZATION.STATUS.in(ProviderLinkStatus.requested, ProviderLinkStatus.active))
                  .limit(1));
            })
            .compose(linked -> {
              if (linked.isPresent()) {
                throw Problem.of("organization-in-use", 409, "Providers still work here", "End every provider link "
                    + "(DELETE /v1/organizations/{id}/providers/{providerId}) before removing the organization.")
                    .toException();
              }
              return tx.update(Sql.DSL.update(ORGANIZATION).set(ORGANIZATION.DELETED_AT, SqlTime.now())
                      .where(ORGANIZATION.ID.eq(id)))
                  .compose(y -> Audit.record(tx, request, Audit.Entry.of(id, "organization.deleted", "organization",
                      id)))
                  .compose(y -> Outbox.append(tx, "scheduling.organization_deleted", "organization", id,
                      new JsonObject().put("organizationId", id.toString())));
            })))
        .map(x -> ApiReply.noContent());
  }

  /** The organization exists and is not removed; held FOR SHARE until the transaction ends (404 otherwise). */
  static Future<Void> requireLive(Sql tx, UUID id) {
    return tx.fetchOptional(Sql.DSL.selectOne().from(ORGANIZATION).where(ORGANIZATION.ID.eq(id))
            .and(ORGANIZATION.DELETED_AT.isNull()).forShare())
        .map(found -> {
          found.orElseThrow(() -> Problem.notFound("No organization " + id + ".").toException());
          return null;
        });
  }

  /** POST /v1/organizations/{organizationId}/venues (manage_availability) */
  Future<ApiReply> createVenue(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject body = request.bodyObject();
    return require(request, organizationId, OrgPermission.manage_availability)
        .compose(x -> Idempotency.once(db, request, tx -> requireLive(tx, organizationId)
            .compose(y -> tx.fetchOne(Sql.DSL.insertInto(VENUE)
            .set(VENUE.ORGANIZATION_ID, organizationId)
            .set(VENUE.NAME, body.getString("name"))
            .set(VENUE.ADDRESS, body.getString("address", ""))
            .set(VENUE.CAPACITY, body.getInteger("capacity"))
            .set(VENUE.FACILITIES, JSONB.valueOf(body.getJsonObject("facilities", new JsonObject()).encode()))
            .set(VENUE.ONLINE, body.getBoolean("online", false))
            .returning())
            .compose(Audit.after(tx, request, venue -> Audit.Entry.of(organizationId, "venue.created", "venue",
                venue.getId()).after(Venues.toJson(venue))))
            .map(venue -> ApiReply.created(Venues.toJson(venue), "/v1/venues/" + venue.getId())))));
  }

  /** POST /v1/organizations/{organizationId}/services (manage_availability) */
  Future<ApiReply> createService(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject body = request.bodyObject();
    JsonObject policy = body.getJsonObject("cancellationPolicy", new JsonObject());
    return require(request, organizationId, OrgPermission.manage_availability)
        .compose(x -> currency(organizationId))
        .compose(currency -> Idempotency.once(db, request, tx -> tx.fetchOne(Sql.DSL.insertInto(SERVICE)
            .set(SERVICE.ORGANIZATION_ID, organizationId)
            .set(SERVICE.NAME, body.getString("name"))
            .set(SERVICE.DURATION_MINUTES, body.getInteger("durationMinutes"))
            .set(SERVICE.PRICE_MINOR, body.getLong("priceMinor"))
            .set(SERVICE.CURRENCY, body.getString("currency", currency))
            .set(SERVICE.SEATS_PER_SLOT, body.getInteger("seatsPerSlot", 1))
            .set(SERVICE.BUFFER_BEFORE_MINUTES, body.getInteger("bufferBeforeMinutes", 0))
            .set(SERVICE.BUFFER_AFTER_MINUTES, body.getInteger("bufferAfterMinutes", 0))
            .set(SERVICE.MIN_NOTICE_MINUTES, body.getInteger("minNoticeMinutes", 0))
            .set(SERVICE.HORIZON_DAYS, body.getInteger("horizonDays", 60))
            .set(SERVICE.REQUIRES_CONFIRMATION, body.getBoolean("requiresConfirmation", false))
            .set(SERVICE.GUESTS_ALLOWED, body.getBoolean("guestsAllowed", true))
            .set(SERVICE.FULL_REFUND_HOURS, policy.getInteger("fullRefundHours", 24))
            .set(SERVICE.LATE_REFUND_PERCENT, policy.getInteger("lateRefundPercent", 0))
            .returning())
            .compose(Audit.after(tx, request, service -> Audit.Entry.of(organizationId, "service.created", "service",
                service.getId()).after(serviceJson(service))))
            .map(service -> ApiReply.created(serviceJson(service), "/v1/services/" + service.getId()))));
  }

  /** DELETE /v1/services/{serviceId} (manage_availability): soft delete; its slots leave the search at once. */
  Future<ApiReply> deleteService(ApiRequest request) {
    UUID serviceId = UUID.fromString(request.path().getString("serviceId"));
    return db.fetchOptional(Sql.DSL.select(SERVICE.ORGANIZATION_ID).from(SERVICE).where(SERVICE.ID.eq(serviceId))
            .and(SERVICE.DELETED_AT.isNull()))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No service " + serviceId + ".").toException())
            .value1())
        .compose(organizationId -> require(request, organizationId, OrgPermission.manage_availability)
            .map(organizationId))
        .compose(organizationId -> db.transaction(tx -> tx.update(Sql.DSL.update(SERVICE)
                .set(SERVICE.DELETED_AT, dev.bookwell.platform.db.SqlTime.now()).where(SERVICE.ID.eq(serviceId)))
            .compose(y -> Audit.record(tx, request, Audit.Entry.of(organizationId, "service.deleted", "service",
                serviceId)))
            .compose(y -> Outbox.append(tx, "scheduling.service_deleted", "service", serviceId,
                new JsonObject().put("serviceId", serviceId.toString())))))
        .map(x -> ApiReply.noContent());
  }

  private Future<Void> require(ApiRequest request, UUID organizationId, OrgPermission permission) {
    return IdentityClient.require(bus, request.requireCaller(), organizationId, permission);
  }

  private Future<String> currency(UUID organizationId) {
    return db.fetchOptional(Sql.DSL.select(ORGANIZATION.CURRENCY).from(ORGANIZATION)
            .where(ORGANIZATION.ID.eq(organizationId)).and(ORGANIZATION.DELETED_AT.isNull()))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No organization " + organizationId + ".")
            .toException()).value1());
  }

  static JsonObject serviceJson(ServiceRecord s) {
    return new JsonObject()
        .put("id", s.getId().toString())
        .put("organizationId", s.getOrganizationId().toString())
        .put("name", s.getName())
        .put("durationMinutes", s.getDurationMinutes())
        .put("price", Money.json(s.getPriceMinor(), s.getCurrency()))
        .put("seatsPerSlot", s.getSeatsPerSlot())
        .put("bufferBeforeMinutes", s.getBufferBeforeMinutes())
        .put("bufferAfterMinutes", s.getBufferAfterMinutes())
        .put("minNoticeMinutes", s.getMinNoticeMinutes())
        .put("horizonDays", s.getHorizonDays())
        .put("requiresConfirmation", s.getRequiresConfirmation())
        .put("guestsAllowed", s.getGuestsAllowed())
        .put("cancellationPolicy", new JsonObject().put("fullRefundHours", s.getFullRefundHours())
            .put("lateRefundPercent", s.getLateRefundPercent()));
  }

  private static JsonObject toJson(OrganizationRecord org) {
    return new JsonObject()
        .put("id", org.getId().toString())
        .put("kind", org.getKind().getLiteral())
        .put("name", org.getName())
        .put("timezone", org.getTimezone())
        .put("currency", org.getCurrency())
        .put("contactEmail", org.getContactEmail())
        .put("contactPhone", org.getContactPhone());
  }
}
