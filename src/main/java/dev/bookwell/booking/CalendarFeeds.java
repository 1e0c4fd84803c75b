package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.CALENDAR_FEED;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * Private calendar feeds: a client subscribes their calendar to their bookings, a provider to the bookings with
 * them. The feed's URL carries a token (256 random bits; only its digest is kept); making a new feed revokes the old
 * one, and a revoked token answers 404 like an unknown one. A feed holds the bookings from 90 days back to 400
 * days ahead (at most {@link #MAX_EVENTS}); ones that ended early stay as cancelled, so calendars drop them.
 */
final class CalendarFeeds {

  static final int MAX_EVENTS = 1_000;
  /** Reads a feed may have a minute: calendar apps poll every few minutes at most; the token needs no sign-in. */
  static final int READS_PER_MINUTE = 30;

  private final io.vertx.core.Vertx vertx;
  private final Db db;
  private final EventBus bus;
  private final String publicUrl;

  CalendarFeeds(io.vertx.core.Vertx vertx, Db db, String publicUrl) {
    this.vertx = vertx;
    this.db = db;
    this.bus = vertx.eventBus();
    this.publicUrl = publicUrl;
  }

  /** POST /v1/me/calendar-feed: the caller's own feed (a new URL; the old one stops working). */
  Future<ApiReply> createMine(ApiRequest request) {
    Caller caller = request.requireCaller();
    return create("client", caller.userId(), caller);
  }

  /** DELETE /v1/me/calendar-feed */
  Future<ApiReply> revokeMine(ApiRequest request) {
    return revoke("client", request.requireCaller().userId());
  }

  /** POST /v1/providers/{providerId}/calendar-feed: the provider themselves. */
  Future<ApiReply> createProvider(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID providerId = UUID.fromString(request.path().getString("providerId"));
    return requireProvider(caller, providerId).compose(x -> create("provider", providerId, caller));
  }

  /** DELETE /v1/providers/{providerId}/calendar-feed */
  Future<ApiReply> revokeProvider(ApiRequest request) {
    UUID providerId = UUID.fromString(request.path().getString("providerId"));
    return requireProvider(request.requireCaller(), providerId).compose(x -> revoke("provider", providerId));
  }

  /** Revokes every feed of {@code userId}: their own, and the provider feeds they made. */
  static Future<Integer> revokeAllOf(Db db, UUID userId) {
    return db.update(Sql.DSL.update(CALENDAR_FEED).set(CALENDAR_FEED.REVOKED_AT, SqlTime.now())
        .where(CALENDAR_FEED.OWNER_KIND.eq("client").and(CALENDAR_FEED.OWNER_ID.eq(userId))
            .or(CALENDAR_FEED.CREATED_BY.eq(userId)))
        .and(CALENDAR_FEED.REVOKED_AT.isNull()));
  }

  /** GET /v1/calendar/{token}: public, the token is the key; text/calendar. */
  Future<ApiReply> read(ApiRequest request) {
    byte[] hash = SecretTokens.digest(request.path().getString("token"));
    return db.fetchOptional(Sql.DSL.selectFrom(CALENDAR_FEED).where(CALENDAR_FEED.TOKEN_HASH.eq(hash))
            .and(CALENDAR_FEED.REVOKED_AT.isNull()))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No such calendar feed.").toException()))
        .compose(feed -> RateLimits.hit(db, "calendar-feed", feed.getId().toString(), READS_PER_MINUTE,
                "reads of this feed")
            .map(feed))
        .compose(feed -> db.fetch(Sql.DSL.selectFrom(BOOKING)
                .where(feed.getOwnerKind().equals("client") ? BOOKING.USER_ID.eq(feed.getOwnerId())
                    : BOOKING.PROVIDER_ID.eq(feed.getOwnerId()))
                .and(BOOKING.STATUS.notIn(BookingStatus.held, BookingStatus.expired))
                .and(BOOKING.STARTS_AT.between(OffsetDateTime.now().minusDays(90), OffsetDateTime.now().plusDays(400)))
                .orderBy(BOOKING.STARTS_AT).limit(MAX_EVENTS))
            // written on a worker: a thousand events take 15-45 ms, which the booking area's event loop (its holds
            // among them) would otherwise wait for on every read
            .compose(bookings -> vertx.executeBlocking(() -> Ics.feed(feed.getOwnerKind().equals("client")
                ? "My bookings" : "Bookings with me", bookings), false))
            .map(ics -> new ApiReply(200, ics, new JsonObject().put("Content-Type", "text/calendar; charset=utf-8")
                .put("Cache-Control", "private, max-age=300"))));
  }

  private Future<ApiReply> create(String kind, UUID owner, Caller caller) {
    String token = SecretTokens.newToken();
    // an account that can still sign in: an access token outlives a deletion by its 15 minutes, and a feed made
    // with it after the deletion's feeds were revoked would have answered for ever
    return IdentityClient.contact(bus, caller.userId()).compose(active -> db.transaction(tx -> tx.update(Sql.DSL.update(CALENDAR_FEED).set(CALENDAR_FEED.REVOKED_AT, SqlTime.now())
            .where(CALENDAR_FEED.OWNER_KIND.eq(kind)).and(CALENDAR_FEED.OWNER_ID.eq(owner))
            .and(CALENDAR_FEED.REVOKED_AT.isNull()))
        .compose(x -> tx.update(Sql.DSL.insertInto(CALENDAR_FEED).set(CALENDAR_FEED.OWNER_KIND, kind)
            .set(CALENDAR_FEED.OWNER_ID, owner).set(CALENDAR_FEED.TOKEN_HASH, SecretTokens.digest(token))
            .set(CALENDAR_FEED.CREATED_BY, caller.userId())))))
        .map(x -> ApiReply.created(new JsonObject().put("url", publicUrl + "/v1/calendar/" + token)
            .put("token", token), "/v1/calendar/" + token));
  }

  private Future<ApiReply> revoke(String kind, UUID owner) {
    return db.update(Sql.DSL.update(CALENDAR_FEED).set(CALENDAR_FEED.REVOKED_AT, SqlTime.now())
            .where(CALENDAR_FEED.OWNER_KIND.eq(kind)).and(CALENDAR_FEED.OWNER_ID.eq(owner))
            .and(CALENDAR_FEED.REVOKED_AT.isNull()))
        .map(x -> ApiReply.noContent());
  }

  /** The provider's own account only (staff see bookings in the API; a feed is personal). 404 to others. */
  private Future<Void> requireProvider(Caller caller, UUID providerId) {
    return SchedulingClient.noticeFacts(bus, null, providerId).map(facts -> {
      var provider = facts.getJsonObject("provider");
      if (provider == null || !caller.userId().toString().equals(provider.getString("userId"))) {
        throw Problem.notFound("No provider " + providerId + " of yours.").toException();
      }
      return null;
    });
  }
}
