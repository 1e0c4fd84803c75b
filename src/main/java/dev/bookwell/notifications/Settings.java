package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.NOTIFICATION_SETTINGS;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.UUID;

/**
 * An organization's notification settings (manage_availability): how long before the start reminders go out.
 * A change applies to bookings confirmed after it; reminders already scheduled keep their times.
 */
final class Settings {

  private final Db db;
  private final EventBus bus;

  Settings(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** GET /v1/organizations/{organizationId}/notification-settings */
  Future<ApiReply> get(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_availability)
        .compose(x -> db.fetchOptional(Sql.DSL.select(NOTIFICATION_SETTINGS.REMINDER_MINUTES)
            .from(NOTIFICATION_SETTINGS).where(NOTIFICATION_SETTINGS.ORGANIZATION_ID.eq(organizationId))))
        .map(found -> ApiReply.ok(json(found.map(r -> r.value1()).orElse(Reminders.DEFAULT_MINUTES))));
  }

  /** PUT /v1/organizations/{organizationId}/notification-settings {reminderMinutes: [1440, 60]} */
  Future<ApiReply> put(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    Integer[] minutes = request.bodyObject().getJsonArray("reminderMinutes").stream()
        .map(m -> ((Number) m).intValue()).distinct().sorted((a, b) -> b - a).toArray(Integer[]::new);
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_availability)
        .compose(x -> db.update(Sql.DSL.insertInto(NOTIFICATION_SETTINGS)
            .set(NOTIFICATION_SETTINGS.ORGANIZATION_ID, organizationId)
            .set(NOTIFICATION_SETTINGS.REMINDER_MINUTES, minutes)
            .onConflict(NOTIFICATION_SETTINGS.ORGANIZATION_ID).doUpdate()
            .set(NOTIFICATION_SETTINGS.REMINDER_MINUTES, minutes)
            .set(NOTIFICATION_SETTINGS.UPDATED_AT, SqlTime.now())))
        .map(x -> ApiReply.ok(json(minutes)));
  }

  private static JsonObject json(Integer[] minutes) {
    return new JsonObject().put("reminderMinutes", new JsonArray(Arrays.asList(minutes)));
  }
}
