package dev.bookwell.reviews;

import static dev.bookwell.db.Tables.RATING_SUMMARY;

import dev.bookwell.db.enums.ReviewSubject;
import dev.bookwell.db.tables.records.RatingSummaryRecord;
import dev.bookwell.db.tables.records.ReviewRecord;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.UUID;

/**
 * The aggregate of a subject's visible reviews (count, star sum, distribution, would-recommend), changed in the
 * transaction that changes a review. One UPDATE adds the difference to the row: PostgreSQL locks the row for it, so
 * racing reviews of one subject queue there and each adds its own difference to the previous result (no read,
 * modify, write in the service, nothing lost). The table's CHECKs hold count, sum and distribution together.
 */
final class Ratings {

  private Ratings() {
  }

  /** A review's weight in the aggregate: added ({@code +1}) or taken out ({@code -1}). */
  record Change(int stars, boolean recommended, int sign) {

    static Change add(ReviewRecord review) {
      return new Change(review.getStars(), review.getWouldRecommend(), 1);
    }

    static Change remove(ReviewRecord review) {
      return new Change(review.getStars(), review.getWouldRecommend(), -1);
    }
  }

  /** Applies the changes (nothing when they cancel out) and tells the subject's new rating through the outbox. */
  static Future<Void> apply(Sql tx, ReviewSubject kind, UUID subjectId, UUID organizationId, List<Change> changes) {
    int[] perStar = new int[6];
    int count = 0;
    int recommended = 0;
    for (Change change : changes) {
      perStar[change.stars()] += change.sign();
      count += change.sign();
      recommended += change.recommended() ? change.sign() : 0;
    }
    if (count == 0 && recommended == 0 && java.util.Arrays.stream(perStar).allMatch(n -> n == 0)) {
      return Future.succeededFuture();
    }
    long sum = 0;
    for (int star = 1; star <= 5; star++) {
      sum += (long) star * perStar[star];
    }
    var stars = List.of(RATING_SUMMARY.STARS_1, RATING_SUMMARY.STARS_2, RATING_SUMMARY.STARS_3,
        RATING_SUMMARY.STARS_4, RATING_SUMMARY.STARS_5);
    // the row exists first (all zero), then one UPDATE adds the difference: an upsert would not do, as PostgreSQL
    // checks the row it would insert (negative counts, for a removal) before it finds the conflict
    var update = Sql.DSL.update(RATING_SUMMARY).set(RATING_SUMMARY.REVIEWS, RATING_SUMMARY.REVIEWS.plus(count))
        .set(RATING_SUMMARY.STAR_SUM, RATING_SUMMARY.STAR_SUM.plus(sum))
        .set(RATING_SUMMARY.RECOMMENDED, RATING_SUMMARY.RECOMMENDED.plus(recommended))
        .set(RATING_SUMMARY.REVISION, RATING_SUMMARY.REVISION.plus(1L));
    for (int star = 1; star <= 5; star++) {
      update = update.set(stars.get(star - 1), stars.get(star - 1).plus(perStar[star]));
    }
    var change = update.where(RATING_SUMMARY.SUBJECT_KIND.eq(kind)).and(RATING_SUMMARY.SUBJECT_ID.eq(subjectId));
    return tx.update(Sql.DSL.insertInto(RATING_SUMMARY).set(RATING_SUMMARY.SUBJECT_KIND, kind)
            .set(RATING_SUMMARY.SUBJECT_ID, subjectId).set(RATING_SUMMARY.ORGANIZATION_ID, organizationId)
            .onConflictDoNothing())
        .compose(x -> tx.fetchOne(change.returning()))
        .compose(summary -> Outbox.append(tx, ReviewsClient.RATING_CHANGED, "rating", subjectId,
            // no organization: a provider works for several, and the rating is the provider's
            json(summary).put("subjectKind", kind.getLiteral()).put("subjectId", subjectId.toString())
                .put("revision", summary.getRevision())))
        .mapEmpty();
  }

  /** {@code {count, average, recommendedShare, distribution: {"1": n, ..., "5": n}}}; average null when empty. */
  static JsonObject json(RatingSummaryRecord summary) {
    if (summary == null || summary.getReviews() == 0) {
      return new JsonObject().put("count", 0).put("average", null).put("recommendedShare", null)
          .put("distribution", new JsonObject().put("1", 0).put("2", 0).put("3", 0).put("4", 0).put("5", 0));
    }
    int count = summary.getReviews();
    return new JsonObject().put("count", count).put("average", average(summary).doubleValue())
        .put("recommendedShare", BigDecimal.valueOf(summary.getRecommended())
            .divide(BigDecimal.valueOf(count), 2, RoundingMode.HALF_UP).doubleValue())
        .put("distribution", new JsonObject().put("1", summary.getStars_1()).put("2", summary.getStars_2())
            .put("3", summary.getStars_3()).put("4", summary.getStars_4()).put("5", summary.getStars_5()));
  }

  static BigDecimal average(RatingSummaryRecord summary) {
    return BigDecimal.valueOf(summary.getStarSum()).divide(BigDecimal.valueOf(summary.getReviews()), 2,
        RoundingMode.HALF_UP);
  }
}
