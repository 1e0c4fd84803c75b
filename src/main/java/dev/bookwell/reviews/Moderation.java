package dev.bookwell.reviews;

import static dev.bookwell.db.Tables.REVIEW;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.ReviewSubject;
import dev.bookwell.db.tables.records.ReviewRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;

/**
 * What the reviewed side may do: reply once (the provider reviewed, or the organization's staff with
 * manage_bookings), and hide a review with a reason (platform admins, or the organization's admins: those holding
 * manage_staff). A hidden review stays, with who hid it and why, and leaves the aggregate in the same transaction.
 */
final class Moderation {

  private final Db db;
  private final EventBus bus;

  Moderation(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** POST /v1/reviews/{reviewId}/reply {text} */
  Future<ApiReply> reply(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID id = Reviews.reviewId(request);
    String text = request.bodyObject().getString("text");
    return find(id).compose(review -> mayReply(caller, review).map(review))
        .compose(review -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.update(REVIEW).set(REVIEW.REPLY, text)
                .set(REVIEW.REPLIED_AT, SqlTime.now()).set(REVIEW.REPLIED_BY, caller.userId())
                .where(REVIEW.ID.eq(id)).and(REVIEW.REPLY.isNull()).returning())
            .map(replied -> replied.orElseThrow(() -> Problem.of("already-replied", 409, "Already replied",
                "A review gets one reply.").toException()))
            .compose(replied -> Audit.record(tx, request, Audit.Entry.of(replied.getOrganizationId(),
                    "review.replied", "review", id).after(new JsonObject().put("reply", text)))
                .compose(x -> Reviews.event(tx, "review.replied", replied)).map(replied))))
        .map(review -> ApiReply.ok(ReviewJson.of(review, true)));
  }

  /** POST /v1/reviews/{reviewId}/hide {reason} */
  Future<ApiReply> hide(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID id = Reviews.reviewId(request);
    String reason = request.bodyObject().getString("reason");
    return find(id)
        .compose(review -> (caller.isAdmin() ? Future.<Void>succeededFuture()
            : IdentityClient.require(bus, caller, review.getOrganizationId(), OrgPermission.manage_staff)).map(review))
        .compose(review -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.update(REVIEW)
                .set(REVIEW.HIDDEN_AT, SqlTime.now()).set(REVIEW.HIDDEN_BY, caller.userId())
                .set(REVIEW.HIDDEN_REASON, reason).where(REVIEW.ID.eq(id)).and(REVIEW.HIDDEN_AT.isNull()).returning())
            .map(hidden -> hidden.orElseThrow(() -> Problem.of("already-hidden", 409, "Already hidden",
                "This review is hidden already.").toException()))
            // the row as the UPDATE left it: a racing edit has finished (row lock) and its stars are the ones
            // taken out
            .compose(hidden -> Ratings.apply(tx, hidden.getSubjectKind(), hidden.getSubjectId(),
                    hidden.getOrganizationId(), List.of(Ratings.Change.remove(hidden)))
                .compose(x -> Audit.record(tx, request, Audit.Entry.of(hidden.getOrganizationId(), "review.hidden",
                    "review", id).before(new JsonObject().put("stars", hidden.getStars()).put("body", hidden.getBody()))
                    .after(new JsonObject().put("hiddenReason", reason))))
                .compose(x -> Reviews.event(tx, "review.hidden", hidden)).map(hidden))))
        .map(review -> ApiReply.ok(ReviewJson.of(review, true)));
  }

  /** The provider reviewed answers for themselves; otherwise the organization's staff. */
  private Future<Void> mayReply(Caller caller, ReviewRecord review) {
    Future<Boolean> isTheProvider = review.getSubjectKind() != ReviewSubject.provider ? Future.succeededFuture(false)
        : SchedulingClient.noticeFacts(bus, null, review.getSubjectId()).map(facts -> {
          var provider = facts.getJsonObject("provider");
          return provider != null && caller.userId().toString().equals(provider.getString("userId"));
        });
    return isTheProvider.compose(self -> self ? Future.succeededFuture()
        : IdentityClient.require(bus, caller, review.getOrganizationId(), OrgPermission.manage_bookings));
  }

  private Future<ReviewRecord> find(UUID id) {
    return db.fetchOptional(Sql.DSL.selectFrom(REVIEW).where(REVIEW.ID.eq(id)))
        .map(found -> found.orElseThrow(() -> Reviews.notFound(id)));
  }
}
