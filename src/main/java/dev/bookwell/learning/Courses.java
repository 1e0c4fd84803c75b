package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE;
import static dev.bookwell.db.Tables.COURSE_PROVIDER;
import static dev.bookwell.db.Tables.LESSON;

import dev.bookwell.db.enums.CourseKind;
import dev.bookwell.db.enums.CourseLevel;
import dev.bookwell.db.enums.CourseStatus;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.CourseRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Keyset;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.InOrder;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlPatch;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;

/**
 * Courses of an organization: created as drafts, changed, published (then searchable and open to enrollment) and
 * archived (a soft end: enrollments, progress and history stay). Editing needs manage_availability in the course's
 * organization; a draft or archived course is seen only by its staff.
 */
final class Courses {

  private final Db db;
  private final EventBus bus;

  Courses(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** POST /v1/organizations/{organizationId}/courses */
  Future<ApiReply> create(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    Caller caller = request.requireCaller();
    JsonObject body = request.bodyObject();
    List<UUID> providers = uuids(body.getJsonArray("providerIds"));
    UUID serviceId = uuid(body.getString("serviceId"));
    return IdentityClient.require(bus, caller, organizationId, OrgPermission.manage_availability)
        .compose(x -> owned(organizationId, serviceId, providers))
        .compose(x -> Idempotency.once(db, request, tx -> tx.fetchOne(Sql.DSL.insertInto(COURSE)
                .set(COURSE.ORGANIZATION_ID, organizationId)
                .set(COURSE.SLUG, body.getString("slug"))
                .set(COURSE.TITLE, body.getString("title"))
                .set(COURSE.SUMMARY, body.getString("summary", ""))
                .set(COURSE.DESCRIPTION, body.getString("description", ""))
                .set(COURSE.LEVEL, CourseLevel.lookupLiteral(body.getString("level", "beginner")))
                .set(COURSE.LANGUAGE, body.getString("language", "en"))
                .set(COURSE.DURATION_MINUTES, body.getInteger("durationMinutes", 0))
                .set(COURSE.PRICE_MINOR, body.getLong("priceMinor", 0L))
                .set(COURSE.CURRENCY, body.getString("currency", "EUR"))
                .set(COURSE.COVER_URL, body.getString("coverUrl"))
                .set(COURSE.KIND, CourseKind.lookupLiteral(body.getString("kind")))
                .set(COURSE.SERVICE_ID, serviceId)
                .set(COURSE.CATEGORY_ID, uuid(body.getString("categoryId")))
                .set(COURSE.TAGS, tags(body.getJsonArray("tags")))
                .set(COURSE.VALIDITY_YEARS, body.getInteger("validityYears"))
                .set(COURSE.ACCESS_DAYS, body.getInteger("accessDays"))
                .set(COURSE.CREATED_BY, caller.userId())
                .returning())
            .compose(course -> setProviders(tx, course.getId(), providers)
                .compose(y -> Outbox.append(tx, "learning.course_created", "course", course.getId(),
                    new JsonObject().put("courseId", course.getId().toString())
                        .put("organizationId", organizationId.toString()).put("by", caller.userId().toString())))
                .map(y -> ApiReply.created(CourseJson.of(course, providers), "/v1/courses/" + course.getId())))))
        .recover(Courses::conflicts);
  }

  /** GET /v1/courses/{courseId}: the course and its outline; drafts and archived courses for their staff only. */
  Future<ApiReply> get(ApiRequest request) {
    UUID id = courseId(request);
    return visible(request.callerOrNull(), id)
        .compose(course -> CourseJson.outline(db, course).map(ApiReply::ok));
  }

  /** PATCH /v1/courses/{courseId}: JSON merge; the kind and organization never change. */
  Future<ApiReply> patch(ApiRequest request) {
    UUID id = courseId(request);
    JsonObject body = request.bodyObject();
    return editable(request.requireCaller(), id)
        .compose(course -> owned(course.getOrganizationId(), uuid(body.getString("serviceId")),
            uuids(body.getJsonArray("providerIds"))).map(course))
        .compose(course -> db.transaction(tx -> tx.fetchOne(SqlPatch.of(COURSE, COURSE.ID)
                .merge(body, "slug", COURSE.SLUG, body.getString("slug"))
                .merge(body, "title", COURSE.TITLE, body.getString("title"))
                .merge(body, "summary", COURSE.SUMMARY, body.getString("summary", ""))
                .merge(body, "description", COURSE.DESCRIPTION, body.getString("description", ""))
                .merge(body, "level", COURSE.LEVEL, CourseLevel.lookupLiteral(body.getString("level", "beginner")))
                .merge(body, "language", COURSE.LANGUAGE, body.getString("language", "en"))
                .merge(body, "durationMinutes", COURSE.DURATION_MINUTES, body.getInteger("durationMinutes", 0))
                .merge(body, "priceMinor", COURSE.PRICE_MINOR, body.getLong("priceMinor", 0L))
                .merge(body, "coverUrl", COURSE.COVER_URL, body.getString("coverUrl"))
                .merge(body, "serviceId", COURSE.SERVICE_ID, uuid(body.getString("serviceId")))
                .merge(body, "categoryId", COURSE.CATEGORY_ID, uuid(body.getString("categoryId")))
                .merge(body, "tags", COURSE.TAGS, tags(body.getJsonArray("tags")))
                .merge(body, "validityYears", COURSE.VALIDITY_YEARS, body.getInteger("validityYears"))
                .merge(body, "accessDays", COURSE.ACCESS_DAYS, body.getInteger("accessDays"))
                .update().where(COURSE.ID.eq(id)).returning())
            .compose(updated -> (body.containsKey("providerIds") ? setProviders(tx, id,
                uuids(body.getJsonArray("providerIds"))) : Future.<Void>succeededFuture())
                .compose(x -> CourseJson.outline(tx, updated)))))
        .map(ApiReply::ok)
        .recover(Courses::conflicts);
  }

  /** POST /v1/courses/{courseId}/publish: a draft with something to learn (lessons, or a service's sessions). */
  Future<ApiReply> publish(ApiRequest request) {
    UUID id = courseId(request);
    return editable(request.requireCaller(), id)
        .compose(course -> db.fetchOne(Sql.DSL.selectCount().from(LESSON).where(LESSON.COURSE_ID.eq(id)))
            .map(lessons -> {
              boolean empty = course.getKind() == CourseKind.classroom ? course.getServiceId() == null
                  : lessons.value1() == 0;
              if (empty) {
                throw Problem.of("course-empty", 409, "Nothing to learn yet", course.getKind() == CourseKind.classroom
                    ? "A classroom course needs its service (serviceId), whose sessions are its dates."
                    : "Add a lesson before publishing.").toException();
              }
              return course;
            }))
        .compose(course -> move(request, id, EnumSet.of(CourseStatus.draft), CourseStatus.published));
  }

  /** POST /v1/courses/{courseId}/archive: no new enrollments; everything learned stays. */
  Future<ApiReply> archive(ApiRequest request) {
    UUID id = courseId(request);
    return editable(request.requireCaller(), id)
        .compose(course -> move(request, id, EnumSet.of(CourseStatus.draft, CourseStatus.published),
            CourseStatus.archived));
  }

  /** GET /v1/organizations/{organizationId}/courses: every course of the organization, drafts too (its staff). */
  Future<ApiReply> listForOrganization(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    int limit = request.query().getInteger("limit", 50);
    var where = COURSE.ORGANIZATION_ID.eq(organizationId)
        .and(Keyset.after(COURSE.CREATED_AT, COURSE.ID, request.query().getString("cursor")));
    var query = Sql.DSL.selectFrom(COURSE).where(where).orderBy(COURSE.CREATED_AT.desc(), COURSE.ID.desc())
        .limit(limit + 1);
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_availability)
        .compose(x -> db.fetch(query))
        .map(rows -> ApiReply.ok(Page.of(rows, limit, course -> CourseJson.of(course, null),
            course -> Keyset.cursor(course.getCreatedAt(), course.getId()))));
  }

