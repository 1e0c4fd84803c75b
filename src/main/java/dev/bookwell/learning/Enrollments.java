package dev.bookwell.learning;

import static dev.bookwell.db.Tables.ENROLLMENT;

import dev.bookwell.db.enums.CourseKind;
import dev.bookwell.db.enums.CourseStatus;
import dev.bookwell.db.enums.EnrollmentStatus;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.CourseRecord;
import dev.bookwell.db.tables.records.EnrollmentRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Keyset;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.impl.DSL;

/**
 * Who learns what: one enrollment per person and course. A person enrolls in a free self-paced or blended course
 * themselves; staff (manage_bookings) enroll anyone in their organization's courses; a confirmed booking of a
 * classroom course's session enrolls its booker ({@link Classroom}). Enrolling again is the same enrollment (one
 * withdrawn is active again). Only the learner and the organization's staff see an enrollment.
 */
final class Enrollments {

  private final Db db;
  private final EventBus bus;
  private final Purchases purchases;

  Enrollments(Db db, EventBus bus, Purchases purchases) {
    this.db = db;
    this.bus = bus;
    this.purchases = purchases;
  }

  /** POST /v1/courses/{courseId}/enrollments {userId?}: oneself, or (staff) someone else. */
  Future<ApiReply> enroll(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID courseId = Courses.courseId(request);
    String named = request.bodyObject().getString("userId");
    UUID learner = named == null ? caller.userId() : UUID.fromString(named);
    boolean byStaff = !learner.equals(caller.userId());
    return Courses.find(db, courseId)
        .compose(course -> (byStaff ? IdentityClient.require(bus, caller, course.getOrganizationId(),
                OrgPermission.manage_bookings).recover(e -> Future.failedFuture(Courses.notFound(courseId)))
                .compose(x -> published(course))
            : selfEnrollable(course)).map(course))
        .compose(course -> byStaff ? IdentityClient.contact(bus, learner).map(course)  // an account that exists
            .recover(e -> Future.failedFuture(Problem.invalid("body", "userId", "is not an active account")
                .toException()))
            : Future.succeededFuture(course))
        .compose(course -> db.transaction(tx -> upsert(tx, course, learner, byStaff ? "staff" : "free",
            caller.userId(), null)))
        .map(enrollment -> enrollment.created() ? ApiReply.created(json(enrollment.row()),
            "/v1/enrollments/" + enrollment.row().getId()) : ApiReply.ok(json(enrollment.row())));
  }

  /** Drafts are not open yet; archived courses take no new enrollments. */
  private static Future<Void> published(CourseRecord course) {
    return course.getStatus() == CourseStatus.published ? Future.succeededFuture()
        : Future.failedFuture(Problem.of("course-not-open", 409, "Not open for enrollment",
            "The course is " + course.getStatus().getLiteral() + ".").toException());
  }

  private static Future<Void> selfEnrollable(CourseRecord course) {
    if (course.getStatus() != CourseStatus.published) {
      return Future.failedFuture(Courses.notFound(course.getId()));
    }
    if (course.getKind() == CourseKind.classroom) {
      return Future.failedFuture(Problem.of("book-a-session", 409, "Book a session",
          "A classroom course is joined by booking one of its sessions (service " + course.getServiceId() + ").")
          .toException());
    }
    if (course.getPriceMinor() > 0) {
      return Future.failedFuture(Problem.of("purchase-required", 402, "Purchase required",
          "This course is priced; it is joined by purchasing it.").toException());
    }
    return Future.succeededFuture();
  }

  record Upserted(EnrollmentRecord row, boolean created) {
  }

