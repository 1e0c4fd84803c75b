package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE;
import static dev.bookwell.db.Tables.COURSE_PROVIDER;
import static dev.bookwell.db.Tables.COURSE_SECTION;
import static dev.bookwell.db.Tables.LESSON;
import static dev.bookwell.db.Tables.QUIZ;
import static dev.bookwell.db.Tables.QUIZ_QUESTION;

import dev.bookwell.DemoAccounts;
import dev.bookwell.db.enums.CourseKind;
import dev.bookwell.db.enums.CourseStatus;
import dev.bookwell.db.enums.LessonKind;
import dev.bookwell.db.enums.QuestionKind;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.JSONB;

/**
 * The demo's courses, at the training centre, taught by Ivy Instructor: a free self-paced paediatric first-aid
 * course with a video, a reading and a quiz, and the classroom "First aid at work" course whose dates are the
 * first-aid service's sessions (a certification, valid three years). Fixed ids, created once.
 */
final class LearningDemo {

  static final UUID SELF_PACED = UUID.fromString("00000000-0000-4000-9000-000000000101");
  static final UUID CLASSROOM = UUID.fromString("00000000-0000-4000-9000-000000000102");
  private static final UUID SECTION = UUID.fromString("00000000-0000-4000-9000-000000000111");
  private static final UUID VIDEO = UUID.fromString("00000000-0000-4000-9000-000000000121");
  private static final UUID READING = UUID.fromString("00000000-0000-4000-9000-000000000122");
  private static final UUID QUIZ_LESSON = UUID.fromString("00000000-0000-4000-9000-000000000123");

  private LearningDemo() {
  }

  static Future<Void> seed(Db db, EventBus bus) {
    return db.transaction(tx -> tx.fetchOptional(Sql.DSL.selectOne().from(COURSE).where(COURSE.ID.eq(SELF_PACED)))
        .compose(found -> found.isPresent() ? Future.succeededFuture() : insert(tx)));
  }

  private static Future<Void> insert(Sql tx) {
    UUID admin = DemoAccounts.ADMIN.id();
    UUID centre = DemoAccounts.TRAINING_CENTRE;
    return tx.update(Sql.DSL.insertInto(COURSE, COURSE.ID, COURSE.ORGANIZATION_ID, COURSE.SLUG, COURSE.TITLE,
                COURSE.SUMMARY, COURSE.DESCRIPTION, COURSE.KIND, COURSE.PRICE_MINOR, COURSE.CURRENCY,
                COURSE.DURATION_MINUTES, COURSE.SERVICE_ID, COURSE.VALIDITY_YEARS, COURSE.TAGS, COURSE.STATUS,
                COURSE.PUBLISHED_AT, COURSE.CREATED_BY)
            .values(SELF_PACED, centre, "paediatric-first-aid-essentials", "Paediatric first aid: the essentials",
                "Choking, burns and fever in infants and children, at your own pace.",
                "Short videos and readings for parents, nannies and nursery staff, with a quiz at the end.",
                CourseKind.self_paced, 0L, "GBP", 90, null, null, new String[] {"first-aid", "paediatric"},
                CourseStatus.published, java.time.OffsetDateTime.now(), admin)
            .values(CLASSROOM, centre, "first-aid-at-work", "First aid at work (one day)",
                "The one-day workplace first-aid certificate, in our training hall.",
                "Hands-on CPR, recovery position, bleeding and shock; assessed on the day. Valid three years.",
                CourseKind.classroom, 12000L, "GBP", 480, DemoAccounts.FIRST_AID_SERVICE, 3,
                new String[] {"first-aid", "certification"}, CourseStatus.published, java.time.OffsetDateTime.now(), admin))
        .compose(x -> tx.update(Sql.DSL.insertInto(COURSE_PROVIDER, COURSE_PROVIDER.COURSE_ID,
                COURSE_PROVIDER.PROVIDER_ID)
            .values(SELF_PACED, DemoAccounts.IVY_PROVIDER).values(CLASSROOM, DemoAccounts.IVY_PROVIDER)))
        .compose(x -> tx.update(Sql.DSL.insertInto(COURSE_SECTION, COURSE_SECTION.ID, COURSE_SECTION.COURSE_ID,
            COURSE_SECTION.TITLE, COURSE_SECTION.POSITION).values(SECTION, SELF_PACED, "Emergencies", 0)))
        .compose(x -> tx.update(Sql.DSL.insertInto(LESSON, LESSON.ID, LESSON.COURSE_ID, LESSON.SECTION_ID,
                LESSON.TITLE, LESSON.KIND, LESSON.POSITION, LESSON.PREVIEW, LESSON.CONTENT)
            .values(VIDEO, SELF_PACED, SECTION, "Choking in infants", LessonKind.video, 0, true,
                json(new JsonObject().put("videoUrl", "https://videos.example/choking-infants.mp4")
                    .put("durationSeconds", 420)))
            .values(READING, SELF_PACED, SECTION, "Burns and scalds", LessonKind.text, 1, false,
                json(new JsonObject().put("text", "Cool the burn under cool running water for 20 minutes. ...")
                    .put("readingMinutes", 6)))
            .values(QUIZ_LESSON, SELF_PACED, SECTION, "Check what you know", LessonKind.quiz, 2, false,
                json(new JsonObject()))))
        .compose(x -> tx.update(Sql.DSL.insertInto(QUIZ, QUIZ.LESSON_ID, QUIZ.ATTEMPTS_ALLOWED, QUIZ.PASSING_PERCENT,
            QUIZ.TIME_LIMIT_SECONDS, QUIZ.SHOW_ANSWERS).values(QUIZ_LESSON, 3, 70, 600, true)))
        .compose(x -> tx.update(Sql.DSL.insertInto(QUIZ_QUESTION, QUIZ_QUESTION.LESSON_ID, QUIZ_QUESTION.KIND,
                QUIZ_QUESTION.PROMPT, QUIZ_QUESTION.OPTIONS, QUIZ_QUESTION.ANSWER, QUIZ_QUESTION.POSITION)
            .values(QUIZ_LESSON, QuestionKind.single_choice, "How many back blows for a choking infant?",
                json(new JsonArray().add(option("a", "Up to 5")).add(option("b", "Up to 10"))
                    .add(option("c", "As many as it takes"))), json(new JsonObject().put("correct",
                    new JsonArray().add("a"))), 0)
            .values(QUIZ_LESSON, QuestionKind.true_false, "Ice is the best way to cool a burn.",
                json(new JsonArray()), json(new JsonObject().put("value", false)), 1)
            .values(QUIZ_LESSON, QuestionKind.short_answer, "For how many minutes do you cool a burn?",
                json(new JsonArray()), json(new JsonObject().put("accepted", new JsonArray().add("20")
                    .add("twenty"))), 2)))
        .mapEmpty();
  }

  private static JsonObject option(String id, String text) {
    return new JsonObject().put("id", id).put("text", text);
  }

  private static JSONB json(Object value) {
    return JSONB.valueOf(value.toString());
  }
}
