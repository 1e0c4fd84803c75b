package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.EMAIL_UNSUBSCRIBE;
import static dev.bookwell.db.Tables.NOTIFICATION_PREFERENCE;

import dev.bookwell.identity.IdentityClient;
import io.vertx.core.eventbus.EventBus;
import java.util.stream.Collectors;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Which channels each category of message goes to, per person: the defaults below, overridden category by category
 * ({@code GET/PUT /v1/me/notification-preferences}). Account mail (resets, invitations) always goes out by email;
 * guests get email only.
 */
final class Preferences {

  static final String EMAIL = "email";
  static final String IN_APP = "in_app";
  static final String SMS = "sms";
  static final String PUSH = "push";

  /** Every category and its default channels. Staff hear of the organization's bookings only when they opt in. */
  static final Map<String, Set<String>> DEFAULTS = Map.of(
      "account", Set.of(EMAIL),
      "booking", Set.of(EMAIL, IN_APP),
      "reminder", Set.of(EMAIL),
      "payment", Set.of(EMAIL, IN_APP),
      "provider", Set.of(EMAIL, IN_APP),
      "provider_bookings", Set.of(EMAIL, IN_APP),
      "staff_bookings", Set.of(),
      "waitlist", Set.of(EMAIL, IN_APP),
      "learning", Set.of(EMAIL, IN_APP));
  /** Their email always goes out, whatever the preferences. */
  static final Set<String> ESSENTIAL = Set.of("account");
  /** Mail one may leave with one click (RFC 8058 List-Unsubscribe); the rest is about one's own bookings and money. */
  static final Set<String> UNSUBSCRIBABLE = Set.of("reminder", "provider_bookings", "staff_bookings");

  /** Channels in the order answers list them. */
  private static final List<String> ORDER = List.of(EMAIL, IN_APP, SMS, PUSH);

  private final Db db;
  private final EventBus bus;

