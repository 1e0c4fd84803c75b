package dev.bookwell.webhooks;

import static dev.bookwell.db.Tables.WEBHOOK_ATTEMPT;
import static dev.bookwell.db.Tables.WEBHOOK_DELIVERY;

import dev.bookwell.db.enums.WebhookDeliveryStatus;
import dev.bookwell.db.tables.records.WebhookDeliveryRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Keyset;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;
import org.jooq.JSONB;

/** An endpoint's delivery log (each attempt with status, latency and answer), redelivery, and test events. */
final class Deliveries {

  static final int ATTEMPTS_SHOWN = 10;

  private final Db db;
  private final Endpoints endpoints;

  Deliveries(Db db, Endpoints endpoints) {
    this.db = db;
    this.endpoints = endpoints;
  }

  /** GET /v1/webhooks/{webhookId}/deliveries?status=: newest first, keyset pages, each with its last attempts. */
  Future<ApiReply> list(ApiRequest request) {
    JsonObject q = request.query();
    int limit = q.getInteger("limit", 50);
    return endpoints.owned(request).compose(e -> db.fetch(Sql.DSL.selectFrom(WEBHOOK_DELIVERY)
            .where(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(e.getId()))
            .and(q.getString("status") == null ? org.jooq.impl.DSL.noCondition()
                : WEBHOOK_DELIVERY.STATUS.eq(WebhookDeliveryStatus.lookupLiteral(q.getString("status"))))
            .and(Keyset.after(WEBHOOK_DELIVERY.CREATED_AT, WEBHOOK_DELIVERY.ID, q.getString("cursor")))
            .orderBy(WEBHOOK_DELIVERY.CREATED_AT.desc(), WEBHOOK_DELIVERY.ID.desc()).limit(limit + 1)))
        .compose(rows -> attempts(rows.stream().limit(limit).map(WebhookDeliveryRecord::getId).toList())
            .map(attempts -> Page.of(rows, limit, d -> json(d).put("attempts", attempts.getOrDefault(d.getId(),
                new JsonArray())), d -> Keyset.cursor(d.getCreatedAt(), d.getId()))))
        .map(ApiReply::ok);
  }

  private Future<java.util.Map<UUID, JsonArray>> attempts(List<UUID> deliveries) {
    var ranked = Sql.DSL.select(WEBHOOK_ATTEMPT.asterisk(), org.jooq.impl.DSL.rowNumber().over()
            .partitionBy(WEBHOOK_ATTEMPT.DELIVERY_ID).orderBy(WEBHOOK_ATTEMPT.ID.desc()).as("n"))
        .from(WEBHOOK_ATTEMPT).where(WEBHOOK_ATTEMPT.DELIVERY_ID.in(deliveries)).asTable("ranked");
    return db.fetch(Sql.DSL.selectFrom(ranked).where(ranked.field("n", Integer.class).le(ATTEMPTS_SHOWN))
            .orderBy(ranked.field(WEBHOOK_ATTEMPT.ID).desc()))
        .map(rows -> {
          var byDelivery = new HashMap<UUID, JsonArray>();
          rows.forEach(r -> byDelivery.computeIfAbsent(r.get(WEBHOOK_ATTEMPT.DELIVERY_ID), k -> new JsonArray())
              .add(new JsonObject().put("at", r.get(WEBHOOK_ATTEMPT.AT).toInstant().toString())
                  .put("statusCode", r.get(WEBHOOK_ATTEMPT.STATUS_CODE))
                  .put("latencyMs", r.get(WEBHOOK_ATTEMPT.LATENCY_MS))
                  .put("response", r.get(WEBHOOK_ATTEMPT.RESPONSE)).put("error", r.get(WEBHOOK_ATTEMPT.ERROR))));
          return byDelivery;
        });
  }

