package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import java.util.Map;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import dev.bookwell.db.tables.records.OutboxEventRecord;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.InsertResultStep;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Writes an event in the caller's transaction. It becomes visible to the relay only when that transaction
 * commits, so an event is published if and only if the change it describes happened.
 */
public final class Outbox {

  /** Events are published on {@code bookwell.events.<type>} and, for consumers of everything, on this address. */
  public static final String ALL_EVENTS = "bookwell.events";
  /**
   * For every event published, and for a change a page waits for once it is committed ({@link #changed}), a
   * message with no body on this address, its {@link #AGGREGATE_HEADER} naming what changed: for listeners that
   * need no more (the edge's long polls, which read again), so the events themselves are not sent to every node for
   * them.
   */
  public static final String CHANGES = "bookwell.changes";
  public static final String AGGREGATE_HEADER = "aggregate-id";

  private Outbox() {
  }

  public static String address(String type) {
    return ALL_EVENTS + "." + type;
  }

  /**
   * Tells every node's long polls that {@code aggregateId} changed ({@link #CHANGES}). The relay does it for every
   * event it publishes; a change a page is known to wait for may be told at once after its commit, too.
   */
  public static void changed(EventBus bus, String aggregateId) {
    bus.publish(CHANGES, null, new DeliveryOptions().addHeader(AGGREGATE_HEADER, aggregateId));
  }

  /** Appends {@code type} (e.g. {@code booking.held}) about one aggregate; gives the event id consumers dedupe on. */
  public static Future<UUID> append(Sql tx, String type, String aggregateType, Object aggregateId,
                                    JsonObject payload) {
    return tx.fetchOne(APPEND, Map.of("type", type, "aggregate_type", aggregateType,
            "aggregate_id", String.valueOf(aggregateId), "payload", JSONB.valueOf(payload.encode())))
        .map(record -> record.getId());
  }

  /** The transaction's id, taken now if it has none yet ({@link #insertWhen}, {@link ConsumerFloor}). */
  static final Field<Long> TRANSACTION_ID = DSL.field("pg_current_xact_id()::text::bigint", Long.class);

  /** Every change writes one: rendered once. */
  private static final Prepared<OutboxEventRecord> APPEND = Prepared.of(insertWhen(DSL.noCondition(),
      DSL.param("type", String.class), DSL.param("aggregate_type", String.class),
      DSL.param("aggregate_id", String.class), DSL.param("payload", JSONB.class)));

  /**
   * The event's row as a part of a larger statement of the caller's (a data-modifying CTE that writes the change
   * and its event in one round trip), written only if {@code when} holds. Its transaction takes its id (if it has
   * none yet) before the event takes its number: the filter runs before the row is made, and the number is made
   * with the row. The consumers' floor counts on that ({@link ConsumerFloor}).
   */
  public static InsertResultStep<OutboxEventRecord> insertWhen(Condition when, Field<String> type,
                                                               Field<String> aggregateType,
                                                               Field<String> aggregateId, Field<JSONB> payload) {
    return Sql.DSL.insertInto(OUTBOX_EVENT,
            OUTBOX_EVENT.TYPE, OUTBOX_EVENT.AGGREGATE_TYPE, OUTBOX_EVENT.AGGREGATE_ID, OUTBOX_EVENT.PAYLOAD)
        .select(DSL.select(type, aggregateType, aggregateId, payload).where(when).and(TRANSACTION_ID.isNotNull()))
        .returning(OUTBOX_EVENT.ID);
  }
}
