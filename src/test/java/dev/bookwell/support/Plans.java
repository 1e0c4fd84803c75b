package dev.bookwell.support;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.sqlclient.Row;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.jooq.Query;

/** Query plans for the plan tests: checked by what they use, not by the clock. */
public final class Plans {

  private Plans() {
  }

  /** EXPLAIN ANALYZE of {@code query} with its values written in; the second run's plan (the first warms the cache). */
  public static String explain(Db db, Query query) {
    var explain = Sql.DSL.query("explain (analyze, costs off) " + Sql.DSL.renderInlined(query));
    Wait.on(db.execute(explain));
    var rows = Wait.on(db.execute(explain));
    return StreamSupport.stream(rows.spliterator(), false).map(Row::toJson)
        .map(json -> json.getString("QUERY PLAN")).collect(Collectors.joining("\n"));
  }
}
