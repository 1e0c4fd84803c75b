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
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    return events.roundInBulk(Intake::catalogued, Intake::deliveries);
  }

  /** An event as integrators get it, with its organization; none without one (no endpoint to go to). */
  private record Catalogued(UUID id, String type, String aggregate, String body, UUID organization) {
  }

  private static Optional<Catalogued> catalogued(OutboxEventRecord event) {
    var data = new JsonObject(event.getPayload().data());
    String organization = data.getString("organizationId");
    return organization == null ? Optional.empty() : Optional.of(new Catalogued(event.getId(), event.getType(),
        event.getAggregateId(), Catalogue.body(event.getId().toString(), event.getType(),
            event.getOccurredAt().toInstant().toString(), data).encode(), UUID.fromString(organization)));
  }

  /** The batch's deliveries: its events' columns as arrays side by side. */
  private static Future<Void> deliveries(Sql tx, List<Optional<Catalogued>> batch) {
    var events = batch.stream().flatMap(Optional::stream).toList();
    return events.isEmpty() ? Future.succeededFuture() : tx.rows(DELIVERIES, Map.of(
        "ids", events.stream().map(Catalogued::id).toArray(UUID[]::new),
        "types", events.stream().map(Catalogued::type).toArray(String[]::new),
        "aggregates", events.stream().map(Catalogued::aggregate).toArray(String[]::new),
        "bodies", events.stream().map(Catalogued::body).toArray(String[]::new),
        "organizations", events.stream().map(Catalogued::organization).toArray(UUID[]::new))).mapEmpty();
  }
}
