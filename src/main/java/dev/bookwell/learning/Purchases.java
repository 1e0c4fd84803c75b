package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE_ORDER;
import static dev.bookwell.db.Tables.ENROLLMENT;

import dev.bookwell.db.enums.CourseKind;
import dev.bookwell.db.enums.CourseStatus;
import dev.bookwell.db.enums.EnrollmentStatus;
import dev.bookwell.db.tables.records.CourseOrderRecord;
import dev.bookwell.booking.BookingClient;
import dev.bookwell.db.tables.records.CourseRecord;
import dev.bookwell.payments.PaymentsClient;
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

/**
 * Buying a priced self-paced or blended course through the payments flow: an order (one open per person and
 * course, so buying twice pays once) and its PaymentIntent. Once the card is authorized (signed webhook), payments
 * asks {@link #secured}: under the order's row lock the order is paid and the buyer enrolled, once, however often or
 * in whatever order the webhooks come; then payments captures. Withdrawing within the course's {@code refund_days}
 * of paying gives the money back in full.
 */
final class Purchases {

  private final Db db;
  private final io.vertx.core.eventbus.EventBus bus;
  private final PaymentsClient payments;

  Purchases(Db db, io.vertx.core.eventbus.EventBus bus, PaymentsClient payments) {
    this.db = db;
    this.bus = bus;
    this.payments = payments;
  }

  /**
   * POST /v1/courses/{courseId}/purchase {promoCode?}: 201 {order, payment: {clientSecret, ...}}. An open order is
   * answered again as it is; a new one takes the organization's promo code (counted by the booking area under the
   * order's id, given back if the order loses a race). A code that makes it free enrolls at once.
   */
  Future<ApiReply> purchase(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID courseId = Courses.courseId(request);
    String code = request.body() == null ? null : request.bodyObject().getString("promoCode");
    return Courses.find(db, courseId)
        .compose(course -> buyable(course).compose(x -> db.transaction(tx -> alreadyLearning(tx, course, caller)
                .compose(y -> openOrder(tx, course.getId(), caller.userId()))))
            .compose(open -> open.isPresent() ? Future.succeededFuture(open.get())
                : newOrder(course, caller.userId(), code))
            .compose(order -> order.getStatus().equals("paid")
                ? Future.succeededFuture(json(order).put("payment", new JsonObject().put("status", "none")))
                : payments.intent(PaymentsClient.COURSE_ORDER, order.getId(), course.getOrganizationId(), course.getSlug(),
                    order.getAmountMinor(), order.getCurrency(), false).map(payment -> json(order)
                    .put("payment", payment))))
        .map(answer -> ApiReply.created(answer, "/v1/courses/" + courseId));
  }

  /**
   * A new order at today's price less the promo code's discount; its id is chosen first, so the code's use names it,
   * and the use is given back if the order does not come to be (a race lost, a failure, an amount no card can pay).
   */
  private Future<CourseOrderRecord> newOrder(CourseRecord course, UUID userId, String code) {
    UUID id = UUID.randomUUID();
    Future<Long> discount = code == null ? Future.succeededFuture(0L)
        : BookingClient.redeemPromo(bus, course.getOrganizationId(), code, course.getPriceMinor(), userId.toString(),
            id).compose(off -> {
              long left = course.getPriceMinor() - off;
              return left > 0 && left < MIN_CHARGE ? BookingClient.releasePromo(bus, id)
                  .compose(x -> Future.failedFuture(Problem.of("amount-too-small", 422, "Amount too small",
                      "What the code leaves to pay is less than a card payment can be.").toException()))
                  : Future.succeededFuture(off);
            });
    return discount.compose(off -> insert(course, userId, id, off)
        .recover(e -> (code == null ? Future.<Void>succeededFuture() : BookingClient.releasePromo(bus, id))
            .compose(x -> Future.failedFuture(e)))
        // another request opened an order first: its order stands, this code's use goes back
        .compose(created -> created.isPresent() ? Future.succeededFuture(created.get())
            : (code == null ? Future.<Void>succeededFuture() : BookingClient.releasePromo(bus, id))
                .compose(x -> db.transaction(tx -> openOrder(tx, course.getId(), userId)))
                .map(open -> open.orElseThrow(() -> Problem.of("order-changed", 409, "Try again",
                    "Another purchase of this course by you just changed; ask again.").toException()))));
  }

  /** The smallest amount a card payment can take, in minor units (Stripe's minimum for the main currencies). */
  static final long MIN_CHARGE = 50;

