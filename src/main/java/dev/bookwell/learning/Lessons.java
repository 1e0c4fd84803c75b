package dev.bookwell.learning;

import static dev.bookwell.db.Tables.ENROLLMENT;
import static dev.bookwell.db.Tables.LESSON_BOOKMARK;
import static dev.bookwell.db.Tables.LESSON_NOTE;
import static dev.bookwell.db.Tables.LESSON_RESOURCE;

import dev.bookwell.db.enums.CourseStatus;
import dev.bookwell.db.enums.EnrollmentStatus;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.CourseRecord;
import dev.bookwell.db.tables.records.EnrollmentRecord;
import dev.bookwell.db.tables.records.LessonRecord;
import dev.bookwell.db.tables.records.LessonResourceRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.UUID;

/**
 * Reading a lesson: its content is for the course's staff, its enrolled learners (active or completed, within the
 * access window) and, for a preview lesson of a published course, anyone. Its resources (metadata, with a download
 * count), and the learner's own notes and bookmark, private to them.
 */
final class Lessons {

  /** Who opened a lesson, and as what. */
  record Opened(LessonRecord lesson, CourseRecord course, Optional<EnrollmentRecord> enrollment, boolean staff) {
  }

  private final Db db;
  private final EventBus bus;

  Lessons(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** The lesson as {@code caller} may open it: 403 for a published course's lesson not open to them, else 404. */
  Future<Opened> open(Caller caller, UUID lessonId) {
    return Structure.lesson(db, lessonId).compose(lesson -> Courses.find(db, lesson.getCourseId())
        .compose(course -> staff(caller, course).compose(staff -> enrollment(caller, course.getId())
            .map(enrollment -> {
              boolean enrolled = enrollment.isPresent();
              boolean published = course.getStatus() == CourseStatus.published;
              if (staff || enrolled && course.getStatus() != CourseStatus.draft || published && lesson.getPreview()) {
                return new Opened(lesson, course, enrollment, staff);
              }
              throw (published ? Problem.of("enrollment-required", 403, "Enroll first",
                  "This lesson is for the course's learners.") : Problem.notFound("No lesson " + lessonId + "."))
                  .toException();
            }))));
  }

  private Future<Boolean> staff(Caller caller, CourseRecord course) {
    return caller == null ? Future.succeededFuture(false)
        : IdentityClient.require(bus, caller, course.getOrganizationId(), OrgPermission.manage_availability)
            .map(true).otherwise(false);
  }

  /** The caller's enrollment in the course, if it lets them learn now (active or completed, not expired). */
  private Future<Optional<EnrollmentRecord>> enrollment(Caller caller, UUID courseId) {
    return caller == null ? Future.succeededFuture(Optional.empty())
        : db.fetchOptional(Sql.DSL.selectFrom(ENROLLMENT).where(ENROLLMENT.COURSE_ID.eq(courseId))
                .and(ENROLLMENT.USER_ID.eq(caller.userId()))
                .and(ENROLLMENT.STATUS.in(EnrollmentStatus.active, EnrollmentStatus.completed)))
            .map(found -> found.filter(Enrollments::learning));
  }

  /** GET /v1/lessons/{lessonId}: the lesson with its content and resources. */
  Future<ApiReply> get(ApiRequest request) {
    return open(request.callerOrNull(), Structure.lessonId(request))
        .compose(opened -> db.fetch(Sql.DSL.selectFrom(LESSON_RESOURCE)
                .where(LESSON_RESOURCE.LESSON_ID.eq(opened.lesson().getId())).orderBy(LESSON_RESOURCE.TITLE))
            .map(resources -> ApiReply.ok(Structure.lessonJson(opened.lesson()).put("resources",
                new JsonArray(resources.stream().map(Lessons::resourceJson).toList())))));
  }

  /** POST /v1/lessons/{lessonId}/resources {title, url, mediaType, sizeBytes} (the course's staff). */
  Future<ApiReply> addResource(ApiRequest request) {
    JsonObject body = request.bodyObject();
    return open(request.requireCaller(), Structure.lessonId(request))
        .compose(opened -> opened.staff() ? db.fetchOne(Sql.DSL.insertInto(LESSON_RESOURCE)
                .set(LESSON_RESOURCE.LESSON_ID, opened.lesson().getId())
                .set(LESSON_RESOURCE.TITLE, body.getString("title"))
                .set(LESSON_RESOURCE.URL, body.getString("url"))
                .set(LESSON_RESOURCE.MEDIA_TYPE, body.getString("mediaType"))
                .set(LESSON_RESOURCE.SIZE_BYTES, body.getLong("sizeBytes"))
                .returning())
            : Future.failedFuture(Problem.forbidden("Only the course's staff add resources.").toException()))
        .map(resource -> ApiReply.created(resourceJson(resource), "/v1/lessons/" + resource.getLessonId()));
  }

  /** POST /v1/resources/{resourceId}/download: counts the download (one statement) and gives where it is. */
  Future<ApiReply> download(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("resourceId"));
    return db.fetchOptional(Sql.DSL.select(LESSON_RESOURCE.LESSON_ID).from(LESSON_RESOURCE)
            .where(LESSON_RESOURCE.ID.eq(id)))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No resource " + id + ".").toException()).value1())
        .compose(lessonId -> open(request.callerOrNull(), lessonId))
        .compose(opened -> db.fetchOne(Sql.DSL.update(LESSON_RESOURCE)
            .set(LESSON_RESOURCE.DOWNLOADS, LESSON_RESOURCE.DOWNLOADS.plus(1)).where(LESSON_RESOURCE.ID.eq(id))
            .returning()))
        .map(resource -> ApiReply.ok(resourceJson(resource)));
  }

