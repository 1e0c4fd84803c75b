package dev.bookwell.reviews;

import static dev.bookwell.db.Tables.REVIEW;

import dev.bookwell.booking.BookingClient;
import dev.bookwell.db.enums.ReviewSubject;
import dev.bookwell.db.tables.records.ReviewRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.learning.LearningClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Writing a review: one per completed booking (of its provider) or completed enrollment (of its course), by the
 * client or learner themselves, editable by them for {@link #EDITABLE} after writing. Every change moves the
 * subject's aggregate in the same transaction ({@link Ratings}).
 */
final class Reviews {

  static final Duration EDITABLE = Duration.ofDays(14);

  private final Db db;
  private final EventBus bus;

  Reviews(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** What a review is of, established by the owning area before any transaction. */
  private record Subject(ReviewSubject kind, UUID id, UUID organizationId, UUID sourceId) {
  }

  /** POST /v1/reviews {bookingId | enrollmentId, stars, body?, wouldRecommend}. */
  Future<ApiReply> create(ApiRequest request) {
    Caller caller = request.requireCaller();
    JsonObject body = request.bodyObject();
    return subject(caller, body)
        .compose(subject -> IdentityClient.contact(bus, caller.userId())
            // a retry with the same Idempotency-Key gets the first answer, not 409 already-reviewed
            .compose(author -> Idempotency.once(db, request, tx -> insert(tx, subject, caller,
                shownName(author.getString("name")), body)
                .map(review -> ApiReply.created(ReviewJson.of(review, true), "/v1/reviews/" + review.getId())))));
  }

  private Future<ReviewRecord> insert(Sql tx, Subject subject, Caller caller, String authorName, JsonObject body) {
    return tx.fetchOptional(Sql.DSL.insertInto(REVIEW).set(REVIEW.SUBJECT_KIND, subject.kind())
            .set(REVIEW.SUBJECT_ID, subject.id()).set(REVIEW.ORGANIZATION_ID, subject.organizationId())
            .set(REVIEW.SOURCE_ID, subject.sourceId()).set(REVIEW.AUTHOR_ID, caller.userId())
            .set(REVIEW.AUTHOR_NAME, authorName).set(REVIEW.STARS, body.getInteger("stars"))
            .set(REVIEW.BODY, body.getString("body", "")).set(REVIEW.WOULD_RECOMMEND, body.getBoolean("wouldRecommend"))
            .set(REVIEW.EDITABLE_UNTIL, SqlTime.nowPlus(EDITABLE))
            .onConflict(REVIEW.SOURCE_ID).doNothing().returning())
        .map(inserted -> inserted.orElseThrow(() -> Problem.of("already-reviewed", 409, "Already reviewed",
            "There is a review of this " + (subject.kind() == ReviewSubject.provider ? "booking" : "enrollment")
                + " already; edit it instead.").toException()))
        .compose(review -> Ratings.apply(tx, review.getSubjectKind(), review.getSubjectId(),
                review.getOrganizationId(), List.of(Ratings.Change.add(review)))
            .compose(x -> event(tx, "review.created", review)).map(review));
  }

  /** PATCH /v1/reviews/{reviewId} {stars?, body?, wouldRecommend?}: the author, within the edit window. */
  Future<ApiReply> patch(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID id = reviewId(request);
    JsonObject body = request.bodyObject();
    return db.transaction(tx -> lockOwn(tx, id, caller).compose(before -> {
      if (!before.getEditableUntil().isAfter(java.time.OffsetDateTime.now())) {
        return Future.failedFuture(Problem.of("edit-window-closed", 409, "No longer editable",
            "A review can be changed for " + EDITABLE.toDays() + " days after it was written.").toException());
      }
      return tx.fetchOne(Sql.DSL.update(REVIEW)
              .set(REVIEW.STARS, body.getInteger("stars", before.getStars()))
              .set(REVIEW.BODY, body.getString("body", before.getBody()))
              .set(REVIEW.WOULD_RECOMMEND, body.getBoolean("wouldRecommend", before.getWouldRecommend()))
              .set(REVIEW.UPDATED_AT, SqlTime.now()).where(REVIEW.ID.eq(id)).returning())
          // a hidden review counts for nothing, before and after
          .compose(after -> (after.getHiddenAt() != null ? Future.<Void>succeededFuture()
              : Ratings.apply(tx, after.getSubjectKind(), after.getSubjectId(), after.getOrganizationId(),
                  List.of(Ratings.Change.remove(before), Ratings.Change.add(after))))
              .compose(x -> event(tx, "review.updated", after)).map(after));
    })).map(review -> ApiReply.ok(ReviewJson.of(review, true)));
  }

  /** The caller's own review, row-locked: a racing edit or hiding waits, and then sees this one's result. */
  private static Future<ReviewRecord> lockOwn(Sql tx, UUID id, Caller caller) {
    return tx.fetchOptional(Sql.DSL.selectFrom(REVIEW).where(REVIEW.ID.eq(id))
            .and(REVIEW.AUTHOR_ID.eq(caller.userId())).forUpdate())
        .map(found -> found.orElseThrow(() -> notFound(id)));
  }

  /**
   * The booking or enrollment named, if the caller may review it: theirs (404 otherwise, as for an unknown one)
   * and completed (409 otherwise).
   */
  private Future<Subject> subject(Caller caller, JsonObject body) {
    String bookingId = body.getString("bookingId");
    String enrollmentId = body.getString("enrollmentId");
    if ((bookingId == null) == (enrollmentId == null)) {
      return Future.failedFuture(Problem.invalid("body", "bookingId",
          "Name exactly one of bookingId (a provider review) and enrollmentId (a course review).").toException());
    }
    if (bookingId != null) {
      UUID id = UUID.fromString(bookingId);
      return BookingClient.facts(bus, id).map(facts -> {
        var booking = facts.getJsonObject("booking");
        requireOwnCompleted(caller, facts.getString("userId"), booking.getString("status"), "booking", id);
        return new Subject(ReviewSubject.provider, UUID.fromString(booking.getString("providerId")),
            UUID.fromString(booking.getString("organizationId")), id);
      });
    }
    UUID id = UUID.fromString(enrollmentId);
    return LearningClient.enrollment(bus, id).map(facts -> {
      requireOwnCompleted(caller, facts.getString("userId"), facts.getString("status"), "enrollment", id);
      return new Subject(ReviewSubject.course, UUID.fromString(facts.getString("courseId")),
          UUID.fromString(facts.getString("organizationId")), id);
    });
  }

  private static void requireOwnCompleted(Caller caller, String ownerId, String status, String what, UUID id) {
    if (!caller.userId().toString().equals(ownerId)) {
      throw Problem.notFound("No " + what + " " + id + ".").toException();
    }
    if (!"completed".equals(status)) {
      throw Problem.of("not-reviewable", 409, "Not completed yet",
          "Only a completed " + what + " can be reviewed (this one is " + status + ").").toException();
    }
  }

  /** "Anna Meyer" is shown as "Anna M.": enough to be a person, not enough to be found. */
  static String shownName(String name) {
    String[] parts = name == null ? new String[0] : name.trim().split("\\s+");
    if (parts.length == 0 || parts[0].isEmpty()) {
      return "A client";
    }
    return parts.length == 1 ? parts[0] : parts[0] + " " + parts[parts.length - 1].codePoints().limit(1)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append) + ".";
  }

  static Future<Void> event(Sql tx, String type, ReviewRecord review) {
    return Outbox.append(tx, type, "review", review.getId(), ReviewJson.of(review, true)).mapEmpty();
  }

  static UUID reviewId(ApiRequest request) {
    return UUID.fromString(request.path().getString("reviewId"));
  }

  static RuntimeException notFound(UUID id) {
    return Problem.notFound("No review " + id + ".").toException();
  }
}
