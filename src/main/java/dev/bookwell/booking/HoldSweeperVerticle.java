package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tidies expired holds: marks them expired, frees their seats, emits {@code booking.expired} (the payments area
 * cancels authorizations on it). Claims rows with SKIP LOCKED, so several sweepers never expire a hold twice.
 * Correctness never depends on it: an expired hold's seats are already takeable at read time.
 */
public final class HoldSweeperVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HoldSweeperVerticle.class);
  private static final int BATCH = 200;

  private final Platform platform;
  private long timer = -1;
  private Future<Integer> round = Future.succeededFuture(0);

  public HoldSweeperVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(platform.config().holdSweepInterval().toMillis(), id -> {
      if (round.isComplete()) {
        round = sweep().onFailure(e -> LOG.warn("hold sweep failed; will retry", e));
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return round.otherwiseEmpty();
  }

  /** One round: up to a batch of expired holds. Gives how many it expired. */
  public Future<Integer> sweep() {
    return platform.db().transaction(tx -> tx.fetch(Sql.DSL.select(BOOKING.ID).from(BOOKING)
            .where(BOOKING.STATUS.eq(BookingStatus.held)).and(BOOKING.HOLD_EXPIRES_AT.le(SqlTime.now()))
            .orderBy(BOOKING.HOLD_EXPIRES_AT).limit(BATCH)
            .forUpdate().skipLocked())
        .compose(rows -> Holds.expire(tx, rows.stream().map(r -> r.value1()).toList(), "sweeper")
            .map(rows.size())));
  }
}
