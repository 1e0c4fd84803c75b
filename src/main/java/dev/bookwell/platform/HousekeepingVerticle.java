package dev.bookwell.platform;

import static dev.bookwell.db.Tables.IDEMPOTENCY_KEY;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.db.Tables.RATE_LIMIT;

import dev.bookwell.platform.db.Retention;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.List;

/**
 * Purges the platform's own tables: published outbox events after the retention (consumers had them long ago),
 * idempotency keys once expired (24 h), rate-limit windows after ten minutes. Areas purge their own tables.
 */
public final class HousekeepingVerticle extends VerticleBase {

  private final Platform platform;
  private long timer = -1;
  private long keysTimer = -1;

  public HousekeepingVerticle(Platform platform) {
    this.platform = platform;
  }

  public static List<Retention.Rule> rules(Duration retention) {
    return List.of(
        new Retention.Rule("outbox_event", OUTBOX_EVENT,
            () -> OUTBOX_EVENT.PUBLISHED_AT.lt(SqlTime.nowPlus(retention.negated()))),
        new Retention.Rule("consumed_event", dev.bookwell.db.Tables.CONSUMED_EVENT,
            () -> dev.bookwell.db.Tables.CONSUMED_EVENT.HANDLED_AT.lt(SqlTime.nowPlus(retention.negated()))),
        new Retention.Rule("idempotency_key", IDEMPOTENCY_KEY, () -> IDEMPOTENCY_KEY.EXPIRES_AT.lt(SqlTime.now())),
        new Retention.Rule("rate_limit", RATE_LIMIT,
            () -> RATE_LIMIT.WINDOW_START.lt(SqlTime.nowPlus(Duration.ofMinutes(-10)))));
  }

  @Override
  public Future<?> start() {
    var limits = platform.config().limits();
    timer = Retention.schedule(vertx, platform.db(), limits.purgeInterval(), rules(limits.retention()));
    // keys kept in the database: a key another node made is verified here within a minute (JwtKeys.REFRESH)
    keysTimer = Rounds.every(vertx, dev.bookwell.platform.auth.JwtKeys.REFRESH, "reloading signing keys",
        platform.jwtKeys()::refresh);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    vertx.cancelTimer(keysTimer);
    return Future.succeededFuture();
  }
}
