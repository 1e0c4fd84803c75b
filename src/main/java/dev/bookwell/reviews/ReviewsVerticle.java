package dev.bookwell.reviews;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.Map;
import java.util.function.Function;

/** The reviews area: reviews of providers and courses, their replies and moderation, and the aggregates. */
public final class ReviewsVerticle extends VerticleBase {

  public static final String API = "reviews.api";

  private final Platform platform;

  public ReviewsVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var bus = vertx.eventBus();
    var reviews = new Reviews(db, bus);
    var moderation = new Moderation(db, bus);
    var reads = new ReviewReads(db, bus);
    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.of(
        "createReview", reviews::create,
        "patchReview", reviews::patch,
        "replyToReview", moderation::reply,
        "hideReview", moderation::hide,
        "listProviderReviews", reads::ofProvider,
        "listCourseReviews", reads::ofCourse,
        "listOrganizationReviews", reads::ofOrganization);
    ApiConsumer.register(bus, API, operations);
    return Future.succeededFuture();
  }
}