  /**
   * POST /v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver: sent again, soon, whatever it came to (waiting
   * to retry, failed, delivered). One a sender holds (its lease, up to {@link Dispatcher#LEASE}, until the attempt's
   * outcome is recorded) stays with it: 409, to ask again; 404 for no delivery of this endpoint.
   */
  Future<ApiReply> redeliver(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("deliveryId"));
    return endpoints.owned(request).compose(e -> db.transaction(tx -> tx.fetchOptional(Sql.DSL
                .update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.STATUS, WebhookDeliveryStatus.pending)
                // a fresh start: backoff from the first step, a new deadline at its first failure
                .set(WEBHOOK_DELIVERY.NEXT_AT, SqlTime.now()).set(WEBHOOK_DELIVERY.ATTEMPTS, 0)
                .setNull(WEBHOOK_DELIVERY.RETRY_UNTIL).setNull(WEBHOOK_DELIVERY.LEASED_UNTIL)
                .where(WEBHOOK_DELIVERY.ID.eq(id))
                .and(WEBHOOK_DELIVERY.LEASED_UNTIL.isNull().or(WEBHOOK_DELIVERY.LEASED_UNTIL.le(SqlTime.now())))
                .and(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(e.getId())).returning())
            .compose(found -> found.isPresent() ? Future.succeededFuture(found.get())
                : notRedelivered(tx, e.getId(), id))
            .compose(Audit.after(tx, request, d -> Audit.Entry.of(e.getOrganizationId(), "webhook.redelivered",
                "webhook_delivery", d.getId())))))
        .map(d -> new ApiReply(202, json(d), new JsonObject()));
  }

  /** Why a redelivery moved nothing: a sender holds the delivery (409), or the endpoint has none such (404). */
  private static Future<WebhookDeliveryRecord> notRedelivered(Sql tx, UUID endpointId, UUID id) {
    return tx.fetchOptional(Sql.DSL.selectOne().from(WEBHOOK_DELIVERY).where(WEBHOOK_DELIVERY.ID.eq(id))
        .and(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(endpointId))).map(exists -> {
          throw (exists.isPresent() ? Problem.of("delivery-in-flight", 409, "Being delivered",
              "Delivery " + id + " is being sent now; ask again once its outcome is recorded.")
              : Problem.notFound("No delivery " + id + " of this endpoint.")).toException();
        });
  }

  /** Test events an organization may ask for a minute: each is a delivery the dispatcher sends and retries. */
  static final int TESTS_PER_MINUTE = 30;

  /**
   * POST /v1/webhooks/{webhookId}/test: a {@code webhook.test} event, delivered like any other; at most
   * {@link #TESTS_PER_MINUTE} an organization (429), so nobody fills the dispatcher's rounds with them.
   */
  Future<ApiReply> test(ApiRequest request) {
    UUID eventId = UUID.randomUUID();
    return endpoints.owned(request).compose(e -> RateLimits.hit(db, "webhook-test",
            e.getOrganizationId().toString(), TESTS_PER_MINUTE, "test deliveries for this organization").map(e))
        .compose(e -> db.fetchOne(Sql.DSL.insertInto(WEBHOOK_DELIVERY)
            .set(WEBHOOK_DELIVERY.ENDPOINT_ID, e.getId()).set(WEBHOOK_DELIVERY.ORGANIZATION_ID, e.getOrganizationId())
            .set(WEBHOOK_DELIVERY.EVENT_ID, eventId).set(WEBHOOK_DELIVERY.EVENT_TYPE, Catalogue.TEST)
            .set(WEBHOOK_DELIVERY.AGGREGATE_ID, "test:" + eventId)
            .set(WEBHOOK_DELIVERY.PAYLOAD, JSONB.valueOf(Catalogue.body(eventId.toString(), Catalogue.TEST,
                Instant.now().toString(), new JsonObject().put("webhookId", e.getId().toString())
                    .put("organizationId", e.getOrganizationId().toString())).encode()))
            .returning()))
        .map(d -> new ApiReply(202, json(d), new JsonObject()));
  }

  static JsonObject json(WebhookDeliveryRecord d) {
    return new JsonObject().put("id", d.getId().toString()).put("eventId", d.getEventId().toString())
        .put("eventType", d.getEventType()).put("status", d.getStatus().getLiteral()).put("attemptCount", d.getAttempts())
        .put("nextAttemptAt", d.getStatus() == WebhookDeliveryStatus.pending ? d.getNextAt().toInstant().toString()
            : null)
        .put("createdAt", d.getCreatedAt().toInstant().toString())
        .put("deliveredAt", d.getDeliveredAt() == null ? null : d.getDeliveredAt().toInstant().toString());
  }
}
