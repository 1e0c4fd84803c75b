package dev.bookwell.scheduling;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Cursor;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.impl.DSL;

/** An organization's live (not removed) venues or services, by name then id, in keyset pages. */
record ByName<R extends Record>(Table<R> table, TableField<R, UUID> organization, TableField<R, OffsetDateTime> deletedAt,
                                TableField<R, String> name, TableField<R, UUID> id, Function<R, JsonObject> toJson) {

  /** GET /v1/organizations/{organizationId}/...?limit=&cursor= */
  Future<ApiReply> list(Sql sql, ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    int limit = request.query().getInteger("limit", 50);
    var where = organization.eq(organizationId).and(deletedAt.isNull());
    if (request.query().getString("cursor") != null) {
      Cursor cursor = Cursor.decode(request.query().getString("cursor"));
      where = where.and(DSL.row(name, id).gt(DSL.row(DSL.val(cursor.key()), DSL.val(cursor.uuid()))));
    }
    return sql.fetch(Sql.DSL.selectFrom(table).where(where).orderBy(name, id).limit(limit + 1))
        .map(rows -> ApiReply.ok(Page.of(rows, limit, toJson, r -> new Cursor(r.get(name), r.get(id).toString()))));
  }
}