  /**
   * Enrolls {@code userId} (in the caller's transaction): a new enrollment, or one withdrawn made active again;
   * one that exists otherwise is returned as it is. Emits {@code learning.enrolled} when something changed.
   */
  static Future<Upserted> upsert(Sql tx, CourseRecord course, UUID userId, String source, UUID by, UUID bookingId) {
    var expires = course.getAccessDays() == null ? null
        : SqlTime.nowPlus(Duration.ofDays(course.getAccessDays()));
    var created = tx.fetchOptional(Sql.DSL.insertInto(ENROLLMENT)
        .set(ENROLLMENT.COURSE_ID, course.getId())
        .set(ENROLLMENT.ORGANIZATION_ID, course.getOrganizationId())
        .set(ENROLLMENT.USER_ID, userId)
        .set(ENROLLMENT.SOURCE, source)
        .set(ENROLLMENT.BOOKING_ID, bookingId)
        .set(ENROLLMENT.ENROLLED_BY, by)
        .set(ENROLLMENT.EXPIRES_AT, expires)
        .onConflictDoNothing().returning());
    var mine = ENROLLMENT.COURSE_ID.eq(course.getId()).and(ENROLLMENT.USER_ID.eq(userId));
    return created.compose(inserted -> inserted.isPresent()
        ? enrolled(tx, course, inserted.get()).map(new Upserted(inserted.get(), true))
        // there is one: active again if it was withdrawn, its window opened again if past it (a completed one
        // stays completed), else as it is
        : tx.fetchOptional(Sql.DSL.update(ENROLLMENT).set(ENROLLMENT.STATUS, DSL.when(ENROLLMENT.STATUS
                    .eq(EnrollmentStatus.completed), EnrollmentStatus.completed).otherwise(EnrollmentStatus.active))
                .setNull(ENROLLMENT.WITHDRAWN_AT).set(ENROLLMENT.BOOKING_ID, bookingId)
                .set(ENROLLMENT.SOURCE, source).set(ENROLLMENT.ENROLLED_AT, SqlTime.now())
                .set(ENROLLMENT.EXPIRES_AT, expires)
                // withdrawn, or past its access window: enrolling again opens it again
                .where(mine).and(ENROLLMENT.STATUS.eq(EnrollmentStatus.withdrawn)
                    .or(ENROLLMENT.STATUS.in(EnrollmentStatus.active, EnrollmentStatus.completed)
                        .and(ENROLLMENT.EXPIRES_AT.le(SqlTime.now()))))
                .returning())
            .compose(again -> again.isPresent()
                ? enrolled(tx, course, again.get()).map(new Upserted(again.get(), false))
                : tx.fetchOne(Sql.DSL.selectFrom(ENROLLMENT).where(mine)).map(row -> new Upserted(row, false))));
  }

  private static Future<Void> enrolled(Sql tx, CourseRecord course, EnrollmentRecord enrollment) {
    return Outbox.append(tx, "learning.enrolled", "enrollment", enrollment.getId(), new JsonObject()
        .put("enrollmentId", enrollment.getId().toString()).put("courseId", course.getId().toString())
        .put("organizationId", course.getOrganizationId().toString())
        .put("userId", enrollment.getUserId().toString()).put("source", enrollment.getSource())).mapEmpty();
  }

  /** GET /v1/enrollments/{enrollmentId}: with its progress, lesson by lesson. */
  Future<ApiReply> get(ApiRequest request) {
    return readable(request.requireCaller(), enrollmentId(request))
        .compose(enrollment -> Completion.progress(db, enrollment).map(progress -> ApiReply.ok(json(enrollment)
            .mergeIn(progress))));
  }

  /** The facts other areas ask for ({@link LearningClient#enrollment}). */
  Future<JsonObject> facts(JsonObject question) {
    UUID id = UUID.fromString(question.getString("enrollmentId"));
    return db.fetchOptional(Sql.DSL.selectFrom(ENROLLMENT).where(ENROLLMENT.ID.eq(id)))
        .map(found -> found.map(e -> new JsonObject().put("userId", e.getUserId().toString())
            .put("courseId", e.getCourseId().toString()).put("organizationId", e.getOrganizationId().toString())
            .put("status", e.getStatus().getLiteral()))
            .orElseThrow(() -> Problem.notFound("No enrollment " + id + ".").toException()));
  }

