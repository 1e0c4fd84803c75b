package dev.bookwell.webhooks;

import static dev.bookwell.db.Tables.WEBHOOK_DELIVERY;
import static dev.bookwell.db.Tables.WEBHOOK_ENDPOINT;

import dev.bookwell.db.enums.WebhookEndpointStatus;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.OutboxConsumer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

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

  Future<Integer> round() {
    return events.round(event -> {
      var data = new JsonObject(event.getPayload().data());
      String organization = data.getString("organizationId");
      if (organization == null) {
        return Future.succeededFuture(tx -> Future.succeededFuture());
      }
      var body = Catalogue.body(event.getId().toString(), event.getType(),
          event.getOccurredAt().toInstant().toString(), data);
      return Future.succeededFuture(tx -> tx.update(Sql.DSL.insertInto(WEBHOOK_DELIVERY,
              WEBHOOK_DELIVERY.ENDPOINT_ID, WEBHOOK_DELIVERY.ORGANIZATION_ID, WEBHOOK_DELIVERY.EVENT_ID,
              WEBHOOK_DELIVERY.EVENT_TYPE, WEBHOOK_DELIVERY.AGGREGATE_ID, WEBHOOK_DELIVERY.PAYLOAD)
          .select(Sql.DSL.select(WEBHOOK_ENDPOINT.ID, WEBHOOK_ENDPOINT.ORGANIZATION_ID, DSL.val(event.getId()),
                  DSL.val(event.getType()), DSL.val(event.getAggregateId()), DSL.val(JSONB.valueOf(body.encode())))
              .from(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ORGANIZATION_ID.eq(UUID.fromString(organization)))
              .and(WEBHOOK_ENDPOINT.DELETED_AT.isNull()).and(WEBHOOK_ENDPOINT.STATUS.eq(WebhookEndpointStatus.active))
              .and(DSL.val(event.getType()).eq(DSL.any(WEBHOOK_ENDPOINT.EVENT_TYPES))))
          .onConflictDoNothing()).mapEmpty());
    });
  }
}
