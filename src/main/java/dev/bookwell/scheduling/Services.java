package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.SERVICE;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.ServiceRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.ETags;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlPatch;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * Services after their creation: read and list (public), change (manage_availability). A change applies to
 * bookings made after it: a booking keeps the price and cancellation policy it was made under (copied onto it).
 * What shapes the slots (duration, buffers, seats) is not changed in place: slots already exist with that shape,
 * so a different shape is a new service.
 */
final class Services {

  private final Db db;
  private final EventBus bus;

  Services(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** GET /v1/services/{serviceId} */
  Future<ApiReply> get(ApiRequest request) {
    return find(db, serviceId(request)).map(service -> ApiReply.ok(Organizations.serviceJson(service)));
  }

  /** GET /v1/organizations/{organizationId}/services: by name, keyset pages. */
  Future<ApiReply> list(ApiRequest request) {
    return new ByName<>(SERVICE, SERVICE.ORGANIZATION_ID, SERVICE.DELETED_AT, SERVICE.NAME, SERVICE.ID, Organizations::serviceJson).list(db, request);
  }


  /** PATCH /v1/services/{serviceId}: JSON merge of the terms offered to new bookings; If-Match honoured. */
  Future<ApiReply> patch(ApiRequest request) {
    UUID id = serviceId(request);
    JsonObject body = request.bodyObject();
    JsonObject policy = body.getJsonObject("cancellationPolicy", new JsonObject());
    return find(db, id)
        .compose(service -> IdentityClient.require(bus, request.requireCaller(), service.getOrganizationId(),
            OrgPermission.manage_availability))
        .compose(x -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.selectFrom(SERVICE).where(SERVICE.ID.eq(id))
                .and(SERVICE.DELETED_AT.isNull()).forNoKeyUpdate())
            .compose(found -> {
              var current = found.orElseThrow(() -> Problem.notFound("No service " + id + ".").toException());
              ETags.requireMatch(request, Organizations.serviceJson(current));
              var update = SqlPatch.of(SERVICE, SERVICE.ID)
                  .merge(body, "name", SERVICE.NAME, body.getString("name"))
                  .merge(body, "priceMinor", SERVICE.PRICE_MINOR, body.getLong("priceMinor"))
                  .merge(body, "requiresConfirmation", SERVICE.REQUIRES_CONFIRMATION,
                      body.getBoolean("requiresConfirmation"))
                  .merge(body, "guestsAllowed", SERVICE.GUESTS_ALLOWED, body.getBoolean("guestsAllowed"))
                  .merge(body, "minNoticeMinutes", SERVICE.MIN_NOTICE_MINUTES, body.getInteger("minNoticeMinutes"))
                  .merge(body, "horizonDays", SERVICE.HORIZON_DAYS, body.getInteger("horizonDays"))
                  .merge(policy, "fullRefundHours", SERVICE.FULL_REFUND_HOURS, policy.getInteger("fullRefundHours"))
                  .merge(policy, "lateRefundPercent", SERVICE.LATE_REFUND_PERCENT,
                      policy.getInteger("lateRefundPercent"))
                  .update();
              return tx.fetchOne(update.where(SERVICE.ID.eq(id)).returning())
                  .compose(Audit.after(tx, request, service -> Audit.Entry.of(service.getOrganizationId(),
                      "service.updated", "service", id).before(Organizations.serviceJson(current))
                      .after(Organizations.serviceJson(service))));
            })))
        .map(service -> ApiReply.ok(Organizations.serviceJson(service)));
  }

  static Future<ServiceRecord> find(Sql sql, UUID id) {
    return sql.fetchOptional(Sql.DSL.selectFrom(SERVICE).where(SERVICE.ID.eq(id)).and(SERVICE.DELETED_AT.isNull()))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No service " + id + ".").toException()));
  }

  private static UUID serviceId(ApiRequest request) {
    return UUID.fromString(request.path().getString("serviceId"));
  }
}
