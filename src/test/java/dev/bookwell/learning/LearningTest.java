package dev.bookwell.learning;

import static dev.bookwell.db.Tables.ENROLLMENT;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.db.Tables.QUIZ_ATTEMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The learning area over HTTP: catalogue, enrollment, progress and quizzes, with their races. */
class LearningTest {

  static TestApp app;
  static World world;
  static LearningFixture learning;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    world = new World(app, "UTC");
    learning = new LearningFixture(app, world);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aCourseIsBuiltPublishedFoundAndLearnedToCompletion() {
    String course = learning.course("Paediatric first aid online", "self_paced", new JsonObject()
        .put("summary", "Choking and burns in children").put("tags", new JsonArray().add("First-Aid"))
        .put("providerIds", new JsonArray().add(world.providerId)));
    String section = learning.section(course);
    String video = learning.lesson(course, section, "video", new JsonObject().put("preview", true)
        .put("content", new JsonObject().put("videoUrl", "https://v.example/1.mp4").put("durationSeconds", 300)));
    String text = learning.lesson(course, section, "text", new JsonObject()
        .put("content", new JsonObject().put("text", "Cool the burn.").put("readingMinutes", 3)));
    String quiz = learning.lesson(course, section, "quiz", new JsonObject());
    learning.quiz(quiz, new JsonObject().put("attemptsAllowed", 2).put("passingPercent", 60).put("showAnswers", true));
    // reorder: the reading first, in one statement (positions are unique per section)
    var outline = learning.call(HttpMethod.PUT, "/v1/courses/" + course + "/sections/" + section + "/lessons/order",
        new JsonObject().put("ids", new JsonArray().add(text).add(video).add(quiz)), world.owner, 200);
    assertEquals(text, outline.getJsonArray("sections").getJsonObject(0).getJsonArray("lessons").getJsonObject(0)
        .getString("id"));
    learning.call(HttpMethod.PUT, "/v1/courses/" + course + "/sections/" + section + "/lessons/order",
        new JsonObject().put("ids", new JsonArray().add(text).add(video)), world.owner, 422);

    assertEquals(404, app.call(HttpMethod.GET, "/v1/courses/" + course, null, null).statusCode(), "a draft");
    learning.publish(course);
    var found = learning.call(HttpMethod.GET, "/v1/courses?q=burns%20children", null, null, 200);
    assertTrue(ids(found).contains(course), "found by its summary's words, stemmed: " + found);
    assertTrue(ids(learning.call(HttpMethod.GET, "/v1/courses?tag=first-aid&kind=self_paced", null, null, 200))
        .contains(course));
    assertFalse(ids(learning.call(HttpMethod.GET, "/v1/courses?q=burns&kind=classroom", null, null, 200))
        .contains(course));

    assertEquals(200, app.call(HttpMethod.GET, "/v1/lessons/" + video, null, null).statusCode(), "a preview");
    assertEquals(403, app.call(HttpMethod.GET, "/v1/lessons/" + text, null, null).statusCode());
    String learner = world.userToken();
    String enrollment = learning.enroll(course, learner);
    assertEquals(enrollment, learning.call(HttpMethod.POST, "/v1/courses/" + course + "/enrollments", null, learner,
        200).getString("id"), "enrolling again is the same enrollment");
    assertEquals("Cool the burn.", learning.call(HttpMethod.GET, "/v1/lessons/" + text, null, learner, 200)
        .getJsonObject("content").getString("text"));

    // progress: a retried report counts once; a report claims at most 300 s
    String progress = "/v1/enrollments/" + enrollment + "/lessons/" + video + "/progress";
    var body = new JsonObject().put("seq", 1).put("percent", 40).put("positionSeconds", 120)
        .put("timeSpentSeconds", 7200);
    learning.call(HttpMethod.POST, progress, body, learner, 200);
    var again = learning.call(HttpMethod.POST, progress, body, learner, 200);
    assertEquals(300, again.getJsonArray("lessons").getJsonObject(0).getLong("timeSpentSeconds"));
    assertEquals(404, app.call(HttpMethod.POST, progress, body.copy().put("seq", 2), world.userToken())
        .statusCode(), "nobody reports another's progress");
    learning.call(HttpMethod.POST, progress, new JsonObject().put("seq", 2).put("completed", true), learner, 200);
    learning.call(HttpMethod.POST, "/v1/enrollments/" + enrollment + "/lessons/" + quiz + "/progress",
        new JsonObject().put("seq", 3).put("completed", true), learner, 200);  // a quiz is not completed by a report
    var halfway = learning.call(HttpMethod.POST, "/v1/enrollments/" + enrollment + "/lessons/" + text + "/progress",
        new JsonObject().put("seq", 4).put("percent", 100), learner, 200);
    assertEquals("active", halfway.getString("status"), "the quiz is still to pass");
    assertEquals(2, halfway.getJsonObject("progress").getInteger("completedLessons"));

    // the quiz: questions without their answers; a wrong try, then a passing one completes the course
    var attempt = learning.call(HttpMethod.POST, "/v1/lessons/" + quiz + "/attempts", null, learner, 201);
    attempt.getJsonArray("questions").forEach(q -> assertNull(((JsonObject) q).getValue("answer")));
    var failed = learning.call(HttpMethod.POST, "/v1/attempts/" + attempt.getString("id") + "/submit",
        new JsonObject().put("answers", new JsonObject()), learner, 200);
    assertEquals(false, failed.getBoolean("passed"));
    assertFalse(failed.getJsonArray("questions").getJsonObject(0).containsKey("answer"),
        "the key stays hidden while attempts remain");
    assertNull(failed.getValue("points"), "so do each question's points, which would tell the right answers");
    var second = learning.call(HttpMethod.POST, "/v1/lessons/" + quiz + "/attempts", null, learner, 201);
    learning.call(HttpMethod.PUT, "/v1/attempts/" + second.getString("id") + "/answers",
        new JsonObject().put("answers", LearningFixture.rightAnswers(second)), learner, 200);
    var passed = learning.call(HttpMethod.POST, "/v1/attempts/" + second.getString("id") + "/submit", null, learner,
        200);
    assertEquals(true, passed.getBoolean("passed"), passed.encode());
    assertEquals(3, passed.getInteger("score"));
    assertTrue(passed.getJsonArray("questions").getJsonObject(0).containsKey("answer"), "shown once passed");
    assertEquals(3, passed.getJsonObject("points").size(), "with each question's points");
    var done = learning.call(HttpMethod.GET, "/v1/enrollments/" + enrollment, null, learner, 200);
    assertEquals("completed", done.getString("status"), done.encode());
    assertEquals(100, done.getJsonObject("progress").getInteger("percent"));
    learning.call(HttpMethod.POST, "/v1/lessons/" + quiz + "/attempts", null, learner, 409);
    assertEquals(1, completions(enrollment));

    // staff see the organization's enrollments; a stranger with an organization of their own sees and changes nothing
    assertTrue(learning.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/enrollments?courseId="
        + course, null, world.owner, 200).getJsonArray("items").stream()
        .anyMatch(e -> ((JsonObject) e).getString("id").equals(enrollment)));
    String stranger = world.userToken();
    dev.bookwell.identity.IdentityFixture.organization(app, stranger);
    assertEquals(403, app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/enrollments", null,
        stranger).statusCode());
    assertEquals(403, app.call(HttpMethod.PATCH, "/v1/courses/" + course, new JsonObject().put("title", "Mine"),
        stranger).statusCode());
    assertEquals(404, app.call(HttpMethod.GET, "/v1/enrollments/" + enrollment, null, stranger).statusCode());
    assertEquals(404, app.call(HttpMethod.GET, "/v1/attempts/" + second.getString("id"), null, stranger)
        .statusCode());
    assertEquals("Paediatric first aid online", learning.call(HttpMethod.GET, "/v1/courses/" + course, null, null,
        200).getString("title"), "unchanged");
    // a course of one's own organization cannot name another organization's provider
    String strangerOrg = learning.call(HttpMethod.GET, "/v1/me/organizations", null, stranger, 200)
        .getJsonArray("items").getJsonObject(0).getString("organizationId");
    assertEquals(404, app.call(HttpMethod.POST, "/v1/organizations/" + strangerOrg + "/courses", new JsonObject()
        .put("title", "Borrowed").put("kind", "self_paced").put("slug", "borrowed")
        .put("providerIds", new JsonArray().add(world.providerId)), stranger).statusCode());

    // an edit of the published lesson keeps the old one as a version
    learning.call(HttpMethod.PATCH, "/v1/lessons/" + text, new JsonObject().put("content", new JsonObject()
        .put("text", "Cool the burn for 20 minutes.")), world.owner, 200);
    var versions = learning.call(HttpMethod.GET, "/v1/lessons/" + text + "/versions", null, world.owner, 200);
    assertEquals("Cool the burn.", versions.getJsonArray("items").getJsonObject(0).getJsonObject("content")
        .getString("text"));
  }

  @Test
  void aStrangerFromAnotherOrganizationChangesNothingOfAnotherOrganizationsCourse() {
    String course = learning.course("Guarded", "self_paced", new JsonObject());
    String section = learning.section(course);
    String text = learning.lesson(course, section, "text", new JsonObject());
    String quiz = learning.lesson(course, section, "quiz", new JsonObject());
    learning.quiz(quiz, new JsonObject().put("attemptsAllowed", 2));
    learning.publish(course);
    String learner = world.userToken();
    String enrollment = learning.enroll(course, learner);
    String attempt = learning.call(HttpMethod.POST, "/v1/lessons/" + quiz + "/attempts", null, learner, 201)
        .getString("id");
    var outline = learning.call(HttpMethod.GET, "/v1/courses/" + course, null, null, 200);
    var before = learning.call(HttpMethod.GET, "/v1/enrollments/" + enrollment, null, learner, 200);

    String stranger = world.userToken();
    dev.bookwell.identity.IdentityFixture.organization(app, stranger);
    record Try(HttpMethod method, String path, JsonObject body) {
    }
    var ids = new JsonArray().add(text).add(quiz);
    for (var attack : java.util.List.of(
        new Try(HttpMethod.PATCH, "/v1/courses/" + course, new JsonObject().put("title", "Taken")),
        new Try(HttpMethod.POST, "/v1/courses/" + course + "/archive", null),
        new Try(HttpMethod.POST, "/v1/courses/" + course + "/sections", new JsonObject().put("title", "Mine")),
        new Try(HttpMethod.PUT, "/v1/courses/" + course + "/sections/order", new JsonObject().put("ids",
            new JsonArray().add(section))),
        new Try(HttpMethod.POST, "/v1/courses/" + course + "/sections/" + section + "/lessons", new JsonObject()
            .put("title", "Mine").put("kind", "text")),
        new Try(HttpMethod.PUT, "/v1/courses/" + course + "/sections/" + section + "/lessons/order",
            new JsonObject().put("ids", ids)),
        new Try(HttpMethod.PATCH, "/v1/lessons/" + text, new JsonObject().put("title", "Mine")),
        new Try(HttpMethod.GET, "/v1/lessons/" + text + "/versions", null),
        new Try(HttpMethod.POST, "/v1/lessons/" + text + "/resources", new JsonObject().put("title", "x")
            .put("url", "https://evil.example/x").put("mediaType", "text/plain").put("sizeBytes", 1)),
        new Try(HttpMethod.PUT, "/v1/lessons/" + quiz + "/quiz", new JsonObject().put("questions", new JsonArray()
            .add(new JsonObject().put("kind", "essay").put("prompt", "Mine")))),
        new Try(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/courses", null),
        new Try(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/enrollments", null),
        new Try(HttpMethod.POST, "/v1/courses/" + course + "/enrollments", new JsonObject().put("userId",
            before.getString("userId"))),
        new Try(HttpMethod.GET, "/v1/enrollments/" + enrollment, null),
        new Try(HttpMethod.POST, "/v1/enrollments/" + enrollment + "/withdraw", null),
        new Try(HttpMethod.POST, "/v1/enrollments/" + enrollment + "/lessons/" + text + "/progress",
            new JsonObject().put("seq", 99).put("completed", true)),
        new Try(HttpMethod.GET, "/v1/attempts/" + attempt, null),
        new Try(HttpMethod.PUT, "/v1/attempts/" + attempt + "/answers", new JsonObject().put("answers",
            new JsonObject())),
        new Try(HttpMethod.POST, "/v1/attempts/" + attempt + "/submit", null),
        new Try(HttpMethod.POST, "/v1/attempts/" + attempt + "/grade", new JsonObject().put("points",
            new JsonObject())))) {
      int status = app.call(attack.method(), attack.path(), attack.body(), stranger).statusCode();
      assertTrue(status == 403 || status == 404, attack.method() + " " + attack.path() + " answered " + status);
    }
    assertEquals(outline, learning.call(HttpMethod.GET, "/v1/courses/" + course, null, null, 200),
        "the victim's course is as it was");
    var after = learning.call(HttpMethod.GET, "/v1/enrollments/" + enrollment, null, learner, 200);
    assertEquals(before, after, "and so is the learner's enrollment");
    assertEquals("in_progress", learning.call(HttpMethod.GET, "/v1/attempts/" + attempt, null, learner, 200)
        .getString("status"));
  }

  /**
   * A completed enrollment's access ends with its window too (it opened its lessons for ever); enrolling (or buying)
   * again opens it again and keeps it completed. A learner who withdrew no longer answers or submits an attempt.
   */
  @Test
  void accessEndsWithItsWindowEvenCompletedAndAWithdrawnLearnerSubmitsNothing() {
    String course = learning.course("Hand hygiene", "self_paced", new JsonObject().put("accessDays", 30));
    String section = learning.section(course);
    String text = learning.lesson(course, section, "text", new JsonObject()
        .put("content", new JsonObject().put("text", "Twenty seconds.").put("readingMinutes", 1)));
    learning.publish(course);
    String learner = world.userToken();
    String enrollment = learning.enroll(course, learner);
    String progress = "/v1/enrollments/" + enrollment + "/lessons/" + text + "/progress";
    assertEquals("completed", learning.call(HttpMethod.POST, progress, new JsonObject().put("seq", 1)
        .put("completed", true), learner, 200).getString("status"));

    Wait.on(app.db.update(Sql.DSL.update(ENROLLMENT).set(ENROLLMENT.EXPIRES_AT,
        java.time.OffsetDateTime.now().minusDays(1)).where(ENROLLMENT.ID.eq(UUID.fromString(enrollment)))));
    assertEquals(403, app.call(HttpMethod.GET, "/v1/lessons/" + text, null, learner).statusCode(), "the window ended");
    var late = app.call(HttpMethod.POST, progress, new JsonObject().put("seq", 2).put("percent", 50), learner);
    assertEquals(409, late.statusCode());
    assertTrue(late.bodyAsJsonObject().getString("type").endsWith("enrollment-expired"));
    assertEquals("completed", learning.call(HttpMethod.GET, "/v1/enrollments/" + enrollment, null, learner, 200)
        .getString("status"), "what was achieved stays");

    assertEquals(enrollment, learning.call(HttpMethod.POST, "/v1/courses/" + course + "/enrollments", null, learner,
        200).getString("id"));
    var reopened = learning.call(HttpMethod.GET, "/v1/enrollments/" + enrollment, null, learner, 200);
    assertEquals("completed", reopened.getString("status"));
    assertTrue(java.time.OffsetDateTime.parse(reopened.getString("expiresAt")).isAfter(
        java.time.OffsetDateTime.now().plusDays(29)), reopened.encode());
    assertEquals(200, app.call(HttpMethod.GET, "/v1/lessons/" + text, null, learner).statusCode());

    String quizzed = learning.course("Sharps", "self_paced", new JsonObject());
    String quiz = learning.lesson(quizzed, learning.section(quizzed), "quiz", new JsonObject());
    learning.quiz(quiz, new JsonObject().put("attemptsAllowed", 2).put("passingPercent", 60));
    learning.publish(quizzed);
    String leaving = world.userToken();
    String left = learning.enroll(quizzed, leaving);
    var attempt = learning.call(HttpMethod.POST, "/v1/lessons/" + quiz + "/attempts", null, leaving, 201);
    learning.call(HttpMethod.POST, "/v1/enrollments/" + left + "/withdraw", null, leaving, 200);
    var submitted = app.call(HttpMethod.POST, "/v1/attempts/" + attempt.getString("id") + "/submit",
        new JsonObject().put("answers", LearningFixture.rightAnswers(attempt)), leaving);
    assertEquals(409, submitted.statusCode(), submitted.bodyAsString());
    assertTrue(submitted.bodyAsJsonObject().getString("type").endsWith("enrollment-withdrawn"));
    assertEquals("in_progress", learning.call(HttpMethod.GET, "/v1/attempts/" + attempt.getString("id"), null,
        leaving, 200).getString("status"), "not scored");
  }

  @Test
  void concurrentLastLessonsCompleteTheCourseOnce() {
    String course = learning.course("Two readings", "self_paced", new JsonObject());
    String section = learning.section(course);
    String first = learning.lesson(course, section, "text", new JsonObject());
    String second = learning.lesson(course, section, "text", new JsonObject());
    learning.publish(course);
    for (int round = 0; round < 5; round++) {
      String learner = world.userToken();
      String enrollment = learning.enroll(course, learner);
      var reports = new ArrayList<Future<?>>();
      for (String lesson : new String[] {first, second, first, second}) {
        reports.add(app.callAsync(HttpMethod.POST, "/v1/enrollments/" + enrollment + "/lessons/" + lesson
            + "/progress", new JsonObject().put("seq", reports.size()).put("completed", true), learner));
      }
      Wait.on(Future.all(reports));
      assertEquals("completed", learning.call(HttpMethod.GET, "/v1/enrollments/" + enrollment, null, learner, 200)
          .getString("status"));
      assertEquals(1, completions(enrollment), "completed once, round " + round);
    }
  }

  @Test
  void concurrentQuizStartsNeverExceedTheAttemptsAllowed() {
    String course = learning.course("Quizzed", "self_paced", new JsonObject());
    String section = learning.section(course);
    String quiz = learning.lesson(course, section, "quiz", new JsonObject());
    learning.quiz(quiz, new JsonObject().put("attemptsAllowed", 3).put("randomize", true));
    learning.publish(course);
    String learner = world.userToken();
    String enrollment = learning.enroll(course, learner);
    for (int round = 0; round < 4; round++) {
      var starts = new ArrayList<Future<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>>();
      for (int i = 0; i < 6; i++) {
        starts.add(app.callAsync(HttpMethod.POST, "/v1/lessons/" + quiz + "/attempts", null, learner));
      }
      Wait.on(Future.all(starts));
      var codes = starts.stream().map(f -> f.result().statusCode()).toList();
      if (round < 3) {
        assertEquals(1, codes.stream().filter(c -> c == 201).count(), "one new attempt: " + codes);
        assertEquals(5, codes.stream().filter(c -> c == 200).count(), "the others get it: " + codes);
        String attempt = starts.stream().filter(f -> f.result().statusCode() == 201).findFirst().orElseThrow()
            .result().bodyAsJsonObject().getString("id");
        learning.call(HttpMethod.POST, "/v1/attempts/" + attempt + "/submit", null, learner, 200);
      } else {
        assertTrue(codes.stream().allMatch(c -> c == 409), "none left: " + codes);
      }
    }
    assertEquals(3, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(QUIZ_ATTEMPT)
        .where(QUIZ_ATTEMPT.ENROLLMENT_ID.eq(UUID.fromString(enrollment))))).value1());
  }

  @Test
  void answersAfterTheTimeLimitAreNotTakenAndEssaysWaitForAGrader() {
    String course = learning.course("Timed", "self_paced", new JsonObject());
    String section = learning.section(course);
    String quiz = learning.lesson(course, section, "quiz", new JsonObject());
    learning.quiz(quiz, new JsonObject().put("attemptsAllowed", 2).put("timeLimitSeconds", 60));
    learning.publish(course);
    String learner = world.userToken();
    learning.enroll(course, learner);
    var attempt = learning.call(HttpMethod.POST, "/v1/lessons/" + quiz + "/attempts", null, learner, 201);
    String id = attempt.getString("id");
    // one right answer saved in time; then the clock passes the deadline and its grace
    var answers = LearningFixture.rightAnswers(attempt);
    String saved = answers.fieldNames().iterator().next();
    learning.call(HttpMethod.PUT, "/v1/attempts/" + id + "/answers", new JsonObject().put("answers",
        new JsonObject().put(saved, answers.getValue(saved))), learner, 200);
    Wait.on(app.db.update(Sql.DSL.update(QUIZ_ATTEMPT).set(QUIZ_ATTEMPT.DEADLINE_AT,
        java.time.OffsetDateTime.now().minusMinutes(1)).where(QUIZ_ATTEMPT.ID.eq(UUID.fromString(id)))));
    learning.call(HttpMethod.PUT, "/v1/attempts/" + id + "/answers", new JsonObject().put("answers", answers),
        learner, 409);
    var late = learning.call(HttpMethod.POST, "/v1/attempts/" + id + "/submit", new JsonObject().put("answers",
        answers), learner, 200);
    assertEquals(1, late.getInteger("score"), "scored with what was saved in time: " + late.encode());

    String essayCourse = learning.course("Essays", "self_paced", new JsonObject());
    String essaySection = learning.section(essayCourse);
    String essayQuiz = learning.lesson(essayCourse, essaySection, "quiz", new JsonObject());
    learning.call(HttpMethod.PUT, "/v1/lessons/" + essayQuiz + "/quiz", new JsonObject().put("passingPercent", 50)
        .put("questions", new JsonArray().add(new JsonObject().put("kind", "essay").put("prompt", "Explain CPR")
            .put("points", 10))), world.owner, 200);
    learning.publish(essayCourse);
    String enrollment = learning.enroll(essayCourse, learner);
    var essay = learning.call(HttpMethod.POST, "/v1/lessons/" + essayQuiz + "/attempts", null, learner, 201);
    String question = essay.getJsonArray("questions").getJsonObject(0).getString("id");
    var pending = learning.call(HttpMethod.POST, "/v1/attempts/" + essay.getString("id") + "/submit",
        new JsonObject().put("answers", new JsonObject().put(question, "Push hard and fast.")), learner, 200);
    assertEquals("pending_review", pending.getString("status"));
    learning.call(HttpMethod.POST, "/v1/attempts/" + essay.getString("id") + "/grade", new JsonObject().put("points",
        new JsonObject().put(question, 7)), learner, 403);
    var graded = learning.call(HttpMethod.POST, "/v1/attempts/" + essay.getString("id") + "/grade",
        new JsonObject().put("points", new JsonObject().put(question, 7)), world.owner, 200);
    assertEquals("graded", graded.getString("status"));
    assertEquals(true, graded.getBoolean("passed"));
    assertEquals("completed", learning.call(HttpMethod.GET, "/v1/enrollments/" + enrollment, null, learner, 200)
        .getString("status"));
  }

  @Test
  void aBookedClassroomSessionEnrollsAndItsCancellationWithdraws() {
    String service = world.service(new JsonObject().put("name", "First aid day").put("priceMinor", 0));
    String course = learning.course("First aid at work", "classroom", new JsonObject().put("serviceId", service)
        .put("validityYears", 3));
    learning.publish(course);
    String session = world.session(service, world.providerId, World.at(5), 10);
    assertTrue(ids(learning.call(HttpMethod.GET, "/v1/courses?hasUpcomingSession=true&kind=classroom", null, null,
        200)).contains(course));
    String learner = world.userToken();
    learning.call(HttpMethod.POST, "/v1/courses/" + course + "/enrollments", null, learner, 409);  // book instead
    // a hold of a paid classroom course's session (not paid, not confirmed), even moved, enrolls nobody
    String paidService = world.service(new JsonObject().put("name", "Paid first aid day").put("priceMinor", 9000));
    String paidCourse = learning.course("Paid first aid", "classroom", new JsonObject().put("serviceId",
        paidService));
    learning.publish(paidCourse);
    String hold = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(paidService, world.providerId, World.at(6), 10)), learner));
    assertEquals(201, app.call(HttpMethod.POST, "/v1/bookings/" + hold + "/reschedule", new JsonObject()
        .put("slotId", world.session(paidService, world.providerId, World.at(7), 10)), learner).statusCode());
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", session),
        learner));
    Eventually.until("enrolled by the booking", () -> enrollments(learner).stream()
        .anyMatch(e -> e.getString("courseId").equals(course) && e.getString("status").equals("active")
            && e.getString("source").equals("booking")));
    assertTrue(enrollments(learner).stream().noneMatch(e -> e.getString("courseId").equals(paidCourse)),
        "events are handled in order: the hold's came first and enrolled nobody");
    assertEquals(200, app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/cancel", null, learner).statusCode());
    Eventually.until("withdrawn with the cancellation", () -> enrollments(learner).stream()
        .anyMatch(e -> e.getString("courseId").equals(course) && e.getString("status").equals("withdrawn")));
  }

  /**
   * A free blended course reached through a booking: its attended session completes it only with its required
   * lessons done (the session alone completed it, and issued its certificate, with no lesson done).
   */
  @Test
  void anAttendedSessionCompletesABlendedCourseOnlyWithItsLessonsDone() {
    String service = world.service(new JsonObject().put("name", "Manual handling day").put("priceMinor", 0));
    String course = learning.course("Manual handling", "blended", new JsonObject().put("serviceId", service));
    String text = learning.lesson(course, learning.section(course), "text", new JsonObject()
        .put("content", new JsonObject().put("text", "Bend the knees.").put("readingMinutes", 2)));
    learning.publish(course);
    // a second blended course of the same sessions, with no lesson required: the session alone completes it
    String sessionOnly = learning.course("Manual handling, practical", "blended", new JsonObject()
        .put("serviceId", service));
    learning.lesson(sessionOnly, learning.section(sessionOnly), "text", new JsonObject().put("required", false)
        .put("content", new JsonObject().put("text", "Further reading.").put("readingMinutes", 5)));
    learning.publish(sessionOnly);
    String learner = world.userToken();
    String booking = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(service, world.providerId, World.at(8), 10)), learner));
    Eventually.until("enrolled by the booking", () -> enrollments(learner).stream()
        .anyMatch(e -> e.getString("courseId").equals(course) && e.getString("source").equals("booking")));
    String enrollment = enrollments(learner).stream().filter(e -> e.getString("courseId").equals(course))
        .findFirst().orElseThrow().getString("id");

    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + booking + "/complete", null, world.owner));
    var attended = Wait.on(app.db.fetchOne(Sql.DSL.select(OUTBOX_EVENT.ID).from(OUTBOX_EVENT)
        .where(OUTBOX_EVENT.TYPE.eq("booking.completed")).and(OUTBOX_EVENT.AGGREGATE_ID.eq(booking)))).value1();
    Eventually.until("the attendance handled", () -> Wait.on(app.db.fetchOne(Sql.DSL.selectCount()
        .from(dev.bookwell.db.Tables.CONSUMED_EVENT).where(dev.bookwell.db.Tables.CONSUMED_EVENT.CONSUMER
            .eq("learning")).and(dev.bookwell.db.Tables.CONSUMED_EVENT.EVENT_ID.eq(attended)))).value1() == 1);
    assertEquals("active", learning.call(HttpMethod.GET, "/v1/enrollments/" + enrollment, null, learner, 200)
        .getString("status"), "its lesson is still to do");
    assertEquals(0, completions(enrollment));
    assertTrue(enrollments(learner).stream().anyMatch(e -> e.getString("courseId").equals(sessionOnly)
        && e.getString("status").equals("completed")), "the course of the session alone is completed by it");

    assertEquals("completed", learning.call(HttpMethod.POST, "/v1/enrollments/" + enrollment + "/lessons/" + text
        + "/progress", new JsonObject().put("seq", 1).put("completed", true), learner, 200).getString("status"));
  }

  /**
   * A classroom course completed and past its window is opened again by a new booking, and closed again when that
   * booking is cancelled before its start: booking and cancelling renews no access.
   */
  @Test
  void aCancelledBookingTakesBackTheWindowItGaveACompletedCourse() {
    String service = world.service(new JsonObject().put("name", "Fire warden day").put("priceMinor", 0));
    String course = learning.course("Fire warden", "classroom", new JsonObject().put("serviceId", service)
        .put("accessDays", 30));
    learning.publish(course);
    String learner = world.userToken();
    String first = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(service, world.providerId, World.at(9), 10)), learner));
    Eventually.until("enrolled", () -> status(learner, course).equals("active"));
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + first + "/complete", null, world.owner));
    Eventually.until("completed by the session", () -> status(learner, course).equals("completed"));
    Wait.on(app.db.update(Sql.DSL.update(ENROLLMENT).set(ENROLLMENT.EXPIRES_AT, java.time.OffsetDateTime.now()
        .minusDays(1)).where(ENROLLMENT.COURSE_ID.eq(UUID.fromString(course)))));

    String again = World.created(app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(service, world.providerId, World.at(10), 10)), learner));
    Eventually.until("its window opened again", () -> expiresAt(course).isAfter(java.time.OffsetDateTime.now()));
    assertEquals(200, app.call(HttpMethod.POST, "/v1/bookings/" + again + "/cancel", null, learner).statusCode());
    Eventually.until("and closed with the cancellation", () -> !expiresAt(course).isAfter(
        java.time.OffsetDateTime.now()));
    assertEquals("completed", status(learner, course), "what was achieved stays");
  }

  private static String status(String learner, String course) {
    return enrollments(learner).stream().filter(e -> e.getString("courseId").equals(course)).findFirst()
        .map(e -> e.getString("status")).orElse("none");
  }

  private static java.time.OffsetDateTime expiresAt(String course) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(ENROLLMENT.EXPIRES_AT).from(ENROLLMENT)
        .where(ENROLLMENT.COURSE_ID.eq(UUID.fromString(course))))).value1();
  }

  private static java.util.List<JsonObject> enrollments(String token) {
    return learning.call(HttpMethod.GET, "/v1/me/enrollments", null, token, 200).getJsonArray("items").stream()
        .map(JsonObject.class::cast).toList();
  }

  private static int completions(String enrollment) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
        .where(OUTBOX_EVENT.TYPE.eq("learning.course_completed")).and(OUTBOX_EVENT.AGGREGATE_ID.eq(enrollment))))
        .value1();
  }

  private static java.util.List<String> ids(JsonObject page) {
    return page.getJsonArray("items").stream().map(c -> ((JsonObject) c).getString("id")).toList();
  }
}
