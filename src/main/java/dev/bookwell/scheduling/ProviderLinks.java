package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.AVAILABILITY_EXCEPTION;
import static dev.bookwell.db.Tables.AVAILABILITY_RULE;
import static dev.bookwell.db.Tables.ORGANIZATION;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.tables.records.ProviderOrganizationRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.Rfc3339;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.EnumSet;
import java.util.UUID;

/**
 * Which providers work for which organizations, by consent. An organization (manage_providers) asks; the provider
 * (or a platform admin) accepts or declines; until accepted the organization can publish nothing for the provider.
 * Either side may end the link at any time: that cancels the organization's free future slots for the provider
 * and drops its rules and exceptions; slots someone holds or booked stay for their bookings, but nobody can book
 * them any more (holds and search need a working link).
 */
final class ProviderLinks {

  /** After a decline or an end, the same organization does not ask the provider again before this has passed. */
  static final Duration ASK_AGAIN_AFTER = Duration.ofDays(7);

  private final Db db;
  private final EventBus bus;

  ProviderLinks(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** POST /v1/organizations/{organizationId}/providers/{providerId}: asks the provider (202), or 200 if linked. */
  Future<ApiReply> request(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID organizationId = organizationId(request);
    UUID providerId = providerId(request);
    return IdentityClient.require(bus, caller, organizationId, OrgPermission.manage_providers)
        .compose(x -> Providers.userOf(db, providerId))
        .compose(x -> db.transaction(tx -> Organizations.requireLive(tx, organizationId)
            .compose(y -> tx.fetchOptional(Sql.DSL.insertInto(PROVIDER_ORGANIZATION)
                .set(PROVIDER_ORGANIZATION.PROVIDER_ID, providerId)
                .set(PROVIDER_ORGANIZATION.ORGANIZATION_ID, organizationId)
                .set(PROVIDER_ORGANIZATION.STATUS, ProviderLinkStatus.requested)
                .set(PROVIDER_ORGANIZATION.REQUESTED_BY, caller.userId())
                .onConflict(PROVIDER_ORGANIZATION.PROVIDER_ID, PROVIDER_ORGANIZATION.ORGANIZATION_ID).doUpdate()
                .set(PROVIDER_ORGANIZATION.STATUS, ProviderLinkStatus.requested)
                .set(PROVIDER_ORGANIZATION.REQUESTED_BY, caller.userId())
                .set(PROVIDER_ORGANIZATION.REQUESTED_AT, SqlTime.now())
                .setNull(PROVIDER_ORGANIZATION.DECIDED_BY)
                .setNull(PROVIDER_ORGANIZATION.DECIDED_AT)
                .where(PROVIDER_ORGANIZATION.STATUS.in(ProviderLinkStatus.declined, ProviderLinkStatus.ended))
                .and(PROVIDER_ORGANIZATION.DECIDED_AT.lt(SqlTime.nowPlus(ASK_AGAIN_AFTER.negated())))
                .returning())
            .compose(asked -> asked.isEmpty()
                ? link(tx, providerId, organizationId).map(ProviderLinks::unchanged)
                : emit(tx, "requested", asked.get(), caller)
                    .map(new ApiReply(202, toJson(asked.get()), new JsonObject()))))));
  }

  /**
   * A request that changed nothing: already asked or working there (200), or declined or ended lately (409), so
   * that neither a refusal nor a withdrawn request can be turned into a stream of requests to the provider.
   */
  private static ApiReply unchanged(ProviderOrganizationRecord current) {
    if (current.getStatus() == ProviderLinkStatus.declined || current.getStatus() == ProviderLinkStatus.ended) {
      throw Problem.of("asked-recently", 409, "Asked recently", "The provider's link with this organization was "
          + current.getStatus().getLiteral() + " lately; it may be asked again " + ASK_AGAIN_AFTER.toDays()
          + " days after that.").toException();
    }
    return ApiReply.ok(toJson(current));
  }

  /** GET /v1/providers/{providerId}/organizations: the provider's links and pending requests. */
  Future<ApiReply> forProvider(ApiRequest request) {
    UUID providerId = providerId(request);
    return Providers.requireThemselves(db, request.requireCaller(), providerId,
            "Only the provider decides where they work.")
        .compose(x -> db.fetch(Sql.DSL.select(PROVIDER_ORGANIZATION.fields()).select(ORGANIZATION.NAME)
            .from(PROVIDER_ORGANIZATION)
            .join(ORGANIZATION).on(ORGANIZATION.ID.eq(PROVIDER_ORGANIZATION.ORGANIZATION_ID))
            .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(providerId))
            .orderBy(PROVIDER_ORGANIZATION.REQUESTED_AT.desc()).limit(500)))
        .map(rows -> {
          var items = new JsonArray();
          rows.forEach(r -> items.add(toJson(r.into(PROVIDER_ORGANIZATION)).put("organizationName",
              r.get(ORGANIZATION.NAME))));
          return ApiReply.ok(new JsonObject().put("items", items));
        });
  }