  Preferences(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /**
   * GET /v1/me/notification-preferences: email of a category left with one click (by address) shows as off.
   */
  Future<ApiReply> get(ApiRequest request) {
    UUID userId = request.requireCaller().userId();
    return IdentityClient.contact(bus, userId).compose(contact -> db.transaction(tx -> tx.fetchOptional(Sql.DSL
                .select(NOTIFICATION_PREFERENCE.CHANNELS).from(NOTIFICATION_PREFERENCE)
                .where(NOTIFICATION_PREFERENCE.USER_ID.eq(userId)))
            .compose(found -> answer(tx, contact.getString("email"), overrides(found.map(r -> r.value1()))))))
        .map(ApiReply::ok);
  }

  /**
   * PUT /v1/me/notification-preferences {channels: {category: [channel...]}}: the categories named are replaced
   * (jsonb {@code ||} merges them into what was set before, in one statement). Choosing email again for a category
   * left with one click takes the address off that list.
   */
  Future<ApiReply> put(ApiRequest request) {
    UUID userId = request.requireCaller().userId();
    JsonObject named = request.bodyObject().getJsonObject("channels");
    var mailedAgain = named.fieldNames().stream().filter(category -> named.getJsonArray(category).contains(EMAIL))
        .toList();
    return IdentityClient.contact(bus, userId).compose(contact -> db.transaction(tx -> tx.fetchOne(Sql.DSL
                .insertInto(NOTIFICATION_PREFERENCE)
                .set(NOTIFICATION_PREFERENCE.USER_ID, userId)
                .set(NOTIFICATION_PREFERENCE.CHANNELS, JSONB.valueOf(named.encode()))
                .onConflict(NOTIFICATION_PREFERENCE.USER_ID).doUpdate()
                .set(NOTIFICATION_PREFERENCE.CHANNELS, DSL.field("{0} || {1}",
                    NOTIFICATION_PREFERENCE.CHANNELS.getDataType(), NOTIFICATION_PREFERENCE.CHANNELS,
                    DSL.val(JSONB.valueOf(named.encode()))))
                .set(NOTIFICATION_PREFERENCE.UPDATED_AT, SqlTime.now())
                .returning(NOTIFICATION_PREFERENCE.CHANNELS))
            .compose(row -> tx.update(Sql.DSL.deleteFrom(EMAIL_UNSUBSCRIBE)
                    .where(EMAIL_UNSUBSCRIBE.ADDRESS.eq(Unsubscribes.normal(contact.getString("email"))))
                    .and(EMAIL_UNSUBSCRIBE.CATEGORY.in(mailedAgain)))
                .compose(x -> answer(tx, contact.getString("email"), overrides(Optional.of(row.getChannels())))))))
        .map(ApiReply::ok);
  }

  private static Future<JsonObject> answer(Sql tx, String email, JsonObject overrides) {
    return tx.fetch(Sql.DSL.select(EMAIL_UNSUBSCRIBE.CATEGORY).from(EMAIL_UNSUBSCRIBE)
            .where(EMAIL_UNSUBSCRIBE.ADDRESS.eq(Unsubscribes.normal(email))))
        .map(left -> json(overrides, left.stream().map(r -> r.value1()).collect(Collectors.toSet())));
  }

  /**
   * The channels a message of {@code category} goes to for this person (inside the event's transaction). Guests
   * ({@code userId} null): email, if the category mails by default.
   */
  static Future<Set<String>> channels(Sql tx, UUID userId, String category) {
    if (userId == null) {
      return Future.succeededFuture(DEFAULTS.get(category).contains(EMAIL) || ESSENTIAL.contains(category)
          ? Set.of(EMAIL) : Set.of());
    }
    return tx.fetchOptional(Sql.DSL.select(NOTIFICATION_PREFERENCE.CHANNELS).from(NOTIFICATION_PREFERENCE)
            .where(NOTIFICATION_PREFERENCE.USER_ID.eq(userId)))
        .map(found -> effective(overrides(found.map(r -> r.value1())), category));
  }

  /**
   * Of {@code userIds}, those who chose at least one channel for {@code category} themselves (one query): for a
   * category off by default, who to consider at all.
   */
  static Future<Set<UUID>> optedIn(Db db, List<UUID> userIds, String category) {
    return userIds.isEmpty() ? Future.succeededFuture(Set.of())
        : db.fetch(Sql.DSL.select(NOTIFICATION_PREFERENCE.USER_ID).from(NOTIFICATION_PREFERENCE)
                .where(NOTIFICATION_PREFERENCE.USER_ID.in(userIds))
                .and(DSL.condition("jsonb_array_length(coalesce({0} -> {1}, '[]'::jsonb)) > 0",
                    NOTIFICATION_PREFERENCE.CHANNELS, DSL.val(category))))
            .map(rows -> rows.stream().map(r -> r.value1()).collect(Collectors.toSet()));
  }

  private static Set<String> effective(JsonObject overrides, String category) {
    JsonArray set = overrides.getJsonArray(category);
    var chosen = new LinkedHashSet<String>();
    for (String channel : ORDER) {
      if (set == null ? DEFAULTS.get(category).contains(channel) : set.contains(channel)
          || channel.equals(EMAIL) && ESSENTIAL.contains(category)) {
        chosen.add(channel);
      }
    }
    return chosen;
  }

  private static JsonObject overrides(Optional<JSONB> stored) {
    return stored.map(json -> new JsonObject(json.data())).orElseGet(JsonObject::new);
  }

  private static JsonObject json(JsonObject overrides, Set<String> unsubscribed) {
    var channels = new JsonObject();
    new TreeMap<>(DEFAULTS).keySet().forEach(category -> {
      var chosen = new LinkedHashSet<>(effective(overrides, category));
      if (unsubscribed.contains(category)) {
        chosen.remove(EMAIL);
      }
      channels.put(category, new JsonArray(List.copyOf(chosen)));
    });
    return new JsonObject().put("channels", channels).put("essential", new JsonArray(List.copyOf(ESSENTIAL)));
  }
}
