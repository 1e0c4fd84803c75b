package dev.bookwell.reporting;

import static dev.bookwell.db.Tables.ANALYTICS_EVENT;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.Rounds;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.db.Retention;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The reporting area: read models over the other areas' rows (read only; it writes its rollups and the analytics
 * events alone), the booking, revenue, learning and funnel reports, and the analytics intake.
 */
public final class ReportingVerticle extends VerticleBase {

  public static final String API = "reporting.api";
  static final Duration ANALYTICS_RETENTION = Duration.ofDays(400);  // a year's funnel, compared with the last

  private final Platform platform;
  private long timer = -1;
  private long closedDays = -1;
  private long purge = -1;

  public ReportingVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var bus = vertx.eventBus();
    var bookings = new BookingReports(db, bus);
    var analytics = new Analytics(db, bus);
    var learning = new LearningReport(db, bus);
    ApiConsumer.register(bus, API, Map.of(
        "bookingReport", bookings::bookings,
        "revenueReport", bookings::revenue,
        "learningReport", learning::report,
        "funnelReport", analytics::funnel,
        "collectAnalyticsEvents", analytics::collect));
    var rollups = new Rollups(db);
    timer = Rounds.every(vertx, platform.config().mail().pollInterval(), "report rollups", rollups::round);
    closedDays = Rounds.every(vertx, Duration.ofHours(1), "marking passed slots", rollups::markPassedSlots);
    purge = Retention.schedule(vertx, db, platform.config().limits().purgeInterval(), List.of(new Retention.Rule(
        "analytics_event", ANALYTICS_EVENT, () -> ANALYTICS_EVENT.RECEIVED_AT.lt(SqlTime.nowPlus(
            ANALYTICS_RETENTION.negated())))));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    vertx.cancelTimer(closedDays);
    vertx.cancelTimer(purge);
    return Future.succeededFuture();
  }
}
