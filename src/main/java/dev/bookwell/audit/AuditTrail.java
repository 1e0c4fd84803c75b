package dev.bookwell.audit;

import static dev.bookwell.db.Tables.AUDIT_ENTRY;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.AuditEntryRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Csv;
import dev.bookwell.platform.api.Keyset;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.Rfc3339;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Reading the audit trail: an organization's admins (manage_staff) read their organization's, platform admins
 * everyone's. Filters by action, actor, entity and time; newest first in keyset pages; JSON or CSV. Read only: the
 * API has no way to change or delete an entry (and the table refuses both).
 */
final class AuditTrail {

  static final List<String> COLUMNS = List.of("at", "actorId", "organizationId", "action", "entityType", "entityId",
      "before", "after", "clientAddress", "userAgent", "id");

  private final Db db;
  private final EventBus bus;

  AuditTrail(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** GET /v1/organizations/{organizationId}/audit */
  Future<ApiReply> ofOrganization(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_staff)
        .compose(x -> list(request, AUDIT_ENTRY.ORGANIZATION_ID.eq(organizationId)));
  }

  /** GET /v1/admin/audit?organizationId= (platform admins) */
  Future<ApiReply> all(ApiRequest request) {
    if (!request.requireCaller().isAdmin()) {
      return Future.failedFuture(Problem.forbidden("The whole audit trail is for platform admins.").toException());
    }
    String organizationId = request.query().getString("organizationId");
    return list(request, organizationId == null ? DSL.noCondition()
        : AUDIT_ENTRY.ORGANIZATION_ID.eq(UUID.fromString(organizationId)));
  }

  private Future<ApiReply> list(ApiRequest request, Condition scope) {
    JsonObject q = request.query();
    int limit = q.getInteger("limit", 100);
    return db.fetch(Sql.DSL.selectFrom(AUDIT_ENTRY).where(scope).and(filters(q))
            .and(Keyset.after(AUDIT_ENTRY.AT, AUDIT_ENTRY.ID, q.getString("cursor")))
            .orderBy(AUDIT_ENTRY.AT.desc(), AUDIT_ENTRY.ID.desc()).limit(limit + 1))
        .map(rows -> {
          JsonObject page = Page.of(rows, limit, AuditTrail::json, r -> Keyset.cursor(r.getAt(), r.getId()));
          if (!"csv".equals(q.getString("format"))) {
            return ApiReply.ok(page);
          }
          var reply = Csv.reply(Csv.write(COLUMNS, rows.stream().limit(limit).map(AuditTrail::cells).toList()),
              "audit.csv");
          if (page.getString("nextCursor") != null) {
            reply.headers().put("Bookwell-Next-Cursor", page.getString("nextCursor"));
          }
          return reply;
        });
  }

  private static Condition filters(JsonObject q) {
    var conditions = new ArrayList<Condition>();
    if (q.getString("action") != null) {
      String action = q.getString("action");
      // "service" finds every service.* action; "service.updated" just that one
      conditions.add(action.contains(".") ? AUDIT_ENTRY.ACTION.eq(action) : AUDIT_ENTRY.ACTION.startsWith(action + "."));
    }
    if (q.getString("actorId") != null) {
      conditions.add(AUDIT_ENTRY.ACTOR_ID.eq(UUID.fromString(q.getString("actorId"))));
    }
    if (q.getString("entityType") != null) {
      conditions.add(AUDIT_ENTRY.ENTITY_TYPE.eq(q.getString("entityType")));
    }
    if (q.getString("entityId") != null) {
      conditions.add(AUDIT_ENTRY.ENTITY_ID.eq(q.getString("entityId")));
    }
    if (q.getString("from") != null) {
      conditions.add(AUDIT_ENTRY.AT.ge(Rfc3339.parse(q.getString("from"), "query", "from")));
    }
    if (q.getString("to") != null) {
      conditions.add(AUDIT_ENTRY.AT.lt(Rfc3339.parse(q.getString("to"), "query", "to")));
    }
    return DSL.and(conditions);
  }

  private static JsonObject json(AuditEntryRecord r) {
    return new JsonObject().put("id", r.getId().toString()).put("at", r.getAt().toInstant().toString())
        .put("actorId", text(r.getActorId())).put("organizationId", text(r.getOrganizationId()))
        .put("action", r.getAction()).put("entityType", r.getEntityType()).put("entityId", r.getEntityId())
        .put("before", object(r.getBefore())).put("after", object(r.getAfter()))
        .put("clientAddress", r.getClientAddress()).put("userAgent", r.getUserAgent());
  }

  private static List<Object> cells(AuditEntryRecord r) {
    return java.util.Arrays.asList(r.getAt().toInstant().toString(), text(r.getActorId()), text(r.getOrganizationId()),
        r.getAction(), r.getEntityType(), r.getEntityId(), r.getBefore() == null ? null : r.getBefore().data(),
        r.getAfter() == null ? null : r.getAfter().data(), r.getClientAddress(), r.getUserAgent(), r.getId().toString());
  }

  private static String text(UUID id) {
    return id == null ? null : id.toString();
  }

  private static JsonObject object(JSONB value) {
    return value == null ? null : new JsonObject(value.data());
  }
}
