package dev.bookwell.learning;

import static dev.bookwell.db.Tables.ENROLLMENT;
import static dev.bookwell.db.Tables.LESSON;
import static dev.bookwell.db.Tables.LESSON_PROGRESS;

import dev.bookwell.db.enums.EnrollmentStatus;
import dev.bookwell.db.enums.LessonKind;
import dev.bookwell.db.enums.LessonStatus;
import dev.bookwell.db.tables.records.EnrollmentRecord;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.impl.DSL;

/**
 * A course's progress is derived, never stored: required lessons completed out of required lessons (a quiz lesson
 * completes when a passing attempt is scored). When it reaches all of them, the enrollment completes, once: every
 * caller holds the enrollment's row lock ({@link #lock}) from its progress write to this check, so of two last
 * lessons completed at once, the second sees the enrollment completed already and emits nothing.
 */
final class Completion {

  private Completion() {
  }

  /** Locks the enrollment row for the rest of the transaction: one progress change of an enrollment at a time. */
  static Future<EnrollmentRecord> lock(Sql tx, UUID enrollmentId) {
    return tx.fetchOptional(Sql.DSL.selectFrom(ENROLLMENT).where(ENROLLMENT.ID.eq(enrollmentId)).forUpdate())
        .map(found -> found.orElseThrow(() -> Enrollments.notFound(enrollmentId)));
  }

  /** After a lesson completed (under {@link #lock}): completes the enrollment if it was the last required one. */
  static Future<Boolean> check(Sql tx, EnrollmentRecord enrollment) {
    if (enrollment.getStatus() != EnrollmentStatus.active) {
      return Future.succeededFuture(false);
    }
    return counts(tx, enrollment).compose(counts -> {
      if (counts.required() == 0 || counts.completed() < counts.required()) {
        return Future.succeededFuture(false);
      }
      return complete(tx, enrollment);
    });
  }

  /**
   * A blended course's session attended (under {@link #lock}): completes the enrollment if its required lessons are
   * done, or it has none; otherwise the lessons' last one completes it ({@link #check}).
   */
  static Future<Boolean> attended(Sql tx, EnrollmentRecord enrollment) {
    return counts(tx, enrollment).compose(counts -> counts.completed() < counts.required()
        ? Future.succeededFuture(false) : complete(tx, enrollment));
  }

  /**
   * Completes an active enrollment (under {@link #lock}): its last required lesson, or a classroom session attended.
   * The guarded update makes a second call a no-op, so the event goes out once.
   */
  static Future<Boolean> complete(Sql tx, EnrollmentRecord enrollment) {
    return tx.update(Sql.DSL.update(ENROLLMENT).set(ENROLLMENT.STATUS, EnrollmentStatus.completed)
            .set(ENROLLMENT.COMPLETED_AT, SqlTime.now()).where(ENROLLMENT.ID.eq(enrollment.getId()))
            .and(ENROLLMENT.STATUS.eq(EnrollmentStatus.active)))
        .compose(moved -> moved == 0 ? Future.succeededFuture(false)
            : Outbox.append(tx, "learning.course_completed", "enrollment", enrollment.getId(), new JsonObject()
                    .put("enrollmentId", enrollment.getId().toString())
                    .put("courseId", enrollment.getCourseId().toString())
                    .put("organizationId", enrollment.getOrganizationId().toString())
                    .put("userId", enrollment.getUserId().toString()))
                .map(true));
  }

  record Counts(int required, int completed, int quizzesRequired, int quizzesPassed) {
  }

  private static Future<Counts> counts(Sql sql, EnrollmentRecord enrollment) {
    var done = DSL.exists(Sql.DSL.selectOne().from(LESSON_PROGRESS)
        .where(LESSON_PROGRESS.ENROLLMENT_ID.eq(enrollment.getId())).and(LESSON_PROGRESS.LESSON_ID.eq(LESSON.ID))
        .and(LESSON_PROGRESS.STATUS.eq(LessonStatus.completed)));
    var quiz = LESSON.KIND.eq(LessonKind.quiz);
    return sql.fetchOne(Sql.DSL.select(
            DSL.count(),
            DSL.count().filterWhere(done),
            DSL.count().filterWhere(quiz),
            DSL.count().filterWhere(quiz.and(done)))
        .from(LESSON).where(LESSON.COURSE_ID.eq(enrollment.getCourseId())).and(LESSON.REQUIRED.isTrue()))
        .map(r -> new Counts(r.value1(), r.value2(), r.value3(), r.value4()));
  }

  /** {progress: {requiredLessons, completedLessons, percent, quizzesRequired, quizzesPassed}, lessons: [...]}. */
  static Future<JsonObject> progress(Sql sql, EnrollmentRecord enrollment) {
    return counts(sql, enrollment).compose(counts -> sql.fetch(Sql.DSL.selectFrom(LESSON_PROGRESS)
            .where(LESSON_PROGRESS.ENROLLMENT_ID.eq(enrollment.getId())).orderBy(LESSON_PROGRESS.FIRST_ACCESS_AT))
        .map(lessons -> new JsonObject()
            .put("progress", new JsonObject().put("requiredLessons", counts.required())
                .put("completedLessons", counts.completed())
                .put("percent", counts.required() == 0 ? 0 : counts.completed() * 100 / counts.required())
                .put("quizzesRequired", counts.quizzesRequired()).put("quizzesPassed", counts.quizzesPassed()))
            .put("lessons", new JsonArray(lessons.stream().map(p -> new JsonObject()
                .put("lessonId", p.getLessonId().toString()).put("status", p.getStatus().getLiteral())
                .put("percent", p.getPercent()).put("positionSeconds", p.getPositionSeconds())
                .put("timeSpentSeconds", p.getTimeSpentSeconds())
                .put("firstAccessAt", p.getFirstAccessAt().toInstant().toString())
                .put("lastAccessAt", p.getLastAccessAt().toInstant().toString())).toList()))));
  }

  /** Marks a lesson completed for the enrollment (a quiz passed), under {@link #lock}. */
  static Future<Void> completeLesson(Sql tx, UUID enrollmentId, UUID lessonId, int version) {
    return tx.update(Sql.DSL.insertInto(LESSON_PROGRESS)
        .set(LESSON_PROGRESS.ENROLLMENT_ID, enrollmentId).set(LESSON_PROGRESS.LESSON_ID, lessonId)
        .set(LESSON_PROGRESS.STATUS, LessonStatus.completed).set(LESSON_PROGRESS.PERCENT, 100)
        .set(LESSON_PROGRESS.LESSON_VERSION, version).set(LESSON_PROGRESS.COMPLETED_AT, SqlTime.now())
        .onConflict(LESSON_PROGRESS.ENROLLMENT_ID, LESSON_PROGRESS.LESSON_ID).doUpdate()
        .set(LESSON_PROGRESS.STATUS, LessonStatus.completed).set(LESSON_PROGRESS.PERCENT, 100)
        .set(LESSON_PROGRESS.LAST_ACCESS_AT, SqlTime.now())
        .set(LESSON_PROGRESS.COMPLETED_AT, DSL.coalesce(LESSON_PROGRESS.COMPLETED_AT, SqlTime.now()))).mapEmpty();
  }
}
