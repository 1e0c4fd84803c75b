package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE;
import static dev.bookwell.db.Tables.COURSE_SECTION;
import static dev.bookwell.db.Tables.LESSON;
import static dev.bookwell.db.Tables.LESSON_VERSION;

import dev.bookwell.db.enums.CourseStatus;
import dev.bookwell.db.enums.LessonKind;
import dev.bookwell.db.tables.records.LessonRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.impl.DSL;

/**
 * A course's sections and lessons, in order. A new one goes last (its parent's row is locked while its place is
 * chosen, so two added at once never take the same place); a reorder is one UPDATE (positions are unique per parent,
 * checked at the end of the statement). An edit of a lesson of a published course keeps what it replaced as a
 * version: who, when, which fields; learners' progress stays on the lesson.
 */
final class Structure {

  /** A course's size: its outline is one answer to anyone, so it stays bounded. */
  static final int MAX_SECTIONS = 100;
  static final int MAX_LESSONS = 500;

  private final Db db;
  private final Courses courses;

  Structure(Db db, Courses courses) {
    this.db = db;
    this.courses = courses;
  }

  /** POST /v1/courses/{courseId}/sections {title} */
  Future<ApiReply> addSection(ApiRequest request) {
    UUID courseId = Courses.courseId(request);
    return courses.editable(request.requireCaller(), courseId)
        .compose(course -> db.transaction(tx -> tx.fetchOne(Sql.DSL.selectFrom(COURSE).where(COURSE.ID.eq(courseId))
                .forUpdate())
            .compose(x -> bounded(tx, COURSE_SECTION, COURSE_SECTION.COURSE_ID.eq(courseId), MAX_SECTIONS, "sections"))
            .compose(x -> tx.fetchOne(Sql.DSL.insertInto(COURSE_SECTION)
                .set(COURSE_SECTION.COURSE_ID, courseId)
                .set(COURSE_SECTION.TITLE, request.bodyObject().getString("title"))
                .set(COURSE_SECTION.POSITION, next(COURSE_SECTION, COURSE_SECTION.POSITION,
                    COURSE_SECTION.COURSE_ID, courseId))
                .returning()))))
        .map(section -> ApiReply.created(new JsonObject().put("id", section.getId().toString())
            .put("title", section.getTitle()).put("position", section.getPosition())
            .put("lessons", new JsonArray()), "/v1/courses/" + courseId));
  }

  /** PUT /v1/courses/{courseId}/sections/order {ids: [every section, in the new order]} */
  Future<ApiReply> reorderSections(ApiRequest request) {
    UUID courseId = Courses.courseId(request);
    List<UUID> order = ids(request.bodyObject().getJsonArray("ids"));
    return courses.editable(request.requireCaller(), courseId)
        .compose(course -> db.transaction(tx -> reorder(tx, COURSE_SECTION, COURSE_SECTION.ID,
                COURSE_SECTION.POSITION, COURSE_SECTION.COURSE_ID.eq(courseId), order)
            .compose(x -> CourseJson.outline(tx, course))))
        .map(ApiReply::ok);
  }

