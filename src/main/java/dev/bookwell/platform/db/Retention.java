package dev.bookwell.platform.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what would otherwise grow without end (published events, expired keys and tokens), each area for its
 * own tables. Work is bounded: batches of {@link #BATCH} rows, each its own short statement, claimed with
 * FOR UPDATE SKIP LOCKED so several instances purging at once never wait on each other, at most
 * {@link #MAX_BATCHES} a round; what is left waits for the next round.
 */
public final class Retention {

  public static final int BATCH = 1_000;
  public static final int MAX_BATCHES = 100;
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
  private static final Field<Object> CTID = DSL.field(DSL.name("ctid"));

  /** Rows of {@code table} that are due once {@code due} holds (evaluated at each round). */
  public record Rule(String name, Table<?> table, Supplier<Condition> due) {
  }

  private Retention() {
  }

  /** One round over every rule; gives the rows deleted. */
  public static Future<Integer> purge(Db db, List<Rule> rules) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (Rule rule : rules) {
      chain = chain.compose(total -> purge(db, rule, 0).map(deleted -> total + deleted));
    }
    return chain;
  }

  private static Future<Integer> purge(Db db, Rule rule, int batches) {
    var victims = Sql.DSL.select(CTID).from(rule.table()).where(rule.due().get()).limit(BATCH)
        .forUpdate().skipLocked();
    return db.update(Sql.DSL.deleteFrom(rule.table()).where(CTID.in(victims)))
        .compose(deleted -> deleted < BATCH || batches + 1 >= MAX_BATCHES ? Future.succeededFuture(deleted)
            : purge(db, rule, batches + 1).map(more -> deleted + more));
  }

  /** Purges every {@code interval}; gives the timer id (cancel it on stop). */
  public static long schedule(Vertx vertx, Db db, Duration interval, List<Rule> rules) {
    return vertx.setPeriodic(interval.toMillis(), id -> purge(db, rules)
        .onSuccess(deleted -> {
          if (deleted > 0) {
            LOG.info("retention purge deleted {} rows ({})", deleted, rules.stream().map(Rule::name).toList());
          }
        })
        .onFailure(e -> LOG.warn("retention purge failed", e)));
  }
}
