package dev.bookwell.reviews;

import static dev.bookwell.db.Tables.RATING_SUMMARY;
import static dev.bookwell.db.Tables.REVIEW;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.ReviewSubject;
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

/** Reading reviews: a subject's visible ones with its aggregate (public), an organization's all (staff). */
final class ReviewReads {

  private final Db db;
  private final EventBus bus;

  ReviewReads(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** GET /v1/providers/{providerId}/reviews */
  Future<ApiReply> ofProvider(ApiRequest request) {
    return ofSubject(request, ReviewSubject.provider, UUID.fromString(request.path().getString("providerId")));
  }

  /** GET /v1/courses/{courseId}/reviews */
  Future<ApiReply> ofCourse(ApiRequest request) {
    return ofSubject(request, ReviewSubject.course, UUID.fromString(request.path().getString("courseId")));
  }

  private Future<ApiReply> ofSubject(ApiRequest request, ReviewSubject kind, UUID id) {
    JsonObject q = request.query();
    Condition where = REVIEW.SUBJECT_KIND.eq(kind).and(REVIEW.SUBJECT_ID.eq(id)).and(REVIEW.HIDDEN_AT.isNull());
    return db.fetchOptional(Sql.DSL.selectFrom(RATING_SUMMARY).where(RATING_SUMMARY.SUBJECT_KIND.eq(kind))
            .and(RATING_SUMMARY.SUBJECT_ID.eq(id)))
        .compose(summary -> page(q, where, false).map(page -> page.put("summary",
            Ratings.json(summary.orElse(null)))))
        .map(ApiReply::ok);
  }

  /** GET /v1/organizations/{organizationId}/reviews?hidden= (manage_bookings): with moderation details. */
  Future<ApiReply> ofOrganization(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject q = request.query();
    Condition where = REVIEW.ORGANIZATION_ID.eq(organizationId);
    if (q.getBoolean("hidden") != null) {
      where = where.and(q.getBoolean("hidden") ? REVIEW.HIDDEN_AT.isNotNull() : REVIEW.HIDDEN_AT.isNull());
    }
    Condition scoped = where;
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_bookings)
        .compose(x -> page(q, scoped, true)).map(ApiReply::ok);
  }

  private Future<JsonObject> page(JsonObject q, Condition where, boolean withModeration) {
    int limit = q.getInteger("limit", 20);
    Condition filtered = q.getInteger("stars") == null ? where : where.and(REVIEW.STARS.eq(q.getInteger("stars")));
    return db.fetch(Sql.DSL.selectFrom(REVIEW).where(filtered)
            .and(Keyset.after(REVIEW.CREATED_AT, REVIEW.ID, q.getString("cursor")))
            .orderBy(REVIEW.CREATED_AT.desc(), REVIEW.ID.desc()).limit(limit + 1))
        .map(rows -> Page.of(rows, limit, r -> ReviewJson.of(r, withModeration),
            r -> Keyset.cursor(r.getCreatedAt(), r.getId())));
  }
}