  private Future<ApiReply> move(ApiRequest request, UUID id, EnumSet<CourseStatus> from, CourseStatus to) {
    var update = Sql.DSL.update(COURSE).set(COURSE.STATUS, to);
    update = to == CourseStatus.published ? update.set(COURSE.PUBLISHED_AT, SqlTime.now())
        : update.set(COURSE.ARCHIVED_AT, SqlTime.now());
    var guarded = update.where(COURSE.ID.eq(id)).and(COURSE.STATUS.in(from)).returning();
    return db.transaction(tx -> tx.fetchOptional(guarded)
        .compose(moved -> {
          if (moved.isEmpty()) {
            return Future.failedFuture(Problem.of("illegal-transition", 409, "Illegal status change",
                "The course cannot become " + to.getLiteral() + " from where it is.").toException());
          }
          return Outbox.append(tx, "learning.course_" + to.getLiteral(), "course", id, new JsonObject()
                  .put("courseId", id.toString()).put("organizationId", moved.get().getOrganizationId().toString())
                  .put("by", request.requireCaller().userId().toString()))
              .compose(x -> CourseJson.outline(tx, moved.get()));
        }))
        .map(ApiReply::ok);
  }

  /** The course if the caller may see it: published ones for anyone, others for their organization's staff. */
  Future<CourseRecord> visible(Caller caller, UUID id) {
    return find(db, id).compose(course -> course.getStatus() == CourseStatus.published ? Future.succeededFuture(course)
        : caller == null ? Future.failedFuture(notFound(id))
        : IdentityClient.require(bus, caller, course.getOrganizationId(), OrgPermission.manage_availability)
            .map(course).recover(e -> Future.failedFuture(notFound(id))));
  }