  private Future<java.util.Optional<CourseOrderRecord>> insert(CourseRecord course, UUID userId, UUID id, long off) {
    return db.transaction(tx -> tx.fetchOptional(Sql.DSL.insertInto(COURSE_ORDER)
                .set(COURSE_ORDER.ID, id).set(COURSE_ORDER.COURSE_ID, course.getId())
                .set(COURSE_ORDER.ORGANIZATION_ID, course.getOrganizationId()).set(COURSE_ORDER.USER_ID, userId)
                .set(COURSE_ORDER.AMOUNT_MINOR, course.getPriceMinor() - off)
                .set(COURSE_ORDER.DISCOUNT_MINOR, off)
                .set(COURSE_ORDER.CURRENCY, course.getCurrency())
                .onConflictDoNothing().returning())
            .compose(created -> created.isPresent()
                ? (off >= course.getPriceMinor() ? paid(tx, created.get()) : Future.succeededFuture(created.get()))
                    .map(java.util.Optional::of)
                : Future.succeededFuture(java.util.Optional.<CourseOrderRecord>empty())));
  }

  private static Future<Void> buyable(CourseRecord course) {
    if (course.getStatus() != CourseStatus.published) {
      return Future.failedFuture(Courses.notFound(course.getId()));
    }
    if (course.getKind() == CourseKind.classroom || course.getPriceMinor() == 0) {
      return Future.failedFuture(Problem.of("not-for-sale", 409, "Not sold this way", course.getPriceMinor() == 0
          ? "This course is free: enroll directly." : "A classroom course is joined by booking a session.")
          .toException());
    }
    return Future.succeededFuture();
  }

  private static Future<Void> alreadyLearning(Sql tx, CourseRecord course, Caller caller) {
    return tx.fetchOptional(Sql.DSL.selectOne().from(ENROLLMENT).where(ENROLLMENT.COURSE_ID.eq(course.getId()))
            .and(ENROLLMENT.USER_ID.eq(caller.userId()))
            .and(ENROLLMENT.STATUS.in(EnrollmentStatus.active, EnrollmentStatus.completed))
            .and(ENROLLMENT.EXPIRES_AT.isNull().or(ENROLLMENT.EXPIRES_AT.gt(SqlTime.now()))))  // expired: buy again
        .compose(found -> found.isEmpty() ? Future.succeededFuture()
            : Future.failedFuture(Problem.of("already-enrolled", 409, "Already enrolled",
                "You are enrolled in this course.").toException()));
  }

  /** The open (unpaid) order of this person for this course, if any. */
  private static Future<java.util.Optional<CourseOrderRecord>> openOrder(Sql tx, UUID courseId, UUID userId) {
    return tx.fetchOptional(Sql.DSL.selectFrom(COURSE_ORDER).where(COURSE_ORDER.COURSE_ID.eq(courseId))
        .and(COURSE_ORDER.USER_ID.eq(userId)).and(COURSE_ORDER.STATUS.eq("pending")));
  }

  /**
   * {orderId} -> {confirmed, refundPercent}: the order paid and its buyer enrolled (once); a repeat answers the
   * same. An order refunded meanwhile (the buyer withdrew) is not confirmed: the money goes back.
   */
  Future<JsonObject> secured(JsonObject question) {
    UUID orderId = UUID.fromString(question.getString("orderId"));
    return db.transaction(tx -> tx.fetchOptional(Sql.DSL.selectFrom(COURSE_ORDER)
            .where(COURSE_ORDER.ID.eq(orderId)).forUpdate())
        .compose(found -> {
          var order = found.orElseThrow(() -> Problem.notFound("No course order " + orderId + ".").toException());
          if (order.getStatus().equals("paid")) {
            return Future.succeededFuture(new JsonObject().put("confirmed", true).put("refundPercent", 0));
          }
          var refund = new JsonObject().put("confirmed", false).put("refundPercent", 100);
          if (!order.getStatus().equals("pending")) {  // ended meanwhile (expired unpaid, withdrawn): money back
            return Future.succeededFuture(refund);
          }
          return Courses.find(tx, order.getCourseId()).compose(course -> course.getStatus() != CourseStatus.published
              ? tx.update(Sql.DSL.update(COURSE_ORDER).set(COURSE_ORDER.STATUS, "cancelled")
                  .where(COURSE_ORDER.ID.eq(orderId))).map(refund)  // no longer sold: nobody pays for it
              : paid(tx, order).map(x -> new JsonObject().put("confirmed", true).put("refundPercent", 0)));
        }));
  }

  /** The order paid (under its row lock, or as it is created) and its buyer enrolled by it. */
  private static Future<CourseOrderRecord> paid(Sql tx, CourseOrderRecord order) {
    return tx.fetchOne(Sql.DSL.update(COURSE_ORDER).set(COURSE_ORDER.STATUS, "paid")
            .set(COURSE_ORDER.PAID_AT, SqlTime.now()).where(COURSE_ORDER.ID.eq(order.getId())).returning())
        .compose(now -> Courses.find(tx, order.getCourseId())
            .compose(course -> Enrollments.upsert(tx, course, order.getUserId(), "purchase", order.getUserId(), null))
            // the enrollment is the purchase's now, whatever made it before (a booking's cancellation never ends it)
            .compose(enrolled -> tx.update(Sql.DSL.update(ENROLLMENT).set(ENROLLMENT.ORDER_ID, order.getId())
                .set(ENROLLMENT.SOURCE, "purchase").setNull(ENROLLMENT.BOOKING_ID)
                .where(ENROLLMENT.ID.eq(enrolled.row().getId()))))
            .map(now));
  }

