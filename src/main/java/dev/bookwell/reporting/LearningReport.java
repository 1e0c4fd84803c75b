package dev.bookwell.reporting;

import static dev.bookwell.db.Tables.CERTIFICATE;
import static dev.bookwell.db.Tables.ENROLLMENT;
import static dev.bookwell.db.Tables.QUIZ_ATTEMPT;

import dev.bookwell.db.enums.AttemptStatus;
import dev.bookwell.db.enums.EnrollmentStatus;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record3;
import org.jooq.TableLike;
import org.jooq.impl.DSL;

/**
 * The learning report, per period and course (or for all courses): enrollments, how many of them are completed
 * (the completion rate of that period's enrollments), completions, the average quiz score of graded attempts,
 * certificates issued and certificates expiring. Read live: an organization's learning rows are few next to its
 * bookings, and each figure is one indexed, grouped query over the range.
 */
final class LearningReport {

  static final List<String> COLUMNS = List.of("period", "key", "name", "enrollments", "enrollmentsCompleted",
      "completionRate", "completions", "averageQuizScore", "certificatesIssued", "certificatesExpiring");

  private final Db db;
  private final EventBus bus;

  LearningReport(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** GET /v1/organizations/{organizationId}/reports/learning */
  Future<ApiReply> report(ApiRequest request) {
    return ReportQuery.of(db, bus, request).compose(q -> {
      if (!q.by().equals("course") && !q.by().equals("none")) {
        return Future.failedFuture(Problem.invalid("query", "by", "the learning report is by course or none")
            .toException());
      }
      var rows = new LinkedHashMap<BookingReports.Key, JsonObject>();
      boolean byCourse = q.by().equals("course");
      Field<UUID> enrollmentCourse = byCourse ? ENROLLMENT.COURSE_ID : BookingReports.NO_KEY;
      Field<UUID> certificateCourse = byCourse ? CERTIFICATE.COURSE_ID : BookingReports.NO_KEY;
      var e = ENROLLMENT;
      var score = DSL.avg(QUIZ_ATTEMPT.SCORE_POINTS.mul(100.0).div(DSL.nullif(QUIZ_ATTEMPT.MAX_POINTS, 0)));
      var attempts = QUIZ_ATTEMPT.join(e).on(e.ID.eq(QUIZ_ATTEMPT.ENROLLMENT_ID));
      return figure(q, rows, "enrollments", e.ENROLLED_AT, enrollmentCourse, DSL.count(), e,
              e.ORGANIZATION_ID.eq(q.organizationId()))
          .compose(x -> figure(q, rows, "enrollmentsCompleted", e.ENROLLED_AT, enrollmentCourse,
              DSL.count().filterWhere(e.STATUS.eq(EnrollmentStatus.completed)), e,
              e.ORGANIZATION_ID.eq(q.organizationId())))
          .compose(x -> figure(q, rows, "completions", e.COMPLETED_AT, enrollmentCourse, DSL.count(), e,
              e.ORGANIZATION_ID.eq(q.organizationId())))
          .compose(x -> figure(q, rows, "averageQuizScore", QUIZ_ATTEMPT.SUBMITTED_AT, enrollmentCourse, score,
              attempts, e.ORGANIZATION_ID.eq(q.organizationId()).and(QUIZ_ATTEMPT.STATUS.eq(AttemptStatus.graded))))
          .compose(x -> figure(q, rows, "certificatesIssued", CERTIFICATE.ISSUED_AT, certificateCourse, DSL.count(),
              CERTIFICATE, CERTIFICATE.ORGANIZATION_ID.eq(q.organizationId())))
          .compose(x -> figure(q, rows, "certificatesExpiring", CERTIFICATE.EXPIRES_AT, certificateCourse,
              DSL.count(), CERTIFICATE, CERTIFICATE.ORGANIZATION_ID.eq(q.organizationId())
                  .and(CERTIFICATE.REVOKED_AT.isNull())))
          .map(x -> {
            rows.values().forEach(row -> {
              for (String column : COLUMNS.subList(3, COLUMNS.size())) {
                row.put(column, row.getValue(column, column.equals("averageQuizScore") ? null : 0L));
              }
              row.put("completionRate", ReportQuery.share(row.getLong("enrollmentsCompleted"),
                  row.getLong("enrollments")));
            });
            return BookingReports.sorted(rows);
          })
          .compose(list -> BookingReports.named(db, q.by(), list))
          .map(list -> q.reply("learning", COLUMNS, list));
    });
  }

  /**
   * One figure: {@code value} over the rows of {@code source} in {@code scope} whose {@code at} falls in the range,
   * grouped by period (of the local date) and course, put into the report's rows.
   */
  private Future<Void> figure(ReportQuery q, LinkedHashMap<BookingReports.Key, JsonObject> rows, String figure,
                              Field<OffsetDateTime> at, Field<UUID> course, Field<? extends Number> value,
                              TableLike<?> source, Condition scope) {
    Field<LocalDate> period = q.period(q.localDay(at));
    return db.fetch(Sql.DSL.select(period, course, value).from(source).where(scope)
            .and(at.ge(q.from().atStartOfDay(q.zone()).toOffsetDateTime()))
            .and(at.lt(q.to().plusDays(1).atStartOfDay(q.zone()).toOffsetDateTime()))
            .groupBy(BookingReports.grouping(period, course)))
        .map(found -> {
          for (Record3<LocalDate, UUID, ? extends Number> row : found) {
            var key = new BookingReports.Key(row.value1(), row.value2());
            var json = rows.computeIfAbsent(key, k -> new JsonObject().put("period", k.period().toString())
                .put("key", k.id() == null ? null : k.id().toString()));
            Number n = row.value3();
            json.put(figure, n == null ? null : figure.equals("averageQuizScore")
                ? Math.round(n.doubleValue() * 10) / 10.0 : (Object) n.longValue());
          }
          return null;
        });
  }
}