  /**
   * POST /v1/enrollments/{enrollmentId}/withdraw: the learner or staff; progress is kept. A purchase withdrawn within
   * the course's refund window is refunded in full (the order marked in the same transaction, the money given back
   * after it).
   */
  Future<ApiReply> withdraw(ApiRequest request) {
    UUID id = enrollmentId(request);
    return readable(request.requireCaller(), id)
        .compose(enrollment -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.update(ENROLLMENT)
                .set(ENROLLMENT.STATUS, EnrollmentStatus.withdrawn).set(ENROLLMENT.WITHDRAWN_AT, SqlTime.now())
                .where(ENROLLMENT.ID.eq(id)).and(ENROLLMENT.STATUS.eq(EnrollmentStatus.active)).returning())
            .compose(moved -> moved.isEmpty() ? Future.failedFuture(Problem.of("illegal-transition", 409,
                    "Not active", "Only an active enrollment can be withdrawn.").toException())
                : withdrawn(tx, moved.get(), "learner")
                    .compose(x -> Purchases.refundable(tx, moved.get().getOrderId()))
                    .map(order -> new Withdrawn(moved.get(), order)))))
        .compose(done -> purchases.refund(done.refundOrder()).map(done.enrollment()))
        .map(enrollment -> ApiReply.ok(json(enrollment)));
  }

  private record Withdrawn(EnrollmentRecord enrollment, UUID refundOrder) {
  }

  static Future<Void> withdrawn(Sql tx, EnrollmentRecord enrollment, String why) {
    return Outbox.append(tx, "learning.withdrawn", "enrollment", enrollment.getId(), new JsonObject()
        .put("enrollmentId", enrollment.getId().toString()).put("courseId", enrollment.getCourseId().toString())
        .put("userId", enrollment.getUserId().toString()).put("reason", why)).mapEmpty();
  }

  /** GET /v1/me/enrollments */
  Future<ApiReply> mine(ApiRequest request) {
    return page(request, ENROLLMENT.USER_ID.eq(request.requireCaller().userId()));
  }

  /** GET /v1/organizations/{organizationId}/enrollments?courseId= (manage_bookings) */
  Future<ApiReply> ofOrganization(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    Condition where = ENROLLMENT.ORGANIZATION_ID.eq(organizationId);
    if (request.query().getString("courseId") != null) {
      where = where.and(ENROLLMENT.COURSE_ID.eq(UUID.fromString(request.query().getString("courseId"))));
    }
    Condition scope = where;
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_bookings)
        .compose(x -> page(request, scope));
  }

  private Future<ApiReply> page(ApiRequest request, Condition where) {
    int limit = request.query().getInteger("limit", 50);
    return db.fetch(Sql.DSL.selectFrom(ENROLLMENT)
            .where(where.and(Keyset.after(ENROLLMENT.ENROLLED_AT, ENROLLMENT.ID, request.query().getString("cursor"))))
            .orderBy(ENROLLMENT.ENROLLED_AT.desc(), ENROLLMENT.ID.desc()).limit(limit + 1))
        .map(rows -> ApiReply.ok(Page.of(rows, limit, Enrollments::json,
            e -> Keyset.cursor(e.getEnrolledAt(), e.getId()))));
  }

  /** The enrollment if the caller is its learner or staff (manage_bookings) of its organization; else 404. */
  Future<EnrollmentRecord> readable(Caller caller, UUID id) {
    return db.fetchOptional(Sql.DSL.selectFrom(ENROLLMENT).where(ENROLLMENT.ID.eq(id)))
        .map(found -> found.orElseThrow(() -> notFound(id)))
        .compose(enrollment -> enrollment.getUserId().equals(caller.userId()) ? Future.succeededFuture(enrollment)
            : IdentityClient.require(bus, caller, enrollment.getOrganizationId(), OrgPermission.manage_bookings)
                .map(enrollment).recover(e -> Future.failedFuture(notFound(id))));
  }

  static RuntimeException notFound(UUID id) {
    return Problem.notFound("No enrollment " + id + ".").toException();
  }

  static UUID enrollmentId(ApiRequest request) {
    return UUID.fromString(request.path().getString("enrollmentId"));
  }

  /** Active past its access window reads as expired (the clock decides, no job has to run first). */
  static String status(EnrollmentRecord e) {
    return e.getStatus() == EnrollmentStatus.active && e.getExpiresAt() != null
        && e.getExpiresAt().toInstant().isBefore(java.time.Instant.now()) ? "expired" : e.getStatus().getLiteral();
  }

  /**
   * Whether it lets its learner learn now: active or completed, within its access window. A completed one's window
   * ends too (it read "completed" and opened its lessons for ever, past the access the learner paid for).
   */
  static boolean learning(EnrollmentRecord e) {
    return (e.getStatus() == EnrollmentStatus.active || e.getStatus() == EnrollmentStatus.completed)
        && (e.getExpiresAt() == null || e.getExpiresAt().toInstant().isAfter(java.time.Instant.now()));
  }

  /** Nothing when it {@link #learning lets its learner learn}; otherwise 409 enrollment-withdrawn or -expired. */
  static Future<Void> requireLearning(EnrollmentRecord e) {
    if (learning(e)) {
      return Future.succeededFuture();
    }
    String status = e.getStatus() == EnrollmentStatus.withdrawn ? "withdrawn" : "expired";
    return Future.failedFuture(Problem.of("enrollment-" + status, 409, "Not learning",
        "This enrollment is " + status + ".").toException());
  }

  static JsonObject json(EnrollmentRecord e) {
    return new JsonObject()
        .put("id", e.getId().toString())
        .put("courseId", e.getCourseId().toString())
        .put("organizationId", e.getOrganizationId().toString())
        .put("userId", e.getUserId().toString())
        .put("status", status(e))
        .put("source", e.getSource())
        .put("bookingId", e.getBookingId() == null ? null : e.getBookingId().toString())
        .put("enrolledAt", e.getEnrolledAt().toInstant().toString())
        .put("expiresAt", e.getExpiresAt() == null ? null : e.getExpiresAt().toInstant().toString())
        .put("completedAt", e.getCompletedAt() == null ? null : e.getCompletedAt().toInstant().toString());
  }
}
