package dev.bookwell.platform.outbox;

import static dev.bookwell.db.Tables.OUTBOX_EVENT;

import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.JSONB;

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
    return tx.fetchOne(Sql.DSL.insertInto(OUTBOX_EVENT)
            .set(OUTBOX_EVENT.TYPE, type)
            .set(OUTBOX_EVENT.AGGREGATE_TYPE, aggregateType)
            .set(OUTBOX_EVENT.AGGREGATE_ID, String.valueOf(aggregateId))
            .set(OUTBOX_EVENT.PAYLOAD, JSONB.valueOf(payload.encode()))
            .returning(OUTBOX_EVENT.ID))
        .map(record -> record.getId());
  }
}
