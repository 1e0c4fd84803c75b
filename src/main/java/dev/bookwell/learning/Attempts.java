package dev.bookwell.learning;

import static dev.bookwell.db.Tables.ENROLLMENT;
import static dev.bookwell.db.Tables.QUIZ_ATTEMPT;

import dev.bookwell.db.enums.AttemptStatus;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.EnrollmentRecord;
import dev.bookwell.db.tables.records.QuizAttemptRecord;
import dev.bookwell.db.tables.records.QuizQuestionRecord;
import dev.bookwell.db.tables.records.QuizRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.InOrder;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Quiz attempts. Starting one locks the enrollment's row, so concurrent starts count each other and attempt n+1
 * beyond the limit never exists (and the (enrollment, quiz, number) key would refuse it anyway). Questions go out
 * without answers; answers may be saved while the attempt is open; submitting scores on the server. Time is the
 * database's: past the deadline (plus {@link #GRACE}) answers are no longer taken and the attempt is scored with what
 * was saved. Essays wait for staff to grade them ({@code pending_review}). A passing score completes the lesson.
 */
final class Attempts {

  static final Duration GRACE = Duration.ofSeconds(10);

  private final Db db;
  private final EventBus bus;
  private final Lessons lessons;

  Attempts(Db db, EventBus bus, Lessons lessons) {
    this.db = db;
    this.bus = bus;
    this.lessons = lessons;
  }

