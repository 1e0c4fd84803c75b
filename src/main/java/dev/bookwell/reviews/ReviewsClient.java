package dev.bookwell.reviews;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.OutboxConsumer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * What other areas know of the reviews area: the event that carries a subject's new rating. The provider and course
 * areas keep a copy of it on their rows (for listing, sorting and filtering) and take a copy only when its revision
 * is newer than theirs, so repeats and late arrivals change nothing.
 */
public final class ReviewsClient {

  public static final String RATING_CHANGED = "review.rating_changed";

  private ReviewsClient() {
  }

  /** A subject's rating as listings show it: {@code {average, count}}, the average null while there is none. */
  public static JsonObject json(BigDecimal average, int count) {
    return new JsonObject().put("average", average == null ? null : average.doubleValue()).put("count", count);
  }

  /** A subject's rating as the event tells it; {@code average} is null while it has no visible review. */
  public record Rating(String subjectKind, UUID subjectId, int count, BigDecimal average, long revision) {

    public static Rating of(JsonObject event) {
      Number average = (Number) event.getValue("average");
      return new Rating(event.getString("subjectKind"), UUID.fromString(event.getString("subjectId")),
          event.getInteger("count"), average == null ? null : new BigDecimal(average.toString()),
          event.getLong("revision"));
    }
  }

  /**
   * A subject area's copy of its subjects' ratings, kept from the events (each handled once, see
   * {@link OutboxConsumer}); {@code store} writes one, guarded by the revision.
   */
  public static final class Follower {

    private final OutboxConsumer consumer;
    private final String subjectKind;
    private final BiFunction<Sql, Rating, Future<Integer>> store;

    public Follower(Db db, String subjectKind, BiFunction<Sql, Rating, Future<Integer>> store) {
      this.consumer = new OutboxConsumer(db, subjectKind + "-ratings", List.of(RATING_CHANGED), Duration.ofDays(7),
          200);
      this.subjectKind = subjectKind;
      this.store = store;
    }

    /** One round over the rating changes not copied yet. */
    public Future<Integer> round() {
      return consumer.round(event -> {
        Rating rating = Rating.of(new JsonObject(event.getPayload().data()));
        return Future.succeededFuture(tx -> subjectKind.equals(rating.subjectKind())
            ? store.apply(tx, rating).<Void>mapEmpty() : Future.<Void>succeededFuture());
      });
    }
  }
}
