package dev.bookwell.platform.db;

import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Map;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;

/**
 * A statement jOOQ renders once and the service runs many times, for the hottest paths. Its query is built once
 * with named parameters ({@code DSL.param("slot", SLOT.ID)}) where each run's values go; a run binds only those.
 * Rendering a query and extracting its bind values walk the whole query tree on every run: on the hold path jOOQ
 * (building, rendering, binding) was 37-41 % of the service's CPU samples, more than Netty's I/O (JFR; see the
 * README's Performance section).
 */
public final class Prepared<R extends Record> {

  final ResultQuery<R> query;
  /** The query's select list, for mapping rows by position (null: a table's records, mapped by name). */
  final Field<?>[] selected;
  final String sql;
  /** Per bind position: the parameter's name. */
  private final String[] names;

  private Prepared(ResultQuery<R> query, Field<?>[] selected, String sql, String[] names) {
    this.query = query;
    this.selected = selected;
    this.sql = sql;
    this.names = names;
  }

  /**
   * Renders {@code query} once; its named parameters get their values at each run. Its other values are constants
   * and are written into the SQL: a statement reused from the connection's cache runs, after five executions, with
   * PostgreSQL's generic plan, which can use a partial index ({@code seat_free}: {@code WHERE state = 'free'}) only
   * when the state is written in the statement, not bound as a parameter.
   */
  public static <R extends Record> Prepared<R> of(ResultQuery<R> query) {
    String named = Sql.DSL.renderNamedOrInlinedParams(query);
    var sql = new StringBuilder(named.length());
    var names = new ArrayList<String>();
    for (int i = 0; i < named.length(); ) {
      int end = skipQuoted(named, i);
      if (end > i) {
        sql.append(named, i, end);
        i = end;
        continue;
      }
      // jOOQ renders a named placeholder as $name; only outside quotes and comments
      char c = named.charAt(i);
      boolean placeholder = c == '$' && i + 1 < named.length()
          && (Character.isLetterOrDigit(named.charAt(i + 1)) || named.charAt(i + 1) == '_')
          && (i == 0 || !Character.isLetterOrDigit(named.charAt(i - 1)) && named.charAt(i - 1) != '_');
      if (!placeholder) {
        sql.append(c);
        i++;
        continue;
      }
      int start = ++i;
      while (i < named.length() && (Character.isLetterOrDigit(named.charAt(i)) || named.charAt(i) == '_')) {
        i++;
      }
      String token = named.substring(start, i);
      if (token.chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException("an unnamed placeholder $" + token + " was not inlined: " + named);
      }
      names.add(token);
      sql.append('$').append(names.size());
    }
    return new Prepared<>(query, RowMapper.selected(query), sql.toString(), names.toArray(String[]::new));
  }

  /**
   * A named parameter cast to its column's type, for where PostgreSQL has no column to infer it from (a SELECT list,
   * an expression). Not for a char(n) or varchar(n) column: the cast would cut a longer value short without a word.
   */
  public static <T> Field<T> typed(String name, Field<T> column) {
    return org.jooq.impl.DSL.param(name, column).cast(column.getDataType());
  }

  /**
   * A named parameter holding an array of {@code type}'s values, cast to that array's type: a batch's values side by
   * side, for {@code unnest} or {@code = any}.
   */
  public static <T> Field<T[]> array(String name, org.jooq.DataType<T> type) {
    var arrayType = type.getArrayDataType();
    return org.jooq.impl.DSL.cast(org.jooq.impl.DSL.param(name, arrayType), arrayType);
  }

  /** Where a string literal, quoted name or comment starting at {@code i} ends; {@code i} if none starts there. */
  private static int skipQuoted(String sql, int i) {
    char c = sql.charAt(i);
    if (c == '\'' || c == '"') {
      int j = i + 1;
      while (j < sql.length()) {
        if (sql.charAt(j) == c) {
          if (j + 1 < sql.length() && sql.charAt(j + 1) == c) {  // '' or "" inside
            j += 2;
            continue;
          }
          return j + 1;
        }
        j++;
      }
      return sql.length();
    }
    if (sql.startsWith("--", i)) {
      int end = sql.indexOf('\n', i);
      return end < 0 ? sql.length() : end;
    }
    if (sql.startsWith("/*", i)) {
      int end = sql.indexOf("*/", i + 2);
      return end < 0 ? sql.length() : end + 2;
    }
    return i;
  }

  /** The SQL as sent, with {@code $1}, {@code $2} ... for the parameters {@link #parameterNames} lists (plan tests). */
  public String sql() {
    return sql;
  }

  /** The named parameters, in bind order. */
  public java.util.List<String> parameterNames() {
    return java.util.List.of(names);
  }

  /** The values of one run, in bind order; every named parameter must have one (null is a value). */
  Tuple bind(Map<String, ?> values) {
    Tuple tuple = Tuple.tuple();
    for (int i = 0; i < names.length; i++) {
      if (values.containsKey(names[i])) {
        tuple.addValue(PgValues.toPg(values.get(names[i])));
      } else {
        throw new IllegalArgumentException("no value for $" + names[i] + " in " + sql);
      }
    }
    return tuple;
  }
}
