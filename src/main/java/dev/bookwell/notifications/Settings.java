package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.NOTIFICATION_SETTINGS;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.bookwell.db.tables.records.NotificationSettingsRecord;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.impl.DSL;

/**
 * An organization's notification settings (manage_availability): how long before the start reminders go out (a
 * change applies to bookings confirmed after it; reminders already scheduled keep their times), and which booking
 * events its staff may opt in to hear of (each member chooses with the category {@code staff_bookings}).
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
        .compose(x -> of(db, organizationId))
        .map(found -> ApiReply.ok(found.map(Settings::json).orElseGet(() -> json(Reminders.DEFAULT_MINUTES,
            DEFAULT_STAFF_EVENTS))));
  }

  /** An organization's settings, if it set any (else the defaults hold). */
  private static Future<Optional<NotificationSettingsRecord>> of(Sql sql, UUID organizationId) {
    return sql.fetchOptional(SETTINGS, Map.of("organization", organizationId));
  }

  /** Read for the staff who hear of a confirmation or cancellation (once per batch of events): rendered once. */
  private static final Prepared<NotificationSettingsRecord> SETTINGS = Prepared.of(Sql.DSL
      .selectFrom(NOTIFICATION_SETTINGS).where(NOTIFICATION_SETTINGS.ORGANIZATION_ID
          .eq(DSL.param("organization", NOTIFICATION_SETTINGS.ORGANIZATION_ID))));

  /** The booking events an organization's staff may opt in to. */
  static Future<Set<String>> staffEvents(Db db, UUID organizationId) {
    return of(db, organizationId).map(found -> Set.copyOf(Arrays.asList(found
        .map(NotificationSettingsRecord::getStaffEvents).orElse(DEFAULT_STAFF_EVENTS))));
  }

  /**
   * PUT /v1/organizations/{organizationId}/notification-settings {reminderMinutes?: [1440, 60], staffEvents?: [...]}:
   * what is named is replaced, the rest kept.
   */
  Future<ApiReply> put(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject body = request.bodyObject();
    Integer[] minutes = body.getJsonArray("reminderMinutes", new JsonArray(Arrays.asList(Reminders.DEFAULT_MINUTES)))
        .stream().map(m -> ((Number) m).intValue()).distinct().sorted((a, b) -> b - a).toArray(Integer[]::new);
    String[] events = body.getJsonArray("staffEvents", new JsonArray(Arrays.asList(DEFAULT_STAFF_EVENTS))).stream()
        .map(String.class::cast).distinct().sorted().toArray(String[]::new);
    var upsert = Sql.DSL.insertInto(NOTIFICATION_SETTINGS)
        .set(NOTIFICATION_SETTINGS.ORGANIZATION_ID, organizationId)
        .set(NOTIFICATION_SETTINGS.REMINDER_MINUTES, minutes)
        .set(NOTIFICATION_SETTINGS.STAFF_EVENTS, events)
        .onConflict(NOTIFICATION_SETTINGS.ORGANIZATION_ID).doUpdate()
        .set(NOTIFICATION_SETTINGS.UPDATED_AT, SqlTime.now());
    if (body.containsKey("reminderMinutes")) {
      upsert.set(NOTIFICATION_SETTINGS.REMINDER_MINUTES, minutes);
    }
    if (body.containsKey("staffEvents")) {
      upsert.set(NOTIFICATION_SETTINGS.STAFF_EVENTS, events);
    }
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_availability)
        .compose(x -> db.fetchOne(upsert.returning()))
        .map(row -> ApiReply.ok(json(row)));
  }

  private static final String[] DEFAULT_STAFF_EVENTS = {"booking.cancelled", "booking.confirmed"};

  private static JsonObject json(NotificationSettingsRecord row) {
    return json(row.getReminderMinutes(), row.getStaffEvents());
  }

  private static JsonObject json(Integer[] minutes, String[] staffEvents) {
    return new JsonObject().put("reminderMinutes", new JsonArray(Arrays.asList(minutes)))
        .put("staffEvents", new JsonArray(Arrays.asList(staffEvents)));
  }
}
