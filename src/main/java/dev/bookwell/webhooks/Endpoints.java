package dev.bookwell.webhooks;

import static dev.bookwell.db.Tables.WEBHOOK_ENDPOINT;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.WebhookEndpointStatus;
import dev.bookwell.db.tables.records.WebhookEndpointRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.net.OutboundAddresses;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * An organization's webhook endpoints (manage_staff: whoever administers the organization's integrations). The
 * signing secret is shown once, at creation and at rotation; a rotation keeps the old secret signing beside the new
 * one for {@code overlapHours} (default 24), so receivers can switch without losing a delivery.
 */
final class Endpoints {

  static final int MAX_PER_ORGANIZATION = 20;

  private final Db db;
  private final Vertx vertx;
  private final io.vertx.core.WorkerExecutor resolver;
  private final boolean allowPrivate;

  Endpoints(Db db, Vertx vertx, io.vertx.core.WorkerExecutor resolver, boolean allowPrivate) {
    this.db = db;
    this.vertx = vertx;
    this.resolver = resolver;
    this.allowPrivate = allowPrivate;
  }

  /**
   * POST /v1/organizations/{organizationId}/webhooks {url, eventTypes, description?}. Not replayed by an
   * Idempotency-Key on purpose: a stored answer would keep the secret beyond the one showing.
   */
  Future<ApiReply> create(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject body = request.bodyObject();
    var uri = OutboundAddresses.parse(body.getString("url"), allowPrivate);
    String secret = "whsec_" + SecretTokens.newToken();
    return require(request, organizationId)
        .compose(x -> OutboundAddresses.resolve(resolver, uri, allowPrivate))
        // the organization's lock for the transaction: racing creates count one after the other
        .compose(address -> db.transaction(tx -> Locks.belowCap(tx, "webhooks:" + organizationId,
                Sql.DSL.selectCount().from(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ORGANIZATION_ID.eq(organizationId))
                    .and(WEBHOOK_ENDPOINT.DELETED_AT.isNull()), MAX_PER_ORGANIZATION,
                () -> Problem.of("too-many-endpoints", 422, "Too many endpoints", "An organization has at most "
                    + MAX_PER_ORGANIZATION + " webhook endpoints.").toException())
            .compose(below -> tx.fetchOne(Sql.DSL.insertInto(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.ORGANIZATION_ID, organizationId).set(WEBHOOK_ENDPOINT.URL, uri.toString())
                .set(WEBHOOK_ENDPOINT.DESCRIPTION, body.getString("description", ""))
                .set(WEBHOOK_ENDPOINT.EVENT_TYPES, types(body.getJsonArray("eventTypes")))
                .set(WEBHOOK_ENDPOINT.SECRET, secret)
                .set(WEBHOOK_ENDPOINT.CREATED_BY, request.requireCaller().userId()).returning()))
            .compose(Audit.after(tx, request, e -> Audit.Entry.of(organizationId, "webhook.created", "webhook",
                e.getId()).after(json(e))))
            .map(e -> ApiReply.created(json(e).put("secret", secret), "/v1/webhooks/" + e.getId()))));
  }

  /** GET /v1/organizations/{organizationId}/webhooks */
  Future<ApiReply> list(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    return require(request, organizationId)
        .compose(x -> db.fetch(Sql.DSL.selectFrom(WEBHOOK_ENDPOINT)
            .where(WEBHOOK_ENDPOINT.ORGANIZATION_ID.eq(organizationId)).and(WEBHOOK_ENDPOINT.DELETED_AT.isNull())
            .orderBy(WEBHOOK_ENDPOINT.CREATED_AT, WEBHOOK_ENDPOINT.ID)))
        .map(rows -> ApiReply.ok(new JsonObject().put("items", new JsonArray(rows.stream().map(Endpoints::json)
            .toList()))));
  }

  /** GET /v1/webhooks/{webhookId} */
  Future<ApiReply> get(ApiRequest request) {
    return owned(request).map(e -> ApiReply.ok(json(e)));
  }

  /** PATCH /v1/webhooks/{webhookId} {url?, eventTypes?, description?, active?}: active re-enables a disabled one. */
  Future<ApiReply> patch(ApiRequest request) {
    JsonObject body = request.bodyObject();
    var uri = body.getString("url") == null ? null : OutboundAddresses.parse(body.getString("url"), allowPrivate);
    return owned(request)
        .compose(e -> (uri == null ? Future.succeededFuture() : OutboundAddresses.resolve(resolver, uri, allowPrivate)).map(e))
        .compose(before -> db.transaction(tx -> {
          var update = Sql.DSL.update(WEBHOOK_ENDPOINT).set(WEBHOOK_ENDPOINT.UPDATED_AT, SqlTime.now());
          if (uri != null) {
            update = update.set(WEBHOOK_ENDPOINT.URL, uri.toString());
          }
          if (body.getJsonArray("eventTypes") != null) {
            update = update.set(WEBHOOK_ENDPOINT.EVENT_TYPES, types(body.getJsonArray("eventTypes")));
          }
          if (body.getString("description") != null) {
            update = update.set(WEBHOOK_ENDPOINT.DESCRIPTION, body.getString("description"));
          }
          if (body.getBoolean("active") != null) {
            update = update.set(WEBHOOK_ENDPOINT.STATUS, body.getBoolean("active") ? WebhookEndpointStatus.active
                : WebhookEndpointStatus.disabled)
                .set(WEBHOOK_ENDPOINT.DISABLED_REASON, body.getBoolean("active") ? null : "disabled by staff")
                .setNull(WEBHOOK_ENDPOINT.FAILING_SINCE);
          }
          return tx.fetchOne(update.where(WEBHOOK_ENDPOINT.ID.eq(before.getId())).returning())
              .compose(Audit.after(tx, request, after -> Audit.Entry.of(after.getOrganizationId(), "webhook.updated",
                  "webhook", after.getId()).before(json(before)).after(json(after))));
        }))
        .map(e -> ApiReply.ok(json(e)));
  }