  /** POST /v1/lessons/{lessonId}/attempts: 201 a new attempt, 200 the one still open; 409 when none are left. */
  Future<ApiReply> start(ApiRequest request) {
    Caller caller = request.requireCaller();
    return lessons.open(caller, Structure.lessonId(request))
        .compose(opened -> opened.enrollment().map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(
            Problem.of("enrollment-required", 403, "Enroll first", "Quizzes are for the course's learners.")
                .toException())))
        .compose(enrollment -> db.transaction(tx -> Completion.lock(tx, enrollment.getId())
            .compose(locked -> Quizzes.find(tx, Structure.lessonId(request)))
            .compose(quiz -> closeOverdue(tx, enrollment, quiz)
                .compose(x -> tx.fetch(Sql.DSL.selectFrom(QUIZ_ATTEMPT)
                    .where(QUIZ_ATTEMPT.ENROLLMENT_ID.eq(enrollment.getId()))
                    .and(QUIZ_ATTEMPT.LESSON_ID.eq(quiz.getLessonId())).orderBy(QUIZ_ATTEMPT.NUMBER)))
                .compose(attempts -> {
                  var open = attempts.stream().filter(a -> a.getStatus() == AttemptStatus.in_progress).findFirst();
                  if (open.isPresent()) {
                    return view(tx, open.get(), quiz, false).map(ApiReply::ok);
                  }
                  if (attempts.size() >= quiz.getAttemptsAllowed()) {
                    return Future.failedFuture(Problem.of("attempts-exhausted", 409, "No attempts left",
                        "All " + quiz.getAttemptsAllowed() + " attempts of this quiz are used.").toException());
                  }
                  return create(tx, enrollment, quiz, attempts.size() + 1)
                      .compose(attempt -> view(tx, attempt, quiz, false))
                      .map(json -> ApiReply.created(json, "/v1/attempts/" + json.getString("id")));
                }))));
  }

  private static Future<QuizAttemptRecord> create(Sql tx, EnrollmentRecord enrollment, QuizRecord quiz, int number) {
    return Quizzes.questions(tx, quiz.getLessonId()).compose(questions -> {
      var order = new ArrayList<>(questions.stream().map(QuizQuestionRecord::getId).toList());
      if (quiz.getRandomize()) {
        Collections.shuffle(order);
      }
      int max = questions.stream().mapToInt(QuizQuestionRecord::getPoints).sum();
      return tx.fetchOne(Sql.DSL.insertInto(QUIZ_ATTEMPT)
          .set(QUIZ_ATTEMPT.ENROLLMENT_ID, enrollment.getId()).set(QUIZ_ATTEMPT.LESSON_ID, quiz.getLessonId())
          .set(QUIZ_ATTEMPT.NUMBER, number).set(QUIZ_ATTEMPT.QUESTION_IDS, order.toArray(UUID[]::new))
          .set(QUIZ_ATTEMPT.MAX_POINTS, max)
          .set(QUIZ_ATTEMPT.DEADLINE_AT, quiz.getTimeLimitSeconds() == null ? null
              : SqlTime.nowPlus(Duration.ofSeconds(quiz.getTimeLimitSeconds())))
          .returning());
    });
  }

  /** PUT /v1/attempts/{attemptId}/answers {answers: {questionId: answer}}: merged, while the attempt is open. */
  Future<ApiReply> save(ApiRequest request) {
    JsonObject answers = request.bodyObject().getJsonObject("answers");
    return own(request).compose(attempt -> db.fetchOptional(Sql.DSL.update(QUIZ_ATTEMPT)
            .set(QUIZ_ATTEMPT.ANSWERS, merged(attempt, answers))
            .where(QUIZ_ATTEMPT.ID.eq(attempt.getId())).and(open()).returning())
        .map(saved -> saved.orElseThrow(() -> closed().toException()))
        .compose(saved -> Quizzes.find(db, saved.getLessonId()).compose(quiz -> view(db, saved, quiz, false))))
        .map(ApiReply::ok);
  }

  /** POST /v1/attempts/{attemptId}/submit {answers?}: scored now; submitting again gives the result again. */
  Future<ApiReply> submit(ApiRequest request) {
    JsonObject answers = request.bodyObject().getJsonObject("answers", new JsonObject());
    return own(request).compose(attempt -> db.transaction(tx -> Completion.lock(tx, attempt.getEnrollmentId())
            .compose(enrollment -> tx.fetchOne(Sql.DSL.selectFrom(QUIZ_ATTEMPT)
                    .where(QUIZ_ATTEMPT.ID.eq(attempt.getId())).forUpdate())
                .compose(current -> current.getStatus() != AttemptStatus.in_progress ? Future.succeededFuture(current)
                    : tx.fetchOptional(Sql.DSL.update(QUIZ_ATTEMPT)  // late answers are not taken
                            .set(QUIZ_ATTEMPT.ANSWERS, merged(current, answers))
                            .where(QUIZ_ATTEMPT.ID.eq(current.getId())).and(open()).returning())
                        .compose(saved -> finish(tx, enrollment, saved.orElse(current))))
                .compose(done -> Quizzes.find(tx, done.getLessonId()).compose(quiz -> view(tx, done, quiz, false))))))
        .map(ApiReply::ok);
  }

  /** GET /v1/attempts/{attemptId}: the learner's own, or (manage_bookings) any of the organization's. */
  Future<ApiReply> get(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("attemptId"));
    return readable(request.requireCaller(), id)
        .compose(read -> Quizzes.find(db, read.attempt().getLessonId())
            .compose(quiz -> view(db, read.attempt(), quiz, read.staff())))
        .map(ApiReply::ok);
  }

  /** GET /v1/lessons/{lessonId}/attempts: the caller's own; staff (manage_bookings) everyone's. At most 200. */
  Future<ApiReply> list(ApiRequest request) {
    Caller caller = request.requireCaller();
    return lessons.open(caller, Structure.lessonId(request))
        .compose(opened -> IdentityClient.require(bus, caller, opened.course().getOrganizationId(),
                OrgPermission.manage_bookings).map(true).otherwise(false)
            .compose(staff -> {
              Condition whose = staff ? DSL.trueCondition() : QUIZ_ATTEMPT.ENROLLMENT_ID.in(Sql.DSL
                  .select(ENROLLMENT.ID).from(ENROLLMENT).where(ENROLLMENT.USER_ID.eq(caller.userId())));
              return db.fetch(Sql.DSL.selectFrom(QUIZ_ATTEMPT).where(QUIZ_ATTEMPT.LESSON_ID.eq(opened.lesson()
                  .getId())).and(whose).orderBy(QUIZ_ATTEMPT.STARTED_AT.desc()).limit(200));
            }))
        .map(rows -> ApiReply.ok(new JsonObject().put("items", new JsonArray(rows.stream().map(Attempts::summary)
            .toList()))));
  }

  /** POST /v1/attempts/{attemptId}/grade {points: {questionId: n}} (manage_bookings): scores the essays. */
  Future<ApiReply> grade(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("attemptId"));
    JsonObject given = request.bodyObject().getJsonObject("points");
    return readable(request.requireCaller(), id)
        .compose(read -> read.staff() ? Future.succeededFuture(read.attempt())
            : Future.failedFuture(Problem.forbidden("Only staff grade essays.").toException()))
        .compose(attempt -> db.transaction(tx -> Completion.lock(tx, attempt.getEnrollmentId())
            .compose(enrollment -> tx.fetchOne(Sql.DSL.selectFrom(QUIZ_ATTEMPT).where(QUIZ_ATTEMPT.ID.eq(id))
                    .forUpdate())
                .compose(current -> current.getStatus() != AttemptStatus.pending_review
                    ? Future.failedFuture(Problem.of("not-pending-review", 409, "Nothing to grade",
                        "Only a submitted attempt with essays waits for grading.").toException())
                    : Quizzes.find(tx, current.getLessonId()).compose(quiz -> Quizzes.questions(tx, quiz.getLessonId())
                        .compose(questions -> graded(tx, enrollment, quiz, current, questions, given))
                        .compose(done -> view(tx, done, quiz, true)))))))
        .map(ApiReply::ok);
  }

  private static Future<QuizAttemptRecord> graded(Sql tx, EnrollmentRecord enrollment, QuizRecord quiz,
                                                  QuizAttemptRecord attempt, List<QuizQuestionRecord> questions,
                                                  JsonObject given) {
    JsonObject points = new JsonObject(attempt.getFeedback().data());
    for (var question : questions) {
      String qid = question.getId().toString();
      if (question.getKind() == dev.bookwell.db.enums.QuestionKind.essay) {
        Integer n = given.getInteger(qid);
        if (n == null || n < 0 || n > question.getPoints()) {
          throw Problem.invalid("body", "points." + qid, "is 0 to " + question.getPoints()).toException();
        }
        points.put(qid, n);
      }
    }
    int score = points.stream().mapToInt(e -> e.getValue() == null ? 0 : ((Number) e.getValue()).intValue()).sum();
    return scored(tx, enrollment, quiz, attempt, points, score, AttemptStatus.graded);
  }

  /** Scores an attempt with the answers it holds (submitted, or overdue). */
  private static Future<QuizAttemptRecord> finish(Sql tx, EnrollmentRecord enrollment, QuizAttemptRecord attempt) {
    return Quizzes.find(tx, attempt.getLessonId()).compose(quiz -> Quizzes.questions(tx, quiz.getLessonId())
        .compose(questions -> {
          var result = Scoring.score(questions, new JsonObject(attempt.getAnswers().data()));
          return scored(tx, enrollment, quiz, attempt, result.points(), result.score(),
              result.pendingReview() ? AttemptStatus.pending_review : AttemptStatus.submitted);
        }));
  }

  private static Future<QuizAttemptRecord> scored(Sql tx, EnrollmentRecord enrollment, QuizRecord quiz,
                                                  QuizAttemptRecord attempt, JsonObject points, int score,
                                                  AttemptStatus status) {
    Boolean passed = status == AttemptStatus.pending_review ? null
        : score * 100 >= quiz.getPassingPercent() * attempt.getMaxPoints();
    return tx.fetchOne(Sql.DSL.update(QUIZ_ATTEMPT).set(QUIZ_ATTEMPT.STATUS, status)
            .set(QUIZ_ATTEMPT.SUBMITTED_AT, DSL.coalesce(QUIZ_ATTEMPT.SUBMITTED_AT, SqlTime.now()))
            .set(QUIZ_ATTEMPT.SCORE_POINTS, score).set(QUIZ_ATTEMPT.PASSED, passed)
            .set(QUIZ_ATTEMPT.FEEDBACK, JSONB.valueOf(points.encode()))
            .where(QUIZ_ATTEMPT.ID.eq(attempt.getId())).returning())
        .compose(done -> Boolean.TRUE.equals(passed)
            ? Structure.lesson(tx, done.getLessonId())
                .compose(lesson -> Completion.completeLesson(tx, enrollment.getId(), lesson.getId(),
                    lesson.getVersion()))
                .compose(x -> Completion.check(tx, enrollment)).map(done)
            : Future.succeededFuture(done));
  }

  /** Attempts of this enrollment left open past their deadline are scored with what they hold. */
  private static Future<Void> closeOverdue(Sql tx, EnrollmentRecord enrollment, QuizRecord quiz) {
    return tx.fetch(Sql.DSL.selectFrom(QUIZ_ATTEMPT).where(QUIZ_ATTEMPT.ENROLLMENT_ID.eq(enrollment.getId()))
            .and(QUIZ_ATTEMPT.LESSON_ID.eq(quiz.getLessonId())).and(QUIZ_ATTEMPT.STATUS.eq(AttemptStatus.in_progress))
            .and(open().not()))
        .compose(overdue -> InOrder.each(overdue, attempt -> finish(tx, enrollment, attempt)));
  }

  /** Open: in progress and not past its deadline and grace, by the database's clock. */
  private static Condition open() {
    return QUIZ_ATTEMPT.STATUS.eq(AttemptStatus.in_progress).and(QUIZ_ATTEMPT.DEADLINE_AT.isNull()
        .or(QUIZ_ATTEMPT.DEADLINE_AT.plus(DSL.field("interval '" + GRACE.toSeconds() + " seconds'",
            Object.class)).ge(SqlTime.now())));
  }

  private static Problem closed() {
    return Problem.of("attempt-closed", 409, "Attempt closed", "The attempt was submitted or its time is up.");
  }

  /**
   * The new answers merged into the saved ones in SQL ({@code ||}: two saves at once lose nothing). Only answers to
   * the attempt's own questions are kept; each is a choice id, a list of them, true/false, or a text of at most
   * {@link #MAX_ANSWER} characters (400 otherwise).
   */
  private static org.jooq.Field<JSONB> merged(QuizAttemptRecord attempt, JsonObject answers) {
    var kept = new JsonObject();
    var ids = java.util.Arrays.stream(attempt.getQuestionIds()).map(UUID::toString).collect(Collectors.toSet());
    answers.forEach(entry -> {
      if (ids.contains(entry.getKey())) {
        if (!answerShaped(entry.getValue())) {
          throw Problem.invalid("body", "answers." + entry.getKey(), "is not an answer (a text of at most "
              + MAX_ANSWER + " characters, true/false, or a list of choices)").toException();
        }
        kept.put(entry.getKey(), entry.getValue());
      }
    });
    return DSL.field("{0} || {1}", QUIZ_ATTEMPT.ANSWERS.getDataType(), QUIZ_ATTEMPT.ANSWERS,
        DSL.val(JSONB.valueOf(kept.encode())));
  }

  static final int MAX_ANSWER = 10_000;

  private static boolean answerShaped(Object value) {
    return value instanceof Boolean || value instanceof String text && text.length() <= MAX_ANSWER
        || value instanceof JsonArray list && list.size() <= 26
            && list.stream().allMatch(choice -> choice instanceof String id && id.length() <= 5);
  }

  record Read(QuizAttemptRecord attempt, boolean staff) {
  }

  private Future<Read> readable(Caller caller, UUID id) {
    return db.fetchOptional(Sql.DSL.select(QUIZ_ATTEMPT.asterisk(), ENROLLMENT.USER_ID, ENROLLMENT.ORGANIZATION_ID)
            .from(QUIZ_ATTEMPT).join(ENROLLMENT).on(ENROLLMENT.ID.eq(QUIZ_ATTEMPT.ENROLLMENT_ID))
            .where(QUIZ_ATTEMPT.ID.eq(id)))
        .map(found -> found.orElseThrow(() -> notFound(id)))
        .compose(row -> {
          var attempt = row.into(QUIZ_ATTEMPT);
          boolean mine = row.get(ENROLLMENT.USER_ID).equals(caller.userId());
          return IdentityClient.require(bus, caller, row.get(ENROLLMENT.ORGANIZATION_ID), OrgPermission.manage_bookings)
              .map(true).otherwise(false)
              .compose(staff -> staff || mine ? Future.succeededFuture(new Read(attempt, staff))
                  : Future.failedFuture(notFound(id)));
        });
  }

  /**
   * The caller's own attempt (404 for anyone else's), while their enrollment lets them learn: a learner who
   * withdrew (refunded) or whose access ended no longer answers or submits it.
   */
  private Future<QuizAttemptRecord> own(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("attemptId"));
    Caller caller = request.requireCaller();
    return db.fetchOptional(Sql.DSL.select(QUIZ_ATTEMPT.asterisk())
            .select(ENROLLMENT.STATUS.as("enrollment_status"), ENROLLMENT.EXPIRES_AT.as("enrollment_expires_at"))
            .from(QUIZ_ATTEMPT).join(ENROLLMENT).on(ENROLLMENT.ID.eq(QUIZ_ATTEMPT.ENROLLMENT_ID))
            .where(QUIZ_ATTEMPT.ID.eq(id)).and(ENROLLMENT.USER_ID.eq(caller.userId())))
        .compose(found -> {
          var row = found.orElseThrow(() -> notFound(id));
          var enrollment = new EnrollmentRecord()
              .setStatus(row.get("enrollment_status", ENROLLMENT.STATUS.getType()))
              .setExpiresAt(row.get("enrollment_expires_at", ENROLLMENT.EXPIRES_AT.getType()));
          return Enrollments.requireLearning(enrollment).map(row.into(QUIZ_ATTEMPT));
        });
  }

  private static RuntimeException notFound(UUID id) {
    return Problem.notFound("No attempt " + id + ".").toException();
  }

  /**
   * The attempt with its questions in its order, never with their answers to a learner until it is scored, passed
   * or the last one allowed, and the quiz shows answers; staff always see them.
   */
  private static Future<JsonObject> view(Sql sql, QuizAttemptRecord attempt, QuizRecord quiz, boolean staff) {
    // the key only once it can no longer help: a passing attempt, or the last one allowed
    boolean reveal = staff || attempt.getStatus() != AttemptStatus.in_progress && quiz.getShowAnswers()
        && (Boolean.TRUE.equals(attempt.getPassed()) || attempt.getNumber() >= quiz.getAttemptsAllowed());
    return Quizzes.questions(sql, quiz.getLessonId()).map(questions -> {
      Map<UUID, QuizQuestionRecord> byId = questions.stream().collect(Collectors.toMap(QuizQuestionRecord::getId,
          Function.identity()));
      var ordered = java.util.Arrays.stream(attempt.getQuestionIds()).map(byId::get)
          .filter(java.util.Objects::nonNull).map(q -> Quizzes.question(q, reveal)).toList();
      return summary(attempt).put("questions", new JsonArray(ordered))
          .put("answers", new JsonObject(attempt.getAnswers().data()))
          // each question's points tell which answers were right: shown only with the key
          .put("points", !reveal || attempt.getFeedback() == null ? null
              : new JsonObject(attempt.getFeedback().data()));
    });
  }

  private static JsonObject summary(QuizAttemptRecord a) {
    return new JsonObject()
        .put("id", a.getId().toString())
        .put("lessonId", a.getLessonId().toString())
        .put("enrollmentId", a.getEnrollmentId().toString())
        .put("number", a.getNumber())
        .put("status", a.getStatus().getLiteral())
        .put("startedAt", a.getStartedAt().toInstant().toString())
        .put("deadlineAt", a.getDeadlineAt() == null ? null : a.getDeadlineAt().toInstant().toString())
        .put("submittedAt", a.getSubmittedAt() == null ? null : a.getSubmittedAt().toInstant().toString())
        .put("score", a.getScorePoints())
        .put("maxPoints", a.getMaxPoints())
        .put("passed", a.getPassed());
  }
}