  /** GET /v1/lessons/{lessonId}/notes: the caller's own notes on the lesson, oldest first (at most 200). */
  Future<ApiReply> notes(ApiRequest request) {
    Caller caller = request.requireCaller();
    return open(caller, Structure.lessonId(request))
        .compose(opened -> db.fetch(Sql.DSL.selectFrom(LESSON_NOTE).where(LESSON_NOTE.USER_ID.eq(caller.userId()))
            .and(LESSON_NOTE.LESSON_ID.eq(opened.lesson().getId())).orderBy(LESSON_NOTE.CREATED_AT).limit(200)))
        .map(rows -> ApiReply.ok(new JsonObject().put("items", new JsonArray(rows.stream().map(n -> new JsonObject()
            .put("id", n.getId().toString()).put("body", n.getBody())
            .put("createdAt", n.getCreatedAt().toInstant().toString())).toList()))));
  }

  /** POST /v1/lessons/{lessonId}/notes {body} */
  Future<ApiReply> addNote(ApiRequest request) {
    Caller caller = request.requireCaller();
    return open(caller, Structure.lessonId(request))
        .compose(opened -> db.fetchOne(Sql.DSL.insertInto(LESSON_NOTE).set(LESSON_NOTE.USER_ID, caller.userId())
            .set(LESSON_NOTE.LESSON_ID, opened.lesson().getId())
            .set(LESSON_NOTE.BODY, request.bodyObject().getString("body")).returning()))
        .map(n -> ApiReply.created(new JsonObject().put("id", n.getId().toString()).put("body", n.getBody())
            .put("createdAt", n.getCreatedAt().toInstant().toString()), "/v1/lessons/" + n.getLessonId() + "/notes"));
  }

  /** PUT /v1/lessons/{lessonId}/bookmark, DELETE likewise: the caller's bookmark; both idempotent. */
  Future<ApiReply> bookmark(ApiRequest request) {
    Caller caller = request.requireCaller();
    boolean set = request.operationId().equals("bookmarkLesson");
    return open(caller, Structure.lessonId(request))
        .compose(opened -> db.update(set ? Sql.DSL.insertInto(LESSON_BOOKMARK)
                .set(LESSON_BOOKMARK.USER_ID, caller.userId()).set(LESSON_BOOKMARK.LESSON_ID, opened.lesson().getId())
                .onConflictDoNothing()
            : Sql.DSL.deleteFrom(LESSON_BOOKMARK).where(LESSON_BOOKMARK.USER_ID.eq(caller.userId()))
                .and(LESSON_BOOKMARK.LESSON_ID.eq(opened.lesson().getId()))))
        .map(x -> ApiReply.noContent());
  }

  /** GET /v1/me/bookmarks: the caller's bookmarked lessons, newest first (at most 200). */
  Future<ApiReply> bookmarks(ApiRequest request) {
    return db.fetch(Sql.DSL.selectFrom(LESSON_BOOKMARK).where(LESSON_BOOKMARK.USER_ID.eq(request.requireCaller()
            .userId())).orderBy(LESSON_BOOKMARK.CREATED_AT.desc()).limit(200))
        .map(rows -> ApiReply.ok(new JsonObject().put("items", new JsonArray(rows.stream().map(b -> new JsonObject()
            .put("lessonId", b.getLessonId().toString()).put("createdAt", b.getCreatedAt().toInstant().toString()))
            .toList()))));
  }

  private static JsonObject resourceJson(LessonResourceRecord r) {
    return new JsonObject().put("id", r.getId().toString()).put("title", r.getTitle()).put("url", r.getUrl())
        .put("mediaType", r.getMediaType()).put("sizeBytes", r.getSizeBytes()).put("downloads", r.getDownloads());
  }

}
