package dev.bookwell.platform.db;

import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
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
  /** Per bind position: the parameter's name, or null where the query has a constant. */
  private final String[] names;
  /** Per bind position: the constant, converted for the client, where the query has one. */
  private final Object[] constants;

  private Prepared(ResultQuery<R> query, Field<?>[] selected, String sql, String[] names,
                   Object[] constants) {
    this.query = query;
    this.selected = selected;
    this.sql = sql;
    this.names = names;
    this.constants = constants;
  }

  /** Renders {@code query} once; its named parameters get their values at each run. */
  public static <R extends Record> Prepared<R> of(ResultQuery<R> query) {
    String named = Sql.DSL.renderNamedParams(query);
    List<Object> values = Sql.DSL.extractBindValues(query);
    var sql = new StringBuilder(named.length());
    var names = new ArrayList<String>();
    var constants = new ArrayList<>();
    for (int i = 0; i < named.length(); ) {
      int end = skipQuoted(named, i);
      if (end > i) {
        sql.append(named, i, end);
        i = end;
        continue;
      }
      // jOOQ renders a placeholder as $name, or $n when unnamed; only outside quotes and comments
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
      int position = names.size();
      boolean constant = token.chars().allMatch(Character::isDigit);
      if (constant && Integer.parseInt(token) != position + 1 || position >= values.size()) {
        throw new IllegalArgumentException("unexpected placeholder $" + token + " at " + (position + 1) + ": " + named);
      }
      names.add(constant ? null : token);
      constants.add(constant ? PgValues.toPg(values.get(position)) : null);
      sql.append('$').append(position + 1);
    }
    if (names.size() != values.size()) {
      throw new IllegalArgumentException(values.size() + " bind values but " + names.size() + " placeholders: "
          + named);
    }
    return new Prepared<>(query, RowMapper.selected(query), sql.toString(), names.toArray(String[]::new),
        constants.toArray());
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

  /** The values of one run, in bind order; every named parameter must have one (null is a value). */
  Tuple bind(Map<String, ?> values) {
    Tuple tuple = Tuple.tuple();
    for (int i = 0; i < names.length; i++) {
      if (names[i] == null) {
        tuple.addValue(constants[i]);
      } else if (values.containsKey(names[i])) {
        tuple.addValue(PgValues.toPg(values.get(names[i])));
      } else {
        throw new IllegalArgumentException("no value for $" + names[i] + " in " + sql);
      }
    }
    return tuple;
  }
}
