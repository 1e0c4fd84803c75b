package dev.bookwell.platform.db;

import io.vertx.core.Future;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Transaction-scoped advisory locks on a name: what makes racing requests about one thing (one guest's or one
 * user's holds of a slot, an organization's endpoints, a slot's waitlist) count one after the other. Released when
 * the transaction ends.
 */
public final class Locks {

  private Locks() {
  }

  /** Waits for the lock on {@code name}. */
  public static Future<Void> lock(Sql tx, String name) {
    return tx.fetchOne(Sql.DSL.selectFrom(taking(name))).mapEmpty();
  }

  /**
   * The lock on {@code name}, waited for, as a one-row table to join into a query of the caller's, so the lock
   * costs no round trip of its own. Later statements of the transaction see whatever the last holder committed.
   */
  public static Table<Record1<Object>> taking(String name) {
    return taking(DSL.val(name));
  }

  public static Table<Record1<Object>> taking(Field<String> name) {
    return Sql.DSL.select(DSL.field("pg_advisory_xact_lock(hashtextextended({0}, 0))", Object.class, name)
        .as("locked")).asTable("lock");
  }

  /**
   * Under the lock on {@code name}, fails with {@code refusal} once {@code count} (rows of what is being created)
   * has reached {@code max}: racing creates count one after the other, so a cap holds under any concurrency.
   */
  public static Future<Void> belowCap(Sql tx, String name, org.jooq.Select<? extends Record1<Integer>> count,
                                      int max, java.util.function.Supplier<RuntimeException> refusal) {
    return lock(tx, name).compose(x -> tx.fetchOne(count))
        .compose(found -> found.value1() < max ? Future.<Void>succeededFuture() : Future.failedFuture(refusal.get()));
  }

  /** Takes the lock on {@code name} if nobody has it; never waits. */
  public static Future<Boolean> tryLock(Sql tx, String name) {
    return tx.fetchOne(Sql.DSL.select(DSL.field("pg_try_advisory_xact_lock(hashtextextended({0}, 0))",
        SQLDataType.BOOLEAN, DSL.val(name)))).map(row -> row.value1());
  }
}
