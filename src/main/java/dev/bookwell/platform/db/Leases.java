package dev.bookwell.platform.db;

import static dev.bookwell.db.Tables.JOB_LEASE;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.UUID;

/**
 * Once per interval for the whole cluster: a job that every node would otherwise repeat (walking every provider's
 * schedule) runs on the node that takes its lease. One statement, so taking it never holds a connection; a node
 * that dies while running leaves the lease to run out, and the job runs again an interval later elsewhere.
 */
public final class Leases {

  /** This process, as lease holder (for whoever reads the table). */
  private static final String HOLDER = UUID.randomUUID().toString();

  private Leases() {
  }

  /** True when this node took the lease on {@code name} for {@code every} (nobody held it, or theirs ran out). */
  public static Future<Boolean> take(Sql db, String name, Duration every) {
    return db.update(Sql.DSL.insertInto(JOB_LEASE)
            .set(JOB_LEASE.NAME, name).set(JOB_LEASE.HOLDER, HOLDER).set(JOB_LEASE.UNTIL, SqlTime.nowPlus(every))
            .onConflict(JOB_LEASE.NAME).doUpdate()
            .set(JOB_LEASE.HOLDER, HOLDER).set(JOB_LEASE.UNTIL, SqlTime.nowPlus(every))
            .where(JOB_LEASE.UNTIL.le(SqlTime.now())))
        .map(taken -> taken == 1);
  }
}
