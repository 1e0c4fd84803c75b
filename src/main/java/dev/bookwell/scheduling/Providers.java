package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.enums.ProviderStatus;
import dev.bookwell.db.tables.records.ProviderRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.reviews.ReviewsClient;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Cursor;
import dev.bookwell.platform.db.SqlPatch;
import dev.bookwell.platform.api.ETags;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.TimeZones;
import dev.bookwell.platform.api.Rfc3339;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * Provider profiles and their approval workflow: {@code pending_approval -> approved | rejected}, then
 * {@code approved -> active}, and {@code active <-> suspended}. Only active providers are public and bookable.
 */
final class Providers {

  private final Db db;
  private final Regeneration regeneration;

  Providers(Db db, Regeneration regeneration) {
    this.db = db;
    this.regeneration = regeneration;
  }

  /** The provider's own decisions: the provider, or a platform admin; anyone else gets 403 with {@code refusal}. */
  static Future<Void> requireThemselves(Sql sql, Caller caller, UUID providerId, String refusal) {
    return userOf(sql, providerId).map(userId -> {
      if (!userId.equals(caller.userId()) && !caller.isAdmin()) {
        throw Problem.forbidden(refusal).toException();
      }
      return null;
    });
  }

  /** The account behind a provider profile; 404 when there is no such (undeleted) provider. */
  static Future<UUID> userOf(Sql sql, UUID providerId) {
    return sql.fetchOptional(Sql.DSL.select(PROVIDER.USER_ID).from(PROVIDER).where(PROVIDER.ID.eq(providerId))
            .and(PROVIDER.DELETED_AT.isNull()))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No provider " + providerId + ".").toException())
            .value1());
  }

  /** POST /v1/providers: the caller's own provider profile, pending approval. */
  Future<ApiReply> create(ApiRequest request) {
    Caller caller = request.requireCaller();
    JsonObject body = request.bodyObject();
    String timezone = TimeZones.require(body.getString("timezone"), "timezone");
    return Idempotency.once(db, request, tx -> tx.fetchOne(Sql.DSL.insertInto(PROVIDER)
                .set(PROVIDER.USER_ID, caller.userId())
                .set(PROVIDER.DISPLAY_NAME, body.getString("displayName"))
                .set(PROVIDER.BIO, body.getString("bio", ""))
                .set(PROVIDER.SPECIALTIES, Json.strings(body.getJsonArray("specialties")))
                .set(PROVIDER.LANGUAGES, Json.strings(body.getJsonArray("languages")))
                .set(PROVIDER.PHOTO_URL, body.getString("photoUrl"))
                .set(PROVIDER.TIMEZONE, timezone)
                .returning())
            .compose(p -> Outbox.append(tx, "scheduling.provider_created", "provider", p.getId(),
                new JsonObject().put("providerId", p.getId().toString()).put("userId", caller.userId().toString()))
                .map(ApiReply.created(toJson(p, null), "/v1/providers/" + p.getId()))))
        .recover(e -> Future.failedFuture(PgErrors.is(e, PgErrors.UNIQUE)
            ? Problem.of("provider-exists", 409, "Provider exists", "This account already has a provider profile.")
                .toException() : e));
  }

  /** Approved only with every platform requirement met (an approved, unexpired document each). */
  Future<ApiReply> approve(ApiRequest request) {
    if (!request.requireCaller().isAdmin()) {  // who may ask first: nobody else learns what is missing
      throw Problem.forbidden("Only a platform admin may approve, reject or suspend providers.").toException();
    }
    return Requirements.requireMet(db, providerId(request), null)
        .compose(x -> decide(request, EnumSet.of(ProviderStatus.pending_approval), ProviderStatus.approved, true));
  }

  Future<ApiReply> reject(ApiRequest request) {
    return decide(request, EnumSet.of(ProviderStatus.pending_approval), ProviderStatus.rejected, true);
  }

  Future<ApiReply> suspend(ApiRequest request) {
    return decide(request, EnumSet.of(ProviderStatus.approved, ProviderStatus.active), ProviderStatus.suspended,
        true);
  }

  /** The provider goes live once approved; after a suspension only an admin brings them back. */
  /**
   * PATCH /v1/providers/{providerId}: the provider (or a platform admin) changes the public profile, JSON merge.
   * The time zone stays: weekly hours were written in it.
   */
  Future<ApiReply> patch(ApiRequest request) {
    UUID id = providerId(request);
    JsonObject body = request.bodyObject();
    return requireThemselves(db, request.requireCaller(), id, "Only the provider or a platform admin may change it.")
        .compose(x -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.select(PROVIDER.fields()).select(NEXT_AVAILABLE)
                .from(PROVIDER).where(PROVIDER.ID.eq(id)).and(PROVIDER.DELETED_AT.isNull())
                .forNoKeyUpdate().of(PROVIDER))
            .compose(found -> {
              var current = found.orElseThrow(() -> Problem.notFound("No provider " + id + ".").toException());
              var next = current.get(NEXT_AVAILABLE);
              ETags.requireMatch(request, toJson(current.into(PROVIDER), null));  // the profile's version, as GET tags it
              return tx.fetchOne(SqlPatch.of(PROVIDER, PROVIDER.ID)
                  .merge(body, "displayName", PROVIDER.DISPLAY_NAME, body.getString("displayName"))
                  .merge(body, "bio", PROVIDER.BIO, body.getString("bio", ""))
                  .merge(body, "specialties", PROVIDER.SPECIALTIES, Json.strings(body.getJsonArray("specialties")))
                  .merge(body, "languages", PROVIDER.LANGUAGES, Json.strings(body.getJsonArray("languages")))
                  .merge(body, "photoUrl", PROVIDER.PHOTO_URL, body.getString("photoUrl"))
                  .merge(body, "video", PROVIDER.VIDEO_MODE, video(body).getString("mode"))
                  .merge(body, "video", PROVIDER.VIDEO_URL, video(body).getString("url"))
                  .update().where(PROVIDER.ID.eq(id)).returning())
                  .map(updated -> toJson(updated, next));
            })))
        .map(ApiReply::ok);
  }

  /**
   * The video configuration asked for, checked: a fixed room needs its URL; a generated one's template holds
   * {room} (Jitsi's public server when none is given).
   */
  private static JsonObject video(JsonObject body) {
    JsonObject video = body.getJsonObject("video", new JsonObject().put("mode", "none"));
    String mode = video.getString("mode");
    String url = video.getString("url");
    if (mode.equals("fixed") && url == null) {
      throw Json.invalid("video.url", "a fixed room needs its URL");
    }
    if (mode.equals("generated")) {
      url = url == null ? "https://meet.jit.si/{room}" : url;
      if (!url.contains("{room}")) {
        throw Json.invalid("video.url", "a template for generated rooms holds {room}");
      }
    }
    return new JsonObject().put("mode", mode).put("url", mode.equals("none") ? null : url);
  }

  Future<ApiReply> activate(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID id = providerId(request);
    return userOf(db, id)
        .compose(userId -> {
          if (!userId.equals(caller.userId()) && !caller.isAdmin()) {
            throw Problem.forbidden("Only the provider or a platform admin may activate this profile.").toException();
          }
          Set<ProviderStatus> from = caller.isAdmin()
              ? EnumSet.of(ProviderStatus.approved, ProviderStatus.suspended) : EnumSet.of(ProviderStatus.approved);
          return transition(request, id, from, ProviderStatus.active, null, false);
        });
  }

  private Future<ApiReply> decide(ApiRequest request, Set<ProviderStatus> from, ProviderStatus to,
                                  boolean adminOnly) {
    Caller caller = request.requireCaller();
    if (adminOnly && !caller.isAdmin()) {
      throw Problem.forbidden("Only a platform admin may approve, reject or suspend providers.").toException();
    }
    return transition(request, providerId(request), from, to, request.bodyObject().getString("note"), true);
  }

  /** Moves the status forward in one guarded statement; 409 names the current state when the move is illegal. */
  private Future<ApiReply> transition(ApiRequest request, UUID id, Set<ProviderStatus> from, ProviderStatus to,
                                      String note, boolean recordDecision) {
    Caller caller = request.requireCaller();
    var update = Sql.DSL.update(PROVIDER).set(PROVIDER.STATUS, to);
    if (recordDecision) {
      update.set(PROVIDER.DECIDED_BY, caller.userId()).set(PROVIDER.DECIDED_AT, SqlTime.now())
          .set(PROVIDER.DECISION_NOTE, note);
    }
    return db.transaction(tx -> tx.fetchOptional(update.where(PROVIDER.ID.eq(id)).and(PROVIDER.STATUS.in(from))
                .and(PROVIDER.DELETED_AT.isNull()).returning())
            .compose(updated -> {
              if (updated.isPresent()) {
                return slotsFollow(tx, id, to)
                    .compose(x -> Audit.record(tx, request, Audit.Entry.of(null, "provider." + to.getLiteral(),
                        "provider", id).after(new JsonObject().put("status", to.getLiteral()).put("note", note))))
                    .compose(x -> Outbox.append(tx, "scheduling.provider_" + to.getLiteral(), "provider", id,
                        new JsonObject().put("providerId", id.toString()).put("by", caller.userId().toString())
                            .put("note", note)))
                    .map(updated.get());
              }
              return tx.fetchOptional(Sql.DSL.select(PROVIDER.STATUS).from(PROVIDER).where(PROVIDER.ID.eq(id)))
                  .map(current -> {
                    throw (current.isEmpty() ? Problem.notFound("No provider " + id + ".")
                        : Problem.of("illegal-transition", 409, "Illegal status change", "The provider is "
                            + current.get().value1().getLiteral() + "; it cannot become " + to.getLiteral() + "."))
                        .toException();
                  });
            }))
        .map(p -> ApiReply.ok(toJson(p, null)));
  }

  /**
   * Only an active provider has slots: going live generates them in every organization the provider works for;
   * a suspension removes the free future ones (held and booked slots stay for their bookings).
   */
  private Future<?> slotsFollow(Sql tx, UUID providerId, ProviderStatus to) {
    return switch (to) {
      case active -> regeneration.regenerateAll(tx, providerId);
      case suspended -> Slots.removeUntouched(tx, providerId, null);
      default -> Future.succeededFuture();
    };
  }

  /** GET /v1/providers: active providers, filtered, with their next available slot; cursor-paginated by name. */
  Future<ApiReply> list(ApiRequest request) {
    JsonObject query = request.query();
    int limit = query.getInteger("limit", 20);
    var conditions = new ArrayList<Condition>(publiclyVisible());
    if (query.getString("specialty") != null) {
      conditions.add(DSL.field("{0} @> {1}", Boolean.class, PROVIDER.SPECIALTIES,
          DSL.val(new String[] {query.getString("specialty")}, PROVIDER.SPECIALTIES)).isTrue());
    }
    if (query.getString("language") != null) {
      conditions.add(DSL.field("{0} @> {1}", Boolean.class, PROVIDER.LANGUAGES,
          DSL.val(new String[] {query.getString("language")}, PROVIDER.LANGUAGES)).isTrue());
    }
    if (query.getString("organizationId") != null) {
      conditions.add(DSL.exists(Sql.DSL.selectOne().from(PROVIDER_ORGANIZATION)
          .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(PROVIDER.ID))
          .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(UUID.fromString(query.getString("organizationId"))))
          .and(PROVIDER_ORGANIZATION.STATUS.eq(ProviderLinkStatus.active))));
    }
    if (query.getValue("minRating") instanceof Number min) {
      conditions.add(PROVIDER.RATING_AVERAGE.ge(new java.math.BigDecimal(min.toString())));
    }
    boolean byRating = "rating".equals(query.getString("sort"));
    // best rated first (unrated last), or by name; the id breaks ties, and the cursor names both. The expression is
    // the index provider_rating's, with the zero inlined so that the planner matches it.
    Field<java.math.BigDecimal> rating = DSL.coalesce(PROVIDER.RATING_AVERAGE, DSL.inline(java.math.BigDecimal.ZERO));
    Field<java.math.BigDecimal> ratingKey = rating.as("rating_key");
    if (query.getString("cursor") != null) {
      Cursor cursor = Cursor.decode(query.getString("cursor"));
      conditions.add(byRating
          ? rating.lt(cursor.decimal()).or(rating.eq(cursor.decimal()).and(PROVIDER.ID.gt(cursor.uuid())))
          : DSL.row(PROVIDER.DISPLAY_NAME, PROVIDER.ID).gt(DSL.row(DSL.val(cursor.key()), DSL.val(cursor.uuid()))));
    }
    Field<OffsetDateTime> next = NEXT_AVAILABLE;
    return db.fetch(Sql.DSL.select(PROVIDER.fields()).select(next, ratingKey).from(PROVIDER).where(conditions)
            .orderBy(byRating ? List.of(rating.desc(), PROVIDER.ID.asc()) : List.of(PROVIDER.DISPLAY_NAME.asc(),
                PROVIDER.ID.asc())).limit(limit + 1))
        .map(rows -> ApiReply.ok(Page.of(rows, limit, r -> toJson(r.into(PROVIDER), r.get(next)),
            r -> new Cursor(byRating ? r.get(ratingKey).toPlainString() : r.get(PROVIDER.DISPLAY_NAME),
                r.get(PROVIDER.ID).toString()))));
  }

  /** GET /v1/providers/{providerId}: public for active providers; the provider and admins see any state. */
  Future<ApiReply> get(ApiRequest request) {
    UUID id = providerId(request);
    Caller caller = request.callerOrNull();
    Field<OffsetDateTime> next = NEXT_AVAILABLE;
    return db.fetchOptional(Sql.DSL.select(PROVIDER.fields()).select(next).from(PROVIDER).where(PROVIDER.ID.eq(id))
            .and(PROVIDER.DELETED_AT.isNull()))
        .map(found -> {
          var provider = found.map(r -> r.into(PROVIDER)).filter(p -> p.getStatus() == ProviderStatus.active
              || caller != null && (caller.isAdmin() || caller.userId().equals(p.getUserId()))).orElseThrow(
              () -> Problem.notFound("No provider " + id + ".").toException());
          // The profile's version, not the derived next start (which moves with bookings and the clock): a weak tag
          // that If-Match on PATCH compares, so an untouched profile is never "changed meanwhile".
          return new ApiReply(200, toJson(provider, found.get().get(next)),
              new JsonObject().put("ETag", "W/" + ETags.of(toJson(provider, null))));
        });
  }

  static List<Condition> publiclyVisible() {
    return List.of(PROVIDER.STATUS.eq(ProviderStatus.active), PROVIDER.DELETED_AT.isNull());
  }

  /** The provider's next bookable start, as a field of the provider row in scope. */
  private static final Field<OffsetDateTime> NEXT_AVAILABLE = Sql.DSL.select(DSL.min(SLOT.STARTS_AT)).from(SLOT)
      .join(SERVICE).on(SERVICE.ID.eq(SLOT.SERVICE_ID))
      .where(SLOT.PROVIDER_ID.eq(PROVIDER.ID)).and(Bookable.slotInWindow()).and(Bookable.hasTakeableSeat())
      .asField("next_available_at");

  private static UUID providerId(ApiRequest request) {
    return UUID.fromString(request.path().getString("providerId"));
  }

  static JsonObject toJson(ProviderRecord p, OffsetDateTime nextAvailable) {
    return new JsonObject()
        .put("id", p.getId().toString())
        .put("userId", p.getUserId().toString())
        .put("displayName", p.getDisplayName())
        .put("bio", p.getBio())
        .put("specialties", new JsonArray(List.of(p.getSpecialties())))
        .put("languages", new JsonArray(List.of(p.getLanguages())))
        .put("photoUrl", p.getPhotoUrl())
        .put("timezone", p.getTimezone())
        .put("status", p.getStatus().getLiteral())
        .put("decidedAt", Rfc3339.format(p.getDecidedAt()))
        .put("nextAvailableAt", Rfc3339.format(nextAvailable))
        .put("rating", ReviewsClient.json(p.getRatingAverage(), p.getRatingCount()))
        .put("videoMode", p.getVideoMode());  // never the room: that is for the provider's bookings
  }
}
