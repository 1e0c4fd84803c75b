package dev.bookwell.support;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.jooq.Query;
import org.jooq.impl.DSL;

/** Query plans for the plan tests: checked by what they use, not by the clock. */
public final class Plans {

  private Plans() {
  }

  /** A plan test's database: fresh, with its data written; closing it closes its Vert.x. */
  public record Loaded(Vertx vertx, Db db) implements AutoCloseable {
    @Override
    public void close() {
      Wait.on(vertx.close());
    }
  }

  /** A fresh database with {@code statements} run in it, each given three minutes (a million rows take a while). */
  public static Loaded load(List<String> statements) {
    var vertx = Vertx.vertx();
    var db = new Db(TestDatabase.fresh().createPool(vertx, 2));
    for (String statement : statements) {
      Wait.on(db.execute(Sql.DSL.query(statement)), 180);
    }
    return new Loaded(vertx, db);
  }

  /** EXPLAIN ANALYZE of {@code query} with its values written in; the second run's plan (the first warms the cache). */
  public static String explain(Db db, Query query) {
    var explain = Sql.DSL.query("explain (analyze, costs off) " + Sql.DSL.renderInlined(query));
    Wait.on(db.execute(explain));
    var rows = Wait.on(db.execute(explain));
    return text(rows);
  }

  /**
   * EXPLAIN ANALYZE of {@code statement} as the service runs it once its connection has cached it: with
   * PostgreSQL's generic plan, which knows the statement but not its parameters' values ({@code plan_cache_mode}
   * forced, as PostgreSQL itself chooses after five runs when the generic plan looks no dearer).
   */
  public static String explainGeneric(Db db, Prepared<?> statement, Map<String, ?> values) {
    String arguments = statement.parameterNames().stream()
        .map(name -> Sql.DSL.renderInlined(DSL.inline(values.get(name)))).collect(Collectors.joining(", "));
    return Wait.on(db.transaction(tx -> tx.execute(Sql.DSL.query("set local plan_cache_mode = force_generic_plan"))
        .compose(x -> tx.execute(Sql.DSL.query("prepare plan_test as " + statement.sql())))
        .compose(x -> tx.execute(Sql.DSL.query("explain (analyze, costs off) execute plan_test(" + arguments + ")")))
        .compose(rows -> tx.execute(Sql.DSL.query("deallocate plan_test")).map(x -> text(rows)))));
  }

  private static String text(RowSet<Row> rows) {
    return StreamSupport.stream(rows.spliterator(), false).map(Row::toJson)
        .map(json -> json.getString("QUERY PLAN")).collect(Collectors.joining("\n"));
  }
}
