package dev.bookwell.webhooks;

import static dev.bookwell.db.Tables.WEBHOOK_DELIVERY;
import static dev.bookwell.db.Tables.WEBHOOK_ENDPOINT;
import static dev.bookwell.platform.db.Prepared.array;

import dev.bookwell.db.enums.WebhookEndpointStatus;
import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.OutboxConsumer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.Table;
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
   * A batch's deliveries, one per subscribed, active endpoint of each event's organization (none, mostly), in the
   * events' order (the deliveries' {@code seq} orders them per endpoint and aggregate): one statement over the
   * batch's arrays, rendered once. It was one per event, two behind every purchase.
   */
  private static final Prepared<Record1<UUID>> DELIVERIES;

  static {
    Table<?> events = DSL.table("unnest({0}, {1}, {2}, {3}, {4}) with ordinality as e(id, type, aggregate, body,"
            + " organization, n)", array("ids", SQLDataType.UUID), array("types", SQLDataType.CLOB),
        array("aggregates", SQLDataType.CLOB), array("bodies", SQLDataType.CLOB),
        array("organizations", SQLDataType.UUID));
    Field<String> type = DSL.field(DSL.name("e", "type"), String.class);
    DELIVERIES = Prepared.of(Sql.DSL.insertInto(WEBHOOK_DELIVERY,
            WEBHOOK_DELIVERY.ENDPOINT_ID, WEBHOOK_DELIVERY.ORGANIZATION_ID, WEBHOOK_DELIVERY.EVENT_ID,
            WEBHOOK_DELIVERY.EVENT_TYPE, WEBHOOK_DELIVERY.AGGREGATE_ID, WEBHOOK_DELIVERY.PAYLOAD)
        .select(Sql.DSL.select(WEBHOOK_ENDPOINT.ID, WEBHOOK_ENDPOINT.ORGANIZATION_ID,
                DSL.field(DSL.name("e", "id"), UUID.class), type, DSL.field(DSL.name("e", "aggregate"), String.class),
                DSL.field(DSL.name("e", "body"), String.class).cast(SQLDataType.JSONB))
            .from(events).join(WEBHOOK_ENDPOINT)
            .on(WEBHOOK_ENDPOINT.ORGANIZATION_ID.eq(DSL.field(DSL.name("e", "organization"), UUID.class)))
            .where(WEBHOOK_ENDPOINT.DELETED_AT.isNull()).and(WEBHOOK_ENDPOINT.STATUS.eq(WebhookEndpointStatus.active))
            .and(type.eq(DSL.any(WEBHOOK_ENDPOINT.EVENT_TYPES)))
            .orderBy(DSL.field(DSL.name("e", "n")), WEBHOOK_ENDPOINT.ID))
        .onConflictDoNothing()
        .returningResult(WEBHOOK_DELIVERY.ID));
  }

  Future<Integer> round() {
    return events.roundInBulk(Intake::deliveries);
  }

  /** The batch's events of an organization (the others have no endpoints to go to), as arrays side by side. */
  private static Future<Void> deliveries(Sql tx, List<OutboxEventRecord> batch) {
    var ids = new ArrayList<UUID>();
    var types = new ArrayList<String>();
    var aggregates = new ArrayList<String>();
    var bodies = new ArrayList<String>();
    var organizations = new ArrayList<UUID>();
    for (var event : batch) {
      var data = new JsonObject(event.getPayload().data());
      String organization = data.getString("organizationId");
      if (organization != null) {
        ids.add(event.getId());
        types.add(event.getType());
        aggregates.add(event.getAggregateId());
        bodies.add(Catalogue.body(event.getId().toString(), event.getType(),
            event.getOccurredAt().toInstant().toString(), data).encode());
        organizations.add(UUID.fromString(organization));
      }
    }
    return ids.isEmpty() ? Future.succeededFuture() : tx.rows(DELIVERIES, Map.of("ids", ids.toArray(UUID[]::new),
        "types", types.toArray(String[]::new), "aggregates", aggregates.toArray(String[]::new),
        "bodies", bodies.toArray(String[]::new), "organizations", organizations.toArray(UUID[]::new))).mapEmpty();
  }
}