  /** DELETE /v1/webhooks/{webhookId}: no more deliveries (those waiting are marked failed); the log stays. */
  Future<ApiReply> delete(ApiRequest request) {
    return owned(request).compose(e -> db.transaction(tx -> tx.update(Sql.DSL.update(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.DELETED_AT, SqlTime.now()).where(WEBHOOK_ENDPOINT.ID.eq(e.getId())))
            .compose(x -> tx.update(Sql.DSL.update(dev.bookwell.db.Tables.WEBHOOK_DELIVERY)
                .set(dev.bookwell.db.Tables.WEBHOOK_DELIVERY.STATUS, dev.bookwell.db.enums.WebhookDeliveryStatus.failed)
                .where(dev.bookwell.db.Tables.WEBHOOK_DELIVERY.ENDPOINT_ID.eq(e.getId()))
                .and(dev.bookwell.db.Tables.WEBHOOK_DELIVERY.STATUS.eq(
                    dev.bookwell.db.enums.WebhookDeliveryStatus.pending))))
            .compose(x -> Audit.record(tx, request, Audit.Entry.of(e.getOrganizationId(), "webhook.deleted",
                "webhook", e.getId()).before(json(e))))))
        .map(x -> ApiReply.noContent());
  }

  /** POST /v1/webhooks/{webhookId}/rotate-secret {overlapHours?}: a new secret, shown once. */
  Future<ApiReply> rotate(ApiRequest request) {
    int overlapHours = request.bodyObject().getInteger("overlapHours", 24);
    String secret = "whsec_" + SecretTokens.newToken();
    return owned(request).compose(e -> db.transaction(tx -> tx.fetchOne(Sql.DSL.update(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.PREVIOUS_SECRET, WEBHOOK_ENDPOINT.SECRET)
                .set(WEBHOOK_ENDPOINT.PREVIOUS_EXPIRES_AT, SqlTime.nowPlus(Duration.ofHours(overlapHours)))
                .set(WEBHOOK_ENDPOINT.SECRET, secret).set(WEBHOOK_ENDPOINT.UPDATED_AT, SqlTime.now())
                .where(WEBHOOK_ENDPOINT.ID.eq(e.getId())).returning())
            .compose(Audit.after(tx, request, after -> Audit.Entry.of(after.getOrganizationId(),
                "webhook.secret_rotated", "webhook", after.getId())
                .after(new JsonObject().put("overlapHours", overlapHours))))))
        .map(e -> ApiReply.ok(json(e).put("secret", secret)));
  }

  /** The endpoint named in the path, if the caller administers its organization; 404 to everyone else. */
  Future<WebhookEndpointRecord> owned(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("webhookId"));
    return db.fetchOptional(Sql.DSL.selectFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ID.eq(id))
            .and(WEBHOOK_ENDPOINT.DELETED_AT.isNull()))
        .map(found -> found.orElseThrow(() -> notFound(id)))
        .compose(e -> require(request, e.getOrganizationId()).map(e)
            .recover(dev.bookwell.platform.api.ProblemException.forbiddenAsNotFound(() -> notFound(id))));
  }

  private Future<Void> require(ApiRequest request, UUID organizationId) {
    return IdentityClient.require(vertx.eventBus(), request.requireCaller(), organizationId,
        OrgPermission.manage_staff);
  }

  private static String[] types(JsonArray types) {
    return types.stream().map(String::valueOf).distinct().sorted().toArray(String[]::new);
  }

  static RuntimeException notFound(UUID id) {
    return Problem.notFound("No webhook endpoint " + id + ".").toException();
  }

  static JsonObject json(WebhookEndpointRecord e) {
    return new JsonObject().put("id", e.getId().toString()).put("organizationId", e.getOrganizationId().toString())
        .put("url", e.getUrl()).put("description", e.getDescription())
        .put("eventTypes", new JsonArray(List.of(e.getEventTypes()))).put("status", e.getStatus().getLiteral())
        .put("disabledReason", e.getDisabledReason())
        .put("failingSince", e.getFailingSince() == null ? null : e.getFailingSince().toInstant().toString())
        .put("previousSecretExpiresAt", e.getPreviousExpiresAt() == null ? null
            : e.getPreviousExpiresAt().toInstant().toString())
        .put("createdAt", e.getCreatedAt().toInstant().toString());
  }
}