  /** POST /v1/courses/{courseId}/sections/{sectionId}/lessons {title, kind, required?, preview?, content?} */
  Future<ApiReply> addLesson(ApiRequest request) {
    UUID courseId = Courses.courseId(request);
    UUID sectionId = UUID.fromString(request.path().getString("sectionId"));
    JsonObject body = request.bodyObject();
    return courses.editable(request.requireCaller(), courseId)
        .compose(course -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.selectFrom(COURSE_SECTION)
                .where(COURSE_SECTION.ID.eq(sectionId)).and(COURSE_SECTION.COURSE_ID.eq(courseId)).forUpdate())
            .compose(section -> {
              if (section.isEmpty()) {
                return Future.failedFuture(Problem.notFound("No section " + sectionId + " in this course.")
                    .toException());
              }
              return bounded(tx, LESSON, LESSON.COURSE_ID.eq(courseId), MAX_LESSONS, "lessons")
                  .compose(x -> tx.fetchOne(Sql.DSL.insertInto(LESSON)
                  .set(LESSON.COURSE_ID, courseId)
                  .set(LESSON.SECTION_ID, sectionId)
                  .set(LESSON.TITLE, body.getString("title"))
                  .set(LESSON.KIND, LessonKind.lookupLiteral(body.getString("kind")))
                  .set(LESSON.REQUIRED, body.getBoolean("required", true))
                  .set(LESSON.PREVIEW, body.getBoolean("preview", false))
                  .set(LESSON.CONTENT, JSONB.valueOf(body.getJsonObject("content", new JsonObject()).encode()))
                  .set(LESSON.POSITION, next(LESSON, LESSON.POSITION, LESSON.SECTION_ID, sectionId))
                  .returning()));
            })))
        .map(lesson -> ApiReply.created(lessonJson(lesson), "/v1/lessons/" + lesson.getId()));
  }

  /** PUT /v1/courses/{courseId}/sections/{sectionId}/lessons/order {ids: [every lesson of the section]} */
  Future<ApiReply> reorderLessons(ApiRequest request) {
    UUID courseId = Courses.courseId(request);
    UUID sectionId = UUID.fromString(request.path().getString("sectionId"));
    List<UUID> order = ids(request.bodyObject().getJsonArray("ids"));
    return courses.editable(request.requireCaller(), courseId)
        .compose(course -> db.transaction(tx -> reorder(tx, LESSON, LESSON.ID, LESSON.POSITION,
                LESSON.SECTION_ID.eq(sectionId).and(LESSON.COURSE_ID.eq(courseId)), order)
            .compose(x -> CourseJson.outline(tx, course))))
        .map(ApiReply::ok);
  }

  /** PATCH /v1/lessons/{lessonId} {title?, required?, preview?, content?}: a published course's edits are versioned. */
  Future<ApiReply> patchLesson(ApiRequest request) {
    UUID lessonId = lessonId(request);
    JsonObject body = request.bodyObject();
    Caller caller = request.requireCaller();
    return lesson(db, lessonId).compose(found -> courses.editable(caller, found.getCourseId()))
        .compose(course -> db.transaction(tx -> tx.fetchOne(Sql.DSL.selectFrom(LESSON).where(LESSON.ID.eq(lessonId))
                .forUpdate())
            .compose(before -> {
              var changed = new ArrayList<String>();
              for (String field : List.of("title", "required", "preview", "content")) {
                if (body.containsKey(field)) {
                  changed.add(field);
                }
              }
              boolean versioned = course.getStatus() != CourseStatus.draft;
              Future<Integer> kept = !versioned ? Future.succeededFuture(0)
                  : tx.update(Sql.DSL.insertInto(LESSON_VERSION)
                      .set(LESSON_VERSION.LESSON_ID, lessonId).set(LESSON_VERSION.VERSION, before.getVersion())
                      .set(LESSON_VERSION.TITLE, before.getTitle()).set(LESSON_VERSION.CONTENT, before.getContent())
                      .set(LESSON_VERSION.CHANGED, changed.toArray(String[]::new))
                      .set(LESSON_VERSION.CHANGED_BY, caller.userId()));
              return kept.compose(x -> tx.fetchOne(Sql.DSL.update(LESSON)
                  .set(LESSON.TITLE, body.getString("title", before.getTitle()))
                  .set(LESSON.REQUIRED, body.getBoolean("required", before.getRequired()))
                  .set(LESSON.PREVIEW, body.getBoolean("preview", before.getPreview()))
                  .set(LESSON.CONTENT, body.containsKey("content")
                      ? JSONB.valueOf(body.getJsonObject("content").encode()) : before.getContent())
                  .set(LESSON.VERSION, versioned ? before.getVersion() + 1 : before.getVersion())
                  .set(LESSON.UPDATED_AT, SqlTime.now())
                  .where(LESSON.ID.eq(lessonId)).returning()));
            })))
        .map(lesson -> ApiReply.ok(lessonJson(lesson)));
  }

  /** GET /v1/lessons/{lessonId}/versions: what each edit replaced (the course's staff). */
  Future<ApiReply> versions(ApiRequest request) {
    UUID lessonId = lessonId(request);
    return lesson(db, lessonId).compose(found -> courses.editable(request.requireCaller(), found.getCourseId()))
        .compose(course -> db.fetch(Sql.DSL.selectFrom(LESSON_VERSION).where(LESSON_VERSION.LESSON_ID.eq(lessonId))
            .orderBy(LESSON_VERSION.VERSION.desc()).limit(100)))
        .map(rows -> ApiReply.ok(new JsonObject().put("items", new JsonArray(rows.stream().map(v -> new JsonObject()
            .put("version", v.getVersion()).put("title", v.getTitle())
            .put("content", new JsonObject(v.getContent().data()))
            .put("changed", new JsonArray(List.of(v.getChanged()))).put("changedBy", v.getChangedBy().toString())
            .put("changedAt", v.getChangedAt().toInstant().toString())).toList()))));
  }

  static Future<LessonRecord> lesson(Sql sql, UUID id) {
    return sql.fetchOptional(Sql.DSL.selectFrom(LESSON).where(LESSON.ID.eq(id)))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No lesson " + id + ".").toException()));
  }

  static JsonObject lessonJson(LessonRecord l) {
    return CourseJson.lessonOutline(l).put("courseId", l.getCourseId().toString())
        .put("sectionId", l.getSectionId().toString()).put("content", new JsonObject(l.getContent().data()))
        .put("version", l.getVersion());
  }

  static UUID lessonId(ApiRequest request) {
    return UUID.fromString(request.path().getString("lessonId"));
  }

  /** 422 when the course holds {@code max} of these already (its row is locked by the caller). */
  private static Future<Void> bounded(Sql tx, Table<?> table, org.jooq.Condition ofCourse, int max, String what) {
    return tx.fetchOne(Sql.DSL.selectCount().from(table).where(ofCourse)).compose(count -> count.value1() < max
        ? Future.succeededFuture() : Future.failedFuture(Problem.of("course-too-large", 422, "Course too large",
            "A course holds at most " + max + " " + what + ".").toException()));
  }

  /** The position after the last one under the parent (the parent's row is locked by the caller). */
  private static <P> Field<Integer> next(Table<?> table, TableField<?, Integer> position,
                                         TableField<?, P> parent, P parentId) {
    return DSL.field(Sql.DSL.select(DSL.coalesce(DSL.max(position).plus(1), DSL.inline(0))).from(table)
        .where(parent.eq(parentId)));
  }

  /**
   * Gives the rows under {@code parent} the positions of {@code order}, in one UPDATE; {@code order} must name
   * each of them once (422 otherwise).
   */
  private static <R extends org.jooq.Record> Future<Void> reorder(Sql tx, Table<R> table, TableField<R, UUID> id,
                                                               TableField<R, Integer> position,
                                                               org.jooq.Condition parent, List<UUID> order) {
    return tx.fetch(Sql.DSL.select(id).from(table).where(parent).forUpdate())
        .compose(rows -> {
          var present = new HashSet<UUID>();
          rows.forEach(r -> present.add(r.value1()));
          if (!present.equals(new HashSet<>(order)) || order.size() != present.size()) {
            return Future.failedFuture(Problem.of("order-mismatch", 422, "Not a reordering",
                "List every item exactly once, in the new order.").toException());
          }
          if (order.isEmpty()) {
            return Future.succeededFuture();
          }
          var cases = DSL.case_(id);
          org.jooq.CaseWhenStep<UUID, Integer> step = cases.when(order.get(0), DSL.inline(0));
          for (int i = 1; i < order.size(); i++) {
            step = step.when(order.get(i), DSL.inline(i));
          }
          return tx.update(Sql.DSL.update(table).set(position, step.otherwise(position)).where(parent)).mapEmpty();
        });
  }

  private static List<UUID> ids(JsonArray values) {
    return values.stream().map(v -> UUID.fromString((String) v)).toList();
  }
}