  /**
   * After a purchased enrollment was withdrawn (in that transaction): within the course's refund window the order
   * is refunded; gives the order to refund, or null.
   */
  static Future<UUID> refundable(Sql tx, UUID enrollmentOrder) {
    if (enrollmentOrder == null) {
      return Future.succeededFuture(null);
    }
    return tx.fetchOptional(Sql.DSL.update(COURSE_ORDER).set(COURSE_ORDER.STATUS, "refunded")
            .where(COURSE_ORDER.ID.eq(enrollmentOrder)).and(COURSE_ORDER.STATUS.eq("paid"))
            .and(COURSE_ORDER.AMOUNT_MINOR.gt(0L))  // a free (100 % code) order has nothing to give back
            .and(COURSE_ORDER.PAID_AT.plus(REFUND_WINDOW).gt(SqlTime.now()))
            .returning(COURSE_ORDER.ID))
        .map(found -> found.map(r -> r.getId()).orElse(null));
  }

  /** The course's refund window, for the order in scope. */
  private static final org.jooq.Field<Object> REFUND_WINDOW = org.jooq.impl.DSL.field(
      "(select make_interval(days => c.refund_days) from course c where c.id = course_order.course_id)");

  /**
   * Asks payments to give a refunded order's money back (outside any transaction: payments may wait on Stripe). The
   * order stays owed until payments has recorded it ({@code release_acknowledged_at}); a failure here is logged and
   * {@link #settle} asks again. A code used for a paid course is not given back (it was used).
   */
  Future<Void> refund(UUID orderId) {
    return orderId == null ? Future.succeededFuture() : release(orderId, "withdrawn within the refund window")
        .recover(e -> {
          LOG.warn("refund of course order {} not recorded yet; asked again later: {}", orderId, e.getMessage());
          return Future.succeededFuture();
        });
  }

  /** How long an order may stay unpaid before it ends. */
  static final java.time.Duration PENDING_TTL = java.time.Duration.ofDays(1);

  /**
   * One round: orders left unpaid past {@link #PENDING_TTL} end (cancelled, their intent voided, their code's use
   * given back), and refunds or voids not yet recorded by payments are asked again. Bounded; safe on several
   * instances (the moves are guarded, payments' release is idempotent).
   */
  Future<Integer> settle() {
    return db.fetch(Sql.DSL.update(COURSE_ORDER).set(COURSE_ORDER.STATUS, "cancelled")
            .where(COURSE_ORDER.STATUS.eq("pending"))
            .and(COURSE_ORDER.CREATED_AT.lt(SqlTime.nowPlus(PENDING_TTL.negated()))).returning(COURSE_ORDER.ID))
        .compose(expired -> db.fetch(Sql.DSL.select(COURSE_ORDER.ID, COURSE_ORDER.STATUS).from(COURSE_ORDER)
            .where(COURSE_ORDER.STATUS.in("refunded", "cancelled")).and(COURSE_ORDER.RELEASE_ACKNOWLEDGED_AT.isNull())
            .orderBy(COURSE_ORDER.CREATED_AT).limit(50)))
        .compose(owed -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var order : owed) {
            boolean cancelled = order.value2().equals("cancelled");
            chain = chain.compose(n -> release(order.value1(), cancelled ? "order ended unpaid" : "withdrawn")
                .compose(x -> cancelled ? BookingClient.releasePromo(bus, order.value1()) : Future.succeededFuture())
                .map(n + 1).otherwise(n));
          }
          return chain;
        });
  }

  /** payments records what is owed back (or voids the authorization), then the order is settled. */
  private Future<Void> release(UUID orderId, String reason) {
    return payments.release(orderId, 100, reason, "learning")
        .compose(x -> db.update(Sql.DSL.update(COURSE_ORDER).set(COURSE_ORDER.RELEASE_ACKNOWLEDGED_AT, SqlTime.now())
            .where(COURSE_ORDER.ID.eq(orderId))))
        .mapEmpty();
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Purchases.class);

  static JsonObject json(CourseOrderRecord order) {
    return new JsonObject().put("id", order.getId().toString()).put("courseId", order.getCourseId().toString())
        .put("status", order.getStatus())
        .put("amount", dev.bookwell.platform.api.Money.json(order.getAmountMinor(), order.getCurrency()))
        .put("discount", dev.bookwell.platform.api.Money.json(order.getDiscountMinor(), order.getCurrency()));
  }
}
