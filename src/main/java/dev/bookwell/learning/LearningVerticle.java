package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.Rounds;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.reviews.ReviewsClient;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.Map;
import java.util.function.Function;

/**
 * The learning area: courses and their structure, enrollments, progress, quizzes. Classroom enrollments follow
 * bookings of the courses' sessions ({@link Classroom}, a round every few seconds).
 */
public final class LearningVerticle extends VerticleBase {

  public static final String API = "learning.api";

  private final Platform platform;
  private long timer = -1;
  private long ratingTimer = -1;

  public LearningVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var bus = vertx.eventBus();
    var courses = new Courses(db, bus);
    var structure = new Structure(db, courses);
    var lessons = new Lessons(db, bus);
    var purchases = new Purchases(db, bus, new dev.bookwell.payments.PaymentsClient(bus));
    var enrollments = new Enrollments(db, bus, purchases);
    var progress = new Progress(db);
    var quizzes = new Quizzes(db, lessons);
    var attempts = new Attempts(db, bus, lessons);
    var categories = new Categories(db);
    var search = new CourseSearch(db);
    var certificates = new Certificates(db, vertx, platform.config().mail().publicUrl());
    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.ofEntries(
        Map.entry("createCourse", courses::create),
        Map.entry("listOrganizationCourses", courses::listForOrganization),
        Map.entry("searchCourses", search::search),
        Map.entry("getCourse", courses::get),
        Map.entry("patchCourse", courses::patch),
        Map.entry("publishCourse", courses::publish),
        Map.entry("archiveCourse", courses::archive),
        Map.entry("createCourseCategory", categories::create),
        Map.entry("listCourseCategories", categories::list),
        Map.entry("addSection", structure::addSection),
        Map.entry("reorderSections", structure::reorderSections),
        Map.entry("addLesson", structure::addLesson),
        Map.entry("reorderLessons", structure::reorderLessons),
        Map.entry("getLesson", lessons::get),
        Map.entry("patchLesson", structure::patchLesson),
        Map.entry("listLessonVersions", structure::versions),
        Map.entry("addLessonResource", lessons::addResource),
        Map.entry("downloadResource", lessons::download),
        Map.entry("listLessonNotes", lessons::notes),
        Map.entry("addLessonNote", lessons::addNote),
        Map.entry("bookmarkLesson", lessons::bookmark),
        Map.entry("unbookmarkLesson", lessons::bookmark),
        Map.entry("listMyBookmarks", lessons::bookmarks),
        Map.entry("enroll", enrollments::enroll),
        Map.entry("purchaseCourse", purchases::purchase),
        Map.entry("listMyEnrollments", enrollments::mine),
        Map.entry("listOrganizationEnrollments", enrollments::ofOrganization),
        Map.entry("getEnrollment", enrollments::get),
        Map.entry("withdrawEnrollment", enrollments::withdraw),
        Map.entry("reportProgress", progress::report),
        Map.entry("putQuiz", quizzes::put),
        Map.entry("getQuiz", quizzes::get),
        Map.entry("startAttempt", attempts::start),
        Map.entry("saveAttemptAnswers", attempts::save),
        Map.entry("submitAttempt", attempts::submit),
        Map.entry("getAttempt", attempts::get),
        Map.entry("listAttempts", attempts::list),
        Map.entry("gradeAttempt", attempts::grade),
        Map.entry("verifyCertificate", certificates::verify),
        Map.entry("listMyCertificates", certificates::mine),
        Map.entry("getCertificatePdf", certificates::pdf),
        Map.entry("revokeCertificate", certificates::revoke));
    ApiConsumer.register(bus, API, operations);
    bus.<io.vertx.core.json.JsonObject>localConsumer(LearningClient.PAYMENT_SECURED,
        message -> ApiConsumer.answer(message, () -> purchases.secured(message.body())));
    bus.<io.vertx.core.json.JsonObject>localConsumer(LearningClient.ENROLLMENT,
        message -> ApiConsumer.answer(message, () -> enrollments.facts(message.body())));
    var classroom = new Classroom(db);
    var ratings = new ReviewsClient.Follower(db, "course", (tx, rating) -> tx.update(Sql.DSL.update(COURSE)
        .set(COURSE.RATING_AVERAGE, rating.average()).set(COURSE.RATING_COUNT, rating.count())
        .set(COURSE.RATING_REVISION, rating.revision()).where(COURSE.ID.eq(rating.subjectId()))
        .and(COURSE.RATING_REVISION.lt(rating.revision()))));
    var poll = platform.config().mail().pollInterval();
    timer = Rounds.every(vertx, poll, "learning round",
        () -> classroom.round().compose(x -> purchases.settle()).compose(x -> certificates.round()));
    // on its own: a failing round above never holds back the catalogue's ratings
    ratingTimer = Rounds.every(vertx, poll, "copying course ratings", ratings::round);
    return platform.config().demoData() ? LearningDemo.seed(db, bus) : Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    vertx.cancelTimer(ratingTimer);
    return Future.succeededFuture();
  }
}
