package dev.bookwell.webhooks;

import static dev.bookwell.db.Tables.WEBHOOK_DELIVERY;
import static dev.bookwell.db.Tables.WEBHOOK_ENDPOINT;

import dev.bookwell.db.enums.WebhookEndpointStatus;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.OutboxConsumer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record1;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Turns each catalogue event into one delivery per subscribed, active endpoint of its organization: once (an
 * {@link OutboxConsumer}), in one INSERT ... SELECT, and never on the path of the change that caused it.
 */
final class Intake {

  private final OutboxConsumer events;

  Intake(Db db) {
    this.events = new OutboxConsumer(db, "webhooks", Catalogue.TYPES.stream()
        .filter(type -> !type.equals(Catalogue.TEST)).toList(), Duration.ofDays(3), 500);
  }

  /**
   * An event's deliveries, one per subscribed active endpoint of the organization (none, mostly): rendered once,
   * as every booking's events pass here.
   */
  private static final Prepared<Record1<UUID>> DELIVERIES;

  static {
    Field<String> type = DSL.param("type", String.class);
    DELIVERIES = Prepared.of(Sql.DSL.insertInto(WEBHOOK_DELIVERY,
            WEBHOOK_DELIVERY.ENDPOINT_ID, WEBHOOK_DELIVERY.ORGANIZATION_ID, WEBHOOK_DELIVERY.EVENT_ID,
            WEBHOOK_DELIVERY.EVENT_TYPE, WEBHOOK_DELIVERY.AGGREGATE_ID, WEBHOOK_DELIVERY.PAYLOAD)
        .select(Sql.DSL.select(WEBHOOK_ENDPOINT.ID, WEBHOOK_ENDPOINT.ORGANIZATION_ID,
                // typed as the columns they fill, written out rather than left to PostgreSQL's inference
                DSL.cast(DSL.param("event", UUID.class), SQLDataType.UUID), type,
                DSL.param("aggregate", String.class), DSL.cast(DSL.param("body", SQLDataType.JSONB), SQLDataType.JSONB))
            .from(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ORGANIZATION_ID.eq(DSL.param("organization", UUID.class)))
            .and(WEBHOOK_ENDPOINT.DELETED_AT.isNull()).and(WEBHOOK_ENDPOINT.STATUS.eq(WebhookEndpointStatus.active))
            .and(type.eq(DSL.any(WEBHOOK_ENDPOINT.EVENT_TYPES))))
        .onConflictDoNothing()
        .returningResult(WEBHOOK_DELIVERY.ID));
  }

  Future<Integer> round() {
    return events.roundTogether(event -> {
      var data = new JsonObject(event.getPayload().data());
      String organization = data.getString("organizationId");
      if (organization == null) {
        return Future.succeededFuture(tx -> Future.succeededFuture());
      }
      var body = Catalogue.body(event.getId().toString(), event.getType(),
          event.getOccurredAt().toInstant().toString(), data);
      var values = new HashMap<String, Object>();
      values.put("organization", UUID.fromString(organization));
      values.put("event", event.getId());
      values.put("type", event.getType());
      values.put("aggregate", event.getAggregateId());
      values.put("body", JSONB.valueOf(body.encode()));
      return Future.succeededFuture(tx -> tx.fetch(DELIVERIES, values).mapEmpty());
    });
  }
}
