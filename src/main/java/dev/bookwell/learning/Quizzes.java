package dev.bookwell.learning;

import static dev.bookwell.db.Tables.QUIZ;
import static dev.bookwell.db.Tables.QUIZ_ATTEMPT;
import static dev.bookwell.db.Tables.QUIZ_QUESTION;

import dev.bookwell.db.enums.LessonKind;
import dev.bookwell.db.enums.QuestionKind;
import dev.bookwell.db.tables.records.QuizQuestionRecord;
import dev.bookwell.db.tables.records.QuizRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.JSONB;

/**
 * A quiz lesson's settings and questions, set by the course's staff while nobody has attempted it (questions never
 * change under an attempt). Learners get the settings and how many questions there are; the questions come with an
 * attempt ({@link Attempts}), without their answers.
 */
final class Quizzes {

  private static final String OPTION_IDS = "abcdefghijklmnopqrstuvwxyz";

  private final Db db;
  private final Lessons lessons;

  Quizzes(Db db, Lessons lessons) {
    this.db = db;
    this.lessons = lessons;
  }

  /**
   * PUT /v1/lessons/{lessonId}/quiz {timeLimitSeconds?, attemptsAllowed, passingPercent, randomize, showAnswers,
   * questions: [{kind, prompt, points?, options?: [text], correct?: [index] | true | false, accepted?: [text]}]}
   */
  Future<ApiReply> put(ApiRequest request) {
    JsonObject body = request.bodyObject();
    List<QuizQuestionRecord> questions = questions(body.getJsonArray("questions"));
    return lessons.open(request.requireCaller(), Structure.lessonId(request))
        .compose(opened -> {
          if (!opened.staff()) {
            return Future.failedFuture(Problem.forbidden("Only the course's staff set its quizzes.").toException());
          }
          if (opened.lesson().getKind() != LessonKind.quiz) {
            return Future.failedFuture(Problem.of("not-a-quiz", 409, "Not a quiz lesson",
                "Only a lesson of kind quiz holds a quiz.").toException());
          }
          UUID lessonId = opened.lesson().getId();
          // the quiz row locked (starts hold it shared), so no attempt begins while its questions change
          return db.transaction(tx -> tx.fetch(Sql.DSL.selectFrom(QUIZ).where(QUIZ.LESSON_ID.eq(lessonId)).forUpdate())
              .compose(x -> tx.fetchOptional(Sql.DSL.selectOne().from(QUIZ_ATTEMPT)
                  .where(QUIZ_ATTEMPT.LESSON_ID.eq(lessonId)).limit(1)))
              .compose(attempted -> attempted.isPresent() ? Future.failedFuture(Problem.of("quiz-in-use", 409,
                      "Quiz in use", "Learners have attempted this quiz; its questions stay as they are.")
                  .toException())
                  : tx.fetchOne(Sql.DSL.insertInto(QUIZ).set(QUIZ.LESSON_ID, lessonId).set(settings(body))
                          .onConflict(QUIZ.LESSON_ID).doUpdate().set(settings(body)).returning())
                      .compose(quiz -> tx.update(Sql.DSL.deleteFrom(QUIZ_QUESTION)
                              .where(QUIZ_QUESTION.LESSON_ID.eq(lessonId)))
                          .compose(x -> insert(tx, lessonId, questions))
                          .compose(x -> tx.fetch(Sql.DSL.selectFrom(QUIZ_QUESTION)
                              .where(QUIZ_QUESTION.LESSON_ID.eq(lessonId)).orderBy(QUIZ_QUESTION.POSITION)))
                          .map(stored -> json(quiz, stored, true)))));
        })
        .map(ApiReply::ok);
  }

  /** GET /v1/lessons/{lessonId}/quiz: staff see questions and answers; learners the settings and the count. */
  Future<ApiReply> get(ApiRequest request) {
    return lessons.open(request.requireCaller(), Structure.lessonId(request))
        .compose(opened -> find(db, opened.lesson().getId())
            .compose(quiz -> questions(db, quiz.getLessonId())
                .map(questions -> json(quiz, opened.staff() ? questions : List.of(), opened.staff())
                    .put("questionCount", questions.size()))))
        .map(ApiReply::ok);
  }

  /** The settings a PUT sets, with their defaults. */
  private static java.util.Map<org.jooq.Field<?>, Object> settings(JsonObject body) {
    var settings = new java.util.HashMap<org.jooq.Field<?>, Object>();
    settings.put(QUIZ.TIME_LIMIT_SECONDS, body.getInteger("timeLimitSeconds"));
    settings.put(QUIZ.ATTEMPTS_ALLOWED, body.getInteger("attemptsAllowed", 1));
    settings.put(QUIZ.PASSING_PERCENT, body.getInteger("passingPercent", 70));
    settings.put(QUIZ.RANDOMIZE, body.getBoolean("randomize", false));
    settings.put(QUIZ.SHOW_ANSWERS, body.getBoolean("showAnswers", false));
    return settings;
  }

