package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
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

  private Outbox() {
  }

  public static String address(String type) {
    return ALL_EVENTS + "." + type;
  }

  /** Appends {@code type} (e.g. {@code booking.held}) about one aggregate; gives the event id consumers dedupe on. */
  public static Future<UUID> append(Sql tx, String type, String aggregateType, Object aggregateId,
                                    JsonObject payload) {
    return tx.fetchOne(insertWhen(DSL.noCondition(), DSL.val(type), DSL.val(aggregateType),
            DSL.val(String.valueOf(aggregateId)), DSL.val(JSONB.valueOf(payload.encode()))))
        .map(record -> record.getId());
  }

  /**
   * The event's row as a part of a larger statement of the caller's (a data-modifying CTE that writes the change
   * and its event in one round trip), written only if {@code when} holds.
   */
  public static InsertResultStep<OutboxEventRecord> insertWhen(Condition when, Field<String> type,
                                                               Field<String> aggregateType,
                                                               Field<String> aggregateId, Field<JSONB> payload) {
    return Sql.DSL.insertInto(OUTBOX_EVENT,
            OUTBOX_EVENT.TYPE, OUTBOX_EVENT.AGGREGATE_TYPE, OUTBOX_EVENT.AGGREGATE_ID, OUTBOX_EVENT.PAYLOAD)
        .select(DSL.select(type, aggregateType, aggregateId, payload).where(when))
        .returning(OUTBOX_EVENT.ID);
  }
}
