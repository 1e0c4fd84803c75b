package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE;
import static dev.bookwell.db.Tables.ENROLLMENT;

import dev.bookwell.db.enums.CourseKind;
import dev.bookwell.db.enums.CourseStatus;
import dev.bookwell.db.enums.EnrollmentStatus;
import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.InOrder;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.OutboxConsumer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Classroom and blended courses are delivered as the sessions of their service: a confirmed booking of one enrolls
 * its booker (a signed-in one; a guest has no account to learn with), a booking moved by its reschedule moves the
 * enrollment along, and one cancelled before its start withdraws the enrollment it made. Each booking event is
 * handled once ({@link OutboxConsumer}), in one transaction with the enrollment it changes: not one for a batch,
 * as the works lock enrollments that learners' requests lock too, and stamp times with {@code now()}. An event that
 * changes nothing (a guest's booking: no account to enroll) is recorded with others, without a transaction
 * ({@link OutboxConsumer#NOTHING}).
 */
final class Classroom {

  private static final List<String> TYPES = List.of("booking.confirmed", "booking.rescheduled", "booking.cancelled",
      "booking.expired", "booking.declined", "booking.completed");

  private final OutboxConsumer events;

  Classroom(Db db) {
    this.events = new OutboxConsumer(db, "learning", TYPES, Duration.ofDays(7), 100);
  }

  Future<Integer> round() {
    return events.round(event -> Future.succeededFuture(work(event)));
  }

  private static Function<Sql, Future<Void>> work(OutboxEventRecord event) {
    JsonObject payload = new JsonObject(event.getPayload().data());
    if (payload.getString("userId") == null) {
      return OutboxConsumer.NOTHING;
    }
    UUID bookingId = UUID.fromString(payload.getString("bookingId"));
    UUID userId = UUID.fromString(payload.getString("userId"));
    String status = payload.getString("status");
    if (event.getType().equals("booking.completed")) {  // attended: a classroom course is done
      return tx -> complete(tx, bookingId);
    }
    if (!"confirmed".equals(status) && !event.getType().equals("booking.cancelled")) {
      // a hold, one waiting for staff, or a moved hold enrolls nobody; one that expired or was declined unenrolls
      return Set.of("expired", "declined").contains(status) ? tx -> withdraw(tx, bookingId, status)
          : OutboxConsumer.NOTHING;
    }
    if (!event.getType().equals("booking.cancelled")) {
      return tx -> enroll(tx, UUID.fromString(payload.getString("serviceId")), userId, bookingId);
    }
    if (payload.getString("replacedBy") != null) {  // moved, not ended: the enrollment follows the booking
      return tx -> tx.update(Sql.DSL.update(ENROLLMENT)
          .set(ENROLLMENT.BOOKING_ID, UUID.fromString(payload.getString("replacedBy")))
          .where(ENROLLMENT.BOOKING_ID.eq(bookingId))).mapEmpty();
    }
    boolean beforeStart = event.getOccurredAt().isBefore(OffsetDateTime.parse(payload.getString("startsAt")));
    return tx -> beforeStart ? withdraw(tx, bookingId, "booking cancelled") : Future.succeededFuture();
  }

  /**
   * The enrollment a booking made ends with it. A completed one the booking opened again (past its window) keeps
   * what was achieved and loses the window it got: booked and cancelled, a session renewed access for nothing.
   */
  private static Future<Void> withdraw(Sql tx, UUID bookingId, String why) {
    return tx.update(Sql.DSL.update(ENROLLMENT).set(ENROLLMENT.EXPIRES_AT, SqlTime.now())
            .where(ENROLLMENT.BOOKING_ID.eq(bookingId)).and(ENROLLMENT.STATUS.eq(EnrollmentStatus.completed))
            .and(ENROLLMENT.EXPIRES_AT.isNotNull()))
        .compose(x -> tx.fetch(Sql.DSL.update(ENROLLMENT).set(ENROLLMENT.STATUS, EnrollmentStatus.withdrawn)
                .set(ENROLLMENT.WITHDRAWN_AT, SqlTime.now())
                .where(ENROLLMENT.BOOKING_ID.eq(bookingId)).and(ENROLLMENT.STATUS.eq(EnrollmentStatus.active))
                .returning()))
        .compose(withdrawn -> InOrder.each(withdrawn, enrollment -> Enrollments.withdrawn(tx, enrollment, why)));
  }

  /**
   * The session was attended (staff marked the booking completed): the enrollment it made completes, once. A
   * blended course's only when its required lessons are done too: the session alone completed it (and issued its
   * certificate) with none of its lessons or quizzes done.
   */
  private static Future<Void> complete(Sql tx, UUID bookingId) {
    // every enrollment the booking made: a service's sessions may deliver several courses (one was taken)
    return tx.fetch(Sql.DSL.select(ENROLLMENT.ID, COURSE.KIND).from(ENROLLMENT).join(COURSE)
            .on(COURSE.ID.eq(ENROLLMENT.COURSE_ID)).where(ENROLLMENT.BOOKING_ID.eq(bookingId))
            .and(ENROLLMENT.STATUS.eq(EnrollmentStatus.active)).orderBy(ENROLLMENT.ID))
        .compose(found -> InOrder.each(found, row -> Completion.lock(tx, row.value1())
            .compose(enrollment -> row.value2() == CourseKind.blended ? Completion.attended(tx, enrollment)
                : Completion.complete(tx, enrollment))));
  }

  /**
   * Enrolls the booker in every published course delivered by the booked service: classroom courses (the booking
   * is the purchase), and free blended ones (a priced blended course is bought, not reached through a session).
   */
  private static Future<Void> enroll(Sql tx, UUID serviceId, UUID userId, UUID bookingId) {
    return tx.fetch(Sql.DSL.selectFrom(COURSE).where(COURSE.SERVICE_ID.eq(serviceId))
            .and(COURSE.STATUS.eq(CourseStatus.published)).and(COURSE.KIND.eq(CourseKind.classroom)
                .or(COURSE.KIND.eq(CourseKind.blended).and(COURSE.PRICE_MINOR.eq(0L)))))
        .compose(courses -> InOrder.each(courses,
            course -> Enrollments.upsert(tx, course, userId, "booking", userId, bookingId)));
  }
}