  /** The quiz, its row held shared for the caller's transaction (a change of questions waits for it). */
  static Future<QuizRecord> find(Sql sql, UUID lessonId) {
    return sql.fetchOptional(Sql.DSL.selectFrom(QUIZ).where(QUIZ.LESSON_ID.eq(lessonId)).forShare())
        .map(found -> found.orElseThrow(() -> Problem.notFound("This lesson has no quiz yet.").toException()));
  }

  static Future<List<QuizQuestionRecord>> questions(Sql sql, UUID lessonId) {
    return sql.fetch(Sql.DSL.selectFrom(QUIZ_QUESTION).where(QUIZ_QUESTION.LESSON_ID.eq(lessonId))
        .orderBy(QUIZ_QUESTION.POSITION));
  }

  private static Future<Void> insert(Sql tx, UUID lessonId, List<QuizQuestionRecord> questions) {
    if (questions.isEmpty()) {
      return Future.succeededFuture();
    }
    var insert = Sql.DSL.insertInto(QUIZ_QUESTION, QUIZ_QUESTION.LESSON_ID, QUIZ_QUESTION.KIND, QUIZ_QUESTION.PROMPT,
        QUIZ_QUESTION.OPTIONS, QUIZ_QUESTION.ANSWER, QUIZ_QUESTION.POINTS, QUIZ_QUESTION.POSITION);
    for (var q : questions) {
      insert = insert.values(lessonId, q.getKind(), q.getPrompt(), q.getOptions(), q.getAnswer(), q.getPoints(),
          q.getPosition());
    }
    return tx.update(insert).mapEmpty();
  }

  /** The questions as given, checked: options get ids a, b, c...; the answer key is stored by option id. */
  private static List<QuizQuestionRecord> questions(JsonArray given) {
    var out = new ArrayList<QuizQuestionRecord>();
    for (int i = 0; i < given.size(); i++) {
      JsonObject q = given.getJsonObject(i);
      var kind = QuestionKind.lookupLiteral(q.getString("kind"));
      var options = new JsonArray();
      JsonArray texts = q.getJsonArray("options", new JsonArray());
      for (int o = 0; o < texts.size(); o++) {
        options.add(new JsonObject().put("id", String.valueOf(OPTION_IDS.charAt(o))).put("text", texts.getString(o)));
      }
      var record = new QuizQuestionRecord().setKind(kind).setPrompt(q.getString("prompt"))
          .setPoints(q.getInteger("points", 1)).setPosition(i).setOptions(JSONB.valueOf(options.encode()))
          .setAnswer(JSONB.valueOf(key(kind, q, options, "questions." + i).encode()));
      out.add(record);
    }
    return out;
  }

  private static JsonObject key(QuestionKind kind, JsonObject q, JsonArray options, String field) {
    return switch (kind) {
      case single_choice, multiple_choice -> {
        JsonArray correct = q.getValue("correct") instanceof JsonArray a ? a : new JsonArray();
        var ids = new JsonArray();
        for (Object index : correct) {
          if (!(index instanceof Integer n) || n < 0 || n >= options.size()) {
            throw Problem.invalid("body", field + ".correct", "names an option that does not exist").toException();
          }
          ids.add(options.getJsonObject(n).getString("id"));
        }
        if (options.size() < 2 || ids.isEmpty() || kind == QuestionKind.single_choice && ids.size() != 1) {
          throw Problem.invalid("body", field, "needs two or more options and "
              + (kind == QuestionKind.single_choice ? "exactly one" : "at least one") + " correct").toException();
        }
        yield new JsonObject().put("correct", ids);
      }
      case true_false -> {
        if (!(q.getValue("correct") instanceof Boolean value)) {
          throw Problem.invalid("body", field + ".correct", "is true or false").toException();
        }
        yield new JsonObject().put("value", value);
      }
      case short_answer -> {
        JsonArray accepted = q.getJsonArray("accepted", new JsonArray());
        if (accepted.isEmpty()) {
          throw Problem.invalid("body", field + ".accepted", "lists the accepted answers").toException();
        }
        yield new JsonObject().put("accepted", accepted);
      }
      case essay -> new JsonObject();
    };
  }

  static JsonObject json(QuizRecord quiz, List<QuizQuestionRecord> questions, boolean withAnswers) {
    return new JsonObject()
        .put("lessonId", quiz.getLessonId().toString())
        .put("timeLimitSeconds", quiz.getTimeLimitSeconds())
        .put("attemptsAllowed", quiz.getAttemptsAllowed())
        .put("passingPercent", quiz.getPassingPercent())
        .put("randomize", quiz.getRandomize())
        .put("showAnswers", quiz.getShowAnswers())
        .put("questions", new JsonArray(questions.stream().map(q -> question(q, withAnswers)).toList()));
  }

  static JsonObject question(QuizQuestionRecord q, boolean withAnswer) {
    var json = new JsonObject().put("id", q.getId().toString()).put("kind", q.getKind().getLiteral())
        .put("prompt", q.getPrompt()).put("options", new JsonArray(q.getOptions().data())).put("points", q.getPoints());
    return withAnswer ? json.put("answer", new JsonObject(q.getAnswer().data())) : json;
  }
}
