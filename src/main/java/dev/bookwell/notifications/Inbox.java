package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.NOTIFICATION;

import dev.bookwell.db.tables.records.NotificationRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Cursor;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.impl.DSL;

/**
 * In-app notifications: written with the event's other messages (once per person and event), read by their
 * person only. Pages list unread ones first, newest first within each; the cursor carries read flag, time and id.
 */
final class Inbox {

  private final Db db;

  Inbox(Db db) {
    this.db = db;
  }

  /** Writes a notification for a person (inside the event's transaction); a repeat of the event writes nothing. */
  static Future<Void> add(Sql tx, UUID userId, UUID eventId, String category, String title, String message,
                          String link) {
    return tx.update(Sql.DSL.insertInto(NOTIFICATION).set(NOTIFICATION.USER_ID, userId)
        .set(NOTIFICATION.EVENT_ID, eventId).set(NOTIFICATION.CATEGORY, category).set(NOTIFICATION.TITLE, title)
        .set(NOTIFICATION.MESSAGE, message).set(NOTIFICATION.LINK, link).onConflictDoNothing()).mapEmpty();
  }

  /** GET /v1/me/notifications?limit=&cursor=&unread= */
  Future<ApiReply> list(ApiRequest request) {
    Caller caller = request.requireCaller();
    int limit = request.query().getInteger("limit", 50);
    Condition where = NOTIFICATION.USER_ID.eq(caller.userId());
    if (request.query().getBoolean("unread", false)) {
      where = where.and(NOTIFICATION.IS_READ.isFalse());
    }
    if (request.query().getString("cursor") != null) {
      Cursor cursor = Cursor.decode(request.query().getString("cursor"));
      String[] key = cursor.key().split(" ", 2);  // "<read> <createdAt>"
      boolean read = Boolean.parseBoolean(key[0]);
      OffsetDateTime at = new Cursor(key.length > 1 ? key[1] : "", cursor.id()).time();
      where = where.and(NOTIFICATION.IS_READ.gt(read).or(NOTIFICATION.IS_READ.eq(read)
          .and(DSL.row(NOTIFICATION.CREATED_AT, NOTIFICATION.ID).lt(DSL.row(DSL.val(at), DSL.val(cursor.uuid()))))));
    }
    return db.fetch(Sql.DSL.selectFrom(NOTIFICATION).where(where)
            .orderBy(NOTIFICATION.IS_READ, NOTIFICATION.CREATED_AT.desc(), NOTIFICATION.ID.desc()).limit(limit + 1))
        .map(rows -> ApiReply.ok(Page.of(rows, limit, Inbox::toJson,
            n -> new Cursor(n.getIsRead() + " " + n.getCreatedAt(), n.getId().toString()))));
  }

  /** GET /v1/me/notifications/unread-count */
  Future<ApiReply> unreadCount(ApiRequest request) {
    return db.fetchOne(Sql.DSL.selectCount().from(NOTIFICATION)
            .where(NOTIFICATION.USER_ID.eq(request.requireCaller().userId())).and(NOTIFICATION.IS_READ.isFalse()))
        .map(count -> ApiReply.ok(new JsonObject().put("unread", count.value1())));
  }

  /** POST /v1/me/notifications/{notificationId}/read: only one's own; another person's is 404. */
  Future<ApiReply> markRead(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("notificationId"));
    return db.fetchOptional(Sql.DSL.update(NOTIFICATION).set(NOTIFICATION.IS_READ, true)
            .where(NOTIFICATION.ID.eq(id)).and(NOTIFICATION.USER_ID.eq(request.requireCaller().userId())).returning())
        .map(found -> ApiReply.ok(toJson(found.orElseThrow(() -> Problem.notFound("No notification " + id + ".")
            .toException()))));
  }

  /** POST /v1/me/notifications/read-all */
  Future<ApiReply> markAllRead(ApiRequest request) {
    return db.update(Sql.DSL.update(NOTIFICATION).set(NOTIFICATION.IS_READ, true)
            .where(NOTIFICATION.USER_ID.eq(request.requireCaller().userId())).and(NOTIFICATION.IS_READ.isFalse()))
        .map(changed -> ApiReply.ok(new JsonObject().put("marked", changed)));
  }

  static JsonObject toJson(NotificationRecord n) {
    return new JsonObject()
        .put("id", n.getId().toString())
        .put("category", n.getCategory())
        .put("title", n.getTitle())
        .put("message", n.getMessage())
        .put("link", n.getLink())
        .put("read", n.getIsRead())
        .put("createdAt", n.getCreatedAt().toInstant().toString());
  }
}
