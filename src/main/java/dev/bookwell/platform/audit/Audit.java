package dev.bookwell.platform.audit;

import static dev.bookwell.db.Tables.AUDIT_ENTRY;

import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.JSONB;

/**
 * The one way to write the audit trail: a row in the transaction of the change it records, with who (the caller of
 * {@code request}, unless named), from where (the client address the edge established and the user agent), in which
 * organization, what (an action such as {@code service.updated}), on what, and the values before and after. The
 * table refuses updates and early deletes; nothing in the API reads it but the audit area.
 */
public final class Audit {

  private Audit() {
  }

  /** What changed: {@code action} on {@code entityType}/{@code entityId}, in {@code organizationId} (null: none). */
  public record Entry(UUID organizationId, String action, String entityType, Object entityId, JsonObject before,
                      JsonObject after) {

    public static Entry of(UUID organizationId, String action, String entityType, Object entityId) {
      return new Entry(organizationId, action, entityType, entityId, null, null);
    }

    public Entry before(JsonObject values) {
      return new Entry(organizationId, action, entityType, entityId, values, after);
    }

    public Entry after(JsonObject values) {
      return new Entry(organizationId, action, entityType, entityId, before, values);
    }
  }

  /** Records {@code entry} as done by the request's caller (nobody, when anonymous). */
  public static Future<Void> record(Sql tx, ApiRequest request, Entry entry) {
    Caller caller = request == null ? null : request.callerOrNull();
    return record(tx, request, caller == null ? null : caller.userId(), entry);
  }

  /** For a chain of steps: records the entry made of a step's result and passes the result on. */
  public static <T> Function<T, Future<T>> after(Sql tx, ApiRequest request, Function<T, Entry> entry) {
    return value -> record(tx, request, entry.apply(value)).map(value);
  }

  /** Records {@code entry} as done by {@code actorId} (a login names the account it signed in). */
  public static Future<Void> record(Sql tx, ApiRequest request, UUID actorId, Entry entry) {
    JsonObject headers = request == null ? new JsonObject() : request.headers();
    return tx.update(Sql.DSL.insertInto(AUDIT_ENTRY).set(AUDIT_ENTRY.ACTOR_ID, actorId)
        .set(AUDIT_ENTRY.ORGANIZATION_ID, entry.organizationId()).set(AUDIT_ENTRY.ACTION, entry.action())
        .set(AUDIT_ENTRY.ENTITY_TYPE, entry.entityType())
        .set(AUDIT_ENTRY.ENTITY_ID, entry.entityId() == null ? null : clip(entry.entityId().toString(), 200))
        .set(AUDIT_ENTRY.BEFORE, jsonb(entry.before())).set(AUDIT_ENTRY.AFTER, jsonb(entry.after()))
        .set(AUDIT_ENTRY.CLIENT_ADDRESS, clip(headers.getString("client-address"), 100))
        .set(AUDIT_ENTRY.USER_AGENT, clip(headers.getString("user-agent"), 500))).mapEmpty();
  }

  private static JSONB jsonb(JsonObject values) {
    return values == null ? null : JSONB.valueOf(values.encode());
  }

  private static String clip(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max);
  }
}