  /** The course if the caller may change it (manage_availability in its organization); 404 for others' drafts. */
  Future<CourseRecord> editable(Caller caller, UUID id) {
    return find(db, id).compose(course -> IdentityClient.require(bus, caller, course.getOrganizationId(),
        OrgPermission.manage_availability).map(course));
  }

  static Future<CourseRecord> find(Sql sql, UUID id) {
    return sql.fetchOptional(Sql.DSL.selectFrom(COURSE).where(COURSE.ID.eq(id)))
        .map(found -> found.orElseThrow(() -> notFound(id)));
  }

  static RuntimeException notFound(UUID id) {
    return Problem.notFound("No course " + id + ".").toException();
  }

  /** The service and providers named are the organization's own (a course never points at another's). */
  private Future<Void> owned(UUID organizationId, UUID serviceId, List<UUID> providers) {
    return SchedulingClient.requireOwned(bus, organizationId, serviceId, null).compose(x -> InOrder.each(providers,
        provider -> SchedulingClient.requireOwned(bus, organizationId, null, provider)));
  }

  private static Future<Void> setProviders(Sql tx, UUID courseId, List<UUID> providers) {
    var insert = Sql.DSL.insertInto(COURSE_PROVIDER, COURSE_PROVIDER.COURSE_ID, COURSE_PROVIDER.PROVIDER_ID);
    for (UUID provider : providers) {
      insert = insert.values(courseId, provider);
    }
    var replace = tx.update(Sql.DSL.deleteFrom(COURSE_PROVIDER).where(COURSE_PROVIDER.COURSE_ID.eq(courseId)));
    var finalInsert = insert;
    return providers.isEmpty() ? replace.mapEmpty()
        : replace.compose(x -> tx.update(finalInsert.onConflictDoNothing())).mapEmpty();
  }

  private static Future<ApiReply> conflicts(Throwable e) {
    return Future.failedFuture(PgErrors.is(e, PgErrors.UNIQUE) ? Problem.of("slug-taken", 409, "Slug taken",
        "Another course of this organization has this slug.").toException()
        : PgErrors.is(e, PgErrors.FOREIGN_KEY) ? Problem.invalid("body", "categoryId", "is not a category")
            .toException() : e);
  }

  static UUID courseId(ApiRequest request) {
    return UUID.fromString(request.path().getString("courseId"));
  }

  private static UUID uuid(String value) {
    return value == null ? null : UUID.fromString(value);
  }

  private static List<UUID> uuids(JsonArray values) {
    return values == null ? List.of() : values.stream().map(v -> UUID.fromString((String) v)).distinct().toList();
  }

  private static String[] tags(JsonArray values) {
    return values == null ? new String[0] : values.stream().map(v -> ((String) v).toLowerCase(java.util.Locale.ROOT))
        .distinct().toArray(String[]::new);
  }
}
