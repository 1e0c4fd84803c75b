package dev.bookwell.learning;

import static dev.bookwell.db.Tables.LESSON_PROGRESS;
import static dev.bookwell.db.Tables.PROGRESS_REPORT;

import dev.bookwell.db.enums.EnrollmentStatus;
import dev.bookwell.db.enums.LessonKind;
import dev.bookwell.db.enums.LessonStatus;
import dev.bookwell.db.tables.records.EnrollmentRecord;
import dev.bookwell.db.tables.records.LessonRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.impl.DSL;

/**
 * A learner's progress reports, lesson by lesson. Each is taken once per (enrollment, lesson, client sequence
 * number): a retried report changes nothing. Time spent comes as increments, at most {@link #MAX_SECONDS_PER_REPORT}
 * each, so no client claims hours in one call. Reports of one enrollment are serialized on its row (two devices at
 * once each count, and the last required lesson completes the course once). Percent never goes back; a completed
 * lesson stays completed. A quiz lesson completes by a passing attempt, not by a report.
 */
final class Progress {

  static final int MAX_SECONDS_PER_REPORT = 300;

  private final Db db;

  Progress(Db db) {
    this.db = db;
  }

  /**
   * POST /v1/enrollments/{enrollmentId}/lessons/{lessonId}/progress
   * {seq, percent?, positionSeconds?, timeSpentSeconds?, completed?}
   */
  Future<ApiReply> report(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID enrollmentId = Enrollments.enrollmentId(request);
    UUID lessonId = Structure.lessonId(request);
    JsonObject body = request.bodyObject();
    // whose it is first, without a lock: nobody else gets to hold a learner's row
    return db.fetchOptional(Sql.DSL.selectOne().from(dev.bookwell.db.Tables.ENROLLMENT)
            .where(dev.bookwell.db.Tables.ENROLLMENT.ID.eq(enrollmentId))
            .and(dev.bookwell.db.Tables.ENROLLMENT.USER_ID.eq(caller.userId())))
        .compose(mine -> mine.isPresent() ? Future.succeededFuture()
            : Future.failedFuture(Enrollments.notFound(enrollmentId)))
        .compose(owned -> db.transaction(tx -> Completion.lock(tx, enrollmentId)
            .compose(enrollment -> learnable(caller, enrollment)
                .compose(x -> Structure.lesson(tx, lessonId))
                .compose(lesson -> {
                  if (!lesson.getCourseId().equals(enrollment.getCourseId())) {
                    return Future.failedFuture(Problem.notFound("No lesson " + lessonId + " in this course.")
                        .toException());
                  }
                  return tx.update(Sql.DSL.insertInto(PROGRESS_REPORT)
                          .set(PROGRESS_REPORT.ENROLLMENT_ID, enrollmentId).set(PROGRESS_REPORT.LESSON_ID, lessonId)
                          .set(PROGRESS_REPORT.CLIENT_SEQ, body.getLong("seq")).onConflictDoNothing())
                      .compose(fresh -> fresh == 0 ? Future.succeededFuture()  // a retry: already counted
                          : record(tx, enrollment, lesson, body));
                })
                .compose(x -> Completion.progress(tx, enrollment))
                .compose(progress -> Completion.lock(tx, enrollmentId)
                    .map(now -> Enrollments.json(now).mergeIn(progress))))))
        .map(ApiReply::ok);
  }

  /** Only the learner reports, while the enrollment lets them learn. */
  private static Future<Void> learnable(Caller caller, EnrollmentRecord enrollment) {
    if (!enrollment.getUserId().equals(caller.userId())) {
      return Future.failedFuture(Enrollments.notFound(enrollment.getId()));
    }
    return Enrollments.requireLearning(enrollment);
  }

  private static Future<Void> record(Sql tx, EnrollmentRecord enrollment, LessonRecord lesson, JsonObject body) {
    int percent = body.getInteger("percent", 0);
    boolean completes = lesson.getKind() != LessonKind.quiz
        && (body.getBoolean("completed", false) || percent == 100);
    long spent = Math.min(body.getLong("timeSpentSeconds", 0L), MAX_SECONDS_PER_REPORT);
    var status = DSL.when(LESSON_PROGRESS.STATUS.eq(LessonStatus.completed), DSL.inline(LessonStatus.completed))
        .otherwise(DSL.inline(completes ? LessonStatus.completed : LessonStatus.in_progress));
    return tx.update(Sql.DSL.insertInto(LESSON_PROGRESS)
            .set(LESSON_PROGRESS.ENROLLMENT_ID, enrollment.getId())
            .set(LESSON_PROGRESS.LESSON_ID, lesson.getId())
            .set(LESSON_PROGRESS.STATUS, completes ? LessonStatus.completed : LessonStatus.in_progress)
            .set(LESSON_PROGRESS.PERCENT, completes ? 100 : percent)
            .set(LESSON_PROGRESS.POSITION_SECONDS, body.getInteger("positionSeconds", 0))
            .set(LESSON_PROGRESS.TIME_SPENT_SECONDS, spent)
            .set(LESSON_PROGRESS.LESSON_VERSION, lesson.getVersion())
            .set(LESSON_PROGRESS.COMPLETED_AT, completes ? SqlTime.now() : null)
            .onConflict(LESSON_PROGRESS.ENROLLMENT_ID, LESSON_PROGRESS.LESSON_ID).doUpdate()
            .set(LESSON_PROGRESS.STATUS, status)
            .set(LESSON_PROGRESS.PERCENT, DSL.greatest(LESSON_PROGRESS.PERCENT, DSL.val(completes ? 100 : percent)))
            .set(LESSON_PROGRESS.POSITION_SECONDS, body.containsKey("positionSeconds")
                ? DSL.val(body.getInteger("positionSeconds")) : LESSON_PROGRESS.POSITION_SECONDS)
            .set(LESSON_PROGRESS.TIME_SPENT_SECONDS, LESSON_PROGRESS.TIME_SPENT_SECONDS.plus(spent))
            .set(LESSON_PROGRESS.LESSON_VERSION, lesson.getVersion())
            .set(LESSON_PROGRESS.LAST_ACCESS_AT, SqlTime.now())
            .set(LESSON_PROGRESS.COMPLETED_AT, completes
                ? DSL.coalesce(LESSON_PROGRESS.COMPLETED_AT, SqlTime.now()) : LESSON_PROGRESS.COMPLETED_AT))
        .compose(x -> completes && enrollment.getStatus() == EnrollmentStatus.active
            ? Completion.check(tx, enrollment).mapEmpty() : Future.succeededFuture());
  }
}