  /** GET /v1/organizations/{organizationId}/providers (manage_providers): who works here, who was asked. */
  Future<ApiReply> forOrganization(ApiRequest request) {
    UUID organizationId = organizationId(request);
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_providers)
        .compose(x -> db.fetch(Sql.DSL.select(PROVIDER_ORGANIZATION.fields()).select(PROVIDER.DISPLAY_NAME)
            .from(PROVIDER_ORGANIZATION).join(PROVIDER).on(PROVIDER.ID.eq(PROVIDER_ORGANIZATION.PROVIDER_ID))
            .where(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(organizationId))
            .orderBy(PROVIDER.DISPLAY_NAME, PROVIDER.ID).limit(500)))
        .map(rows -> {
          var items = new JsonArray();
          rows.forEach(r -> items.add(toJson(r.into(PROVIDER_ORGANIZATION)).put("providerName",
              r.get(PROVIDER.DISPLAY_NAME))));
          return ApiReply.ok(new JsonObject().put("items", items));
        });
  }

  /** POST /v1/providers/{providerId}/organizations/{organizationId}/accept: the provider agrees to work there. */
  /** The provider starts working there only with the platform's and the organization's requirements met. */
  Future<ApiReply> accept(ApiRequest request) {
    return Providers.requireThemselves(db, request.requireCaller(), providerId(request),
            "Only the provider decides where they work.")
        .compose(x -> Requirements.requireMet(db, providerId(request), organizationId(request)))
        .compose(x -> decide(request, ProviderLinkStatus.active));
  }

  /** POST /v1/providers/{providerId}/organizations/{organizationId}/decline */
  Future<ApiReply> decline(ApiRequest request) {
    return decide(request, ProviderLinkStatus.declined);
  }

  private Future<ApiReply> decide(ApiRequest request, ProviderLinkStatus to) {
    Caller caller = request.requireCaller();
    UUID providerId = providerId(request);
    UUID organizationId = organizationId(request);
    return Providers.requireThemselves(db, request.requireCaller(), providerId,
            "Only the provider decides where they work.")
        .compose(x -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.update(PROVIDER_ORGANIZATION)
                .set(PROVIDER_ORGANIZATION.STATUS, to)
                .set(PROVIDER_ORGANIZATION.DECIDED_BY, caller.userId())
                .set(PROVIDER_ORGANIZATION.DECIDED_AT, SqlTime.now())
                .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(providerId))
                .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(organizationId))
                .and(PROVIDER_ORGANIZATION.STATUS.eq(ProviderLinkStatus.requested))
                .returning())
            .compose(decided -> decided.isPresent()
                ? emit(tx, to == ProviderLinkStatus.active ? "accepted" : "declined", decided.get(), caller)
                    .map(decided.get())
                : link(tx, providerId, organizationId).map(current -> {
                  throw illegal(current, to);
                }))))
        .map(link -> ApiReply.ok(toJson(link)));
  }

  /**
   * DELETE /v1/organizations/{organizationId}/providers/{providerId}: the organization (manage_providers) or the
   * provider ends the link, or withdraws a request. Gives the link and {slotsCancelled, slotsKeptForBookings}.
   */
  Future<ApiReply> end(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID providerId = providerId(request);
    UUID organizationId = organizationId(request);
    return Providers.userOf(db, providerId)
        .compose(userId -> userId.equals(caller.userId()) ? Future.<Void>succeededFuture()
            : IdentityClient.require(bus, caller, organizationId, OrgPermission.manage_providers))
        .compose(x -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.selectFrom(PROVIDER_ORGANIZATION)
                .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(providerId))
                .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(organizationId)).forUpdate())
            .compose(found -> {
              var link = found.filter(l -> EnumSet.of(ProviderLinkStatus.requested, ProviderLinkStatus.active)
                  .contains(l.getStatus())).orElseThrow(() -> Problem.notFound("The provider does not work for "
                      + "this organization.").toException());
              return (link.getStatus() == ProviderLinkStatus.active ? stopWorking(tx, providerId, organizationId)
                  : Future.succeededFuture(new int[] {0, 0}))
                  .compose(slots -> tx.fetchOne(Sql.DSL.update(PROVIDER_ORGANIZATION)
                          .set(PROVIDER_ORGANIZATION.STATUS, ProviderLinkStatus.ended)
                          .set(PROVIDER_ORGANIZATION.DECIDED_BY, caller.userId())
                          .set(PROVIDER_ORGANIZATION.DECIDED_AT, SqlTime.now())
                          .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(providerId))
                          .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(organizationId)).returning())
                      .compose(ended -> emit(tx, "ended", ended, caller).map(toJson(ended)
                          .put("slotsCancelled", slots[0]).put("slotsKeptForBookings", slots[1]))));
            })))
        .map(ApiReply::ok);
  }

  /** Cancels the organization's free future slots for the provider and drops its hours there. */
  private static Future<int[]> stopWorking(Sql tx, UUID providerId, UUID organizationId) {
    return Slots.cancelFree(tx, providerId, organizationId)
        .compose(slots -> tx.update(Sql.DSL.deleteFrom(AVAILABILITY_RULE)
                .where(AVAILABILITY_RULE.PROVIDER_ID.eq(providerId))
                .and(AVAILABILITY_RULE.ORGANIZATION_ID.eq(organizationId)))
            .compose(x -> tx.update(Sql.DSL.deleteFrom(AVAILABILITY_EXCEPTION)
                .where(AVAILABILITY_EXCEPTION.PROVIDER_ID.eq(providerId))
                .and(AVAILABILITY_EXCEPTION.ORGANIZATION_ID.eq(organizationId))))
            .map(slots));
  }



  private static Future<ProviderOrganizationRecord> link(Sql tx, UUID providerId, UUID organizationId) {
    return tx.fetchOptional(Sql.DSL.selectFrom(PROVIDER_ORGANIZATION)
            .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(providerId))
            .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(organizationId)))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No request from organization " + organizationId
            + " to this provider.").toException()));
  }

  private static RuntimeException illegal(ProviderOrganizationRecord current, ProviderLinkStatus to) {
    return Problem.of("illegal-transition", 409, "Illegal status change", "The link is "
        + current.getStatus().getLiteral() + "; it cannot become " + to.getLiteral() + ".").toException();
  }

  private static Future<Void> emit(Sql tx, String what, ProviderOrganizationRecord link, Caller caller) {
    return Outbox.append(tx, "scheduling.provider_link_" + what, "provider", link.getProviderId(),
        toJson(link).put("by", caller.userId().toString())).mapEmpty();
  }

  private static UUID providerId(ApiRequest request) {
    return UUID.fromString(request.path().getString("providerId"));
  }

  private static UUID organizationId(ApiRequest request) {
    return UUID.fromString(request.path().getString("organizationId"));
  }

  static JsonObject toJson(ProviderOrganizationRecord link) {
    return new JsonObject()
        .put("providerId", link.getProviderId().toString())
        .put("organizationId", link.getOrganizationId().toString())
        .put("status", link.getStatus().getLiteral())
        .put("requestedAt", Rfc3339.format(link.getRequestedAt()))
        .put("decidedAt", Rfc3339.format(link.getDecidedAt()));
  }
}
