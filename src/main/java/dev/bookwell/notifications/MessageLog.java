package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;

import dev.bookwell.db.enums.MessageStatus;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.OutgoingMessageRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Keyset;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.impl.DSL;

/**
 * An organization's message log (manage_bookings): every email, SMS and push about its bookings and invitations,
 * newest first, in keyset pages; only its own rows (the organization is a column of each row).
 */
final class MessageLog {

  private final Db db;
  private final EventBus bus;

  MessageLog(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** GET /v1/organizations/{organizationId}/messages?status=&channel=&limit=&cursor= */
  Future<ApiReply> list(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    int limit = request.query().getInteger("limit", 50);
    Condition where = OUTGOING_MESSAGE.ORGANIZATION_ID.eq(organizationId);
    String status = request.query().getString("status");
    if (status != null) {
      where = where.and(OUTGOING_MESSAGE.STATUS.eq(MessageStatus.lookupLiteral(status)));
    }
    if (request.query().getString("channel") != null) {
      where = where.and(OUTGOING_MESSAGE.CHANNEL.eq(request.query().getString("channel")));
    }
    where = where.and(Keyset.after(OUTGOING_MESSAGE.CREATED_AT, OUTGOING_MESSAGE.ID,
        request.query().getString("cursor")));
    var query = Sql.DSL.selectFrom(OUTGOING_MESSAGE).where(where)
        .orderBy(OUTGOING_MESSAGE.CREATED_AT.desc(), OUTGOING_MESSAGE.ID.desc()).limit(limit + 1);
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_bookings)
        .compose(x -> db.fetch(query))
        .map(rows -> ApiReply.ok(Page.of(rows, limit, MessageLog::json,
            m -> Keyset.cursor(m.getCreatedAt(), m.getId()))));
  }

  /**
   * Who it went to, as staff may see it: an email address (the organization's own correspondence), but only the
   * last digits of a phone number and never an account id (push).
   */
  private static String recipient(OutgoingMessageRecord m) {
    String to = m.getRecipient();
    return switch (m.getChannel()) {
      case Preferences.SMS -> "*".repeat(Math.max(0, to.length() - 3)) + to.substring(Math.max(0, to.length() - 3));
      case Preferences.PUSH -> "(the account's devices)";
      default -> to;
    };
  }

  private static JsonObject json(OutgoingMessageRecord m) {
    return new JsonObject()
        .put("id", m.getId().toString())
        .put("channel", m.getChannel())
        .put("category", m.getCategory())
        .put("template", m.getTemplate())
        .put("recipient", recipient(m))
        .put("locale", m.getLocale())
        .put("status", m.getStatus().getLiteral())
        .put("attempts", m.getAttempts())
        .put("lastError", m.getLastError())
        .put("createdAt", m.getCreatedAt().toInstant().toString())
        .put("sentAt", m.getSentAt() == null ? null : m.getSentAt().toInstant().toString());
  }
}
