package dev.bookwell.platform.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.SQLDialect;
import org.jooq.conf.ParamType;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;

/**
 * The bridge between jOOQ and the reactive PostgreSQL client: jOOQ builds and renders each statement with
 * {@code $n} placeholders, the Vert.x client runs it, and rows come back as jOOQ records (generated ones or
 * ad-hoc ones) or as Java records of your own.
 *
 * <p>An {@code Sql} is anything that can run a statement: the pool ({@link Db}) or one transaction's connection.
 * Build queries with {@link #DSL}; it is never connected to JDBC.
 */
@FunctionalInterface
public interface Sql {

  DSLContext DSL = org.jooq.impl.DSL.using(SQLDialect.POSTGRES, new Settings()
      .withParamType(ParamType.NAMED)
      .withRenderNamedParamPrefix("$")
      .withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_UNQUOTED)
      .withRenderSchema(false)
      .withRenderFormatted(false));

  SqlClient client();

  /** Runs any statement; the raw row set is there for row counts and for callers that map rows themselves. */
  default Future<RowSet<Row>> execute(Query query) {
    String sql = DSL.renderNamedParams(query);
    List<Object> binds = DSL.extractBindValues(query);
    Tuple tuple = Tuple.tuple();
    for (Object value : binds) {
      tuple.addValue(PgValues.toPg(value));
    }
    return client().preparedQuery(sql).execute(tuple);
  }

  /** Runs a statement that returns no rows (or whose rows do not matter) and gives the number of rows it touched. */
  default Future<Integer> update(Query query) {
    return execute(query).map(RowSet::rowCount);
  }

  default <R extends Record> Future<List<R>> fetch(ResultQuery<R> query) {
    return execute(query).map(rows -> RowMapper.toRecords(query, rows));
  }

  default <R extends Record> Future<Optional<R>> fetchOptional(ResultQuery<R> query) {
    return fetch(query).map(records -> records.stream().findFirst());
  }

  /** Exactly one row is expected; none fails the future with {@link NoSuchElementException}. */
  default <R extends Record> Future<R> fetchOne(ResultQuery<R> query) {
    return fetchOptional(query).map(found -> found.orElseThrow(
        () -> new NoSuchElementException("no row for: " + DSL.renderNamedParams(query))));
  }

  /** Runs a statement rendered once ({@link Prepared}) with this run's values of its named parameters. */
  default <R extends Record> Future<List<R>> fetch(Prepared<R> statement, java.util.Map<String, ?> values) {
    return run(statement, values).map(rows -> RowMapper.toRecords(statement.query, statement.selected, rows));
  }

  /**
   * The rows of a statement rendered once, as the driver decoded them, for an answer written straight from them (a
   * search page of 168 rows): a jOOQ record made of each row was a sixth of the garbage each search left the young
   * collections (643 kB a search, 532 kB without; JFR's allocation samples). Read each row by the position of its
   * column in the statement's select list.
   */
  default Future<List<Row>> rows(Prepared<?> statement, java.util.Map<String, ?> values) {
    return run(statement, values).map(rows -> {
      var list = new java.util.ArrayList<Row>(rows.size());
      rows.forEach(list::add);
      return list;
    });
  }

  private Future<RowSet<Row>> run(Prepared<?> statement, java.util.Map<String, ?> values) {
    return client().preparedQuery(statement.sql).execute(statement.bind(values));
  }

  default <R extends Record> Future<Optional<R>> fetchOptional(Prepared<R> statement, java.util.Map<String, ?> values) {
    return fetch(statement, values).map(records -> records.stream().findFirst());
  }

  /** Exactly one row is expected (an aggregate, an upsert returning); none fails the future. */
  default <R extends Record> Future<R> fetchOne(Prepared<R> statement, java.util.Map<String, ?> values) {
    return fetchOptional(statement, values).map(found -> found.orElseThrow(
        () -> new NoSuchElementException("no row for: " + statement.sql)));
  }

  /** Maps each row into {@code type} (a Java record or a class) by column name, as jOOQ's {@code into} does. */
  default <T> Future<List<T>> fetchInto(ResultQuery<?> query, Class<T> type) {
    return fetch(query).map(records -> records.stream().map(r -> r.into(type)).toList());
  }
}
