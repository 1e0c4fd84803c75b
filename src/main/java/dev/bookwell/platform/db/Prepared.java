package dev.bookwell.platform.db;

import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jooq.Record;
import org.jooq.ResultQuery;

/**
 * A statement jOOQ renders once and the service runs many times, for the hottest paths. Its query is built once
 * with named parameters ({@code DSL.param("slot", SLOT.ID)}) where each run's values go; a run binds only those.
 * Rendering a query and extracting its bind values walk the whole query tree on every run: on the hold path that
 * was the largest share of the service's CPU (JFR, see the README's Performance section), more than the I/O.
 */
public final class Prepared<R extends Record> {

  /** A placeholder as jOOQ renders it with {@code $} named parameters: {@code $name}, or {@code $n} if unnamed. */
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*|[0-9]+)");

  final ResultQuery<R> query;
  final String sql;
  /** Per bind position: the parameter's name, or null where the query has a constant. */
  private final String[] names;
  /** Per bind position: the constant, converted for the client, where the query has one. */
  private final Object[] constants;

  private Prepared(ResultQuery<R> query, String sql, String[] names, Object[] constants) {
    this.query = query;
    this.sql = sql;
    this.names = names;
    this.constants = constants;
  }

  /** Renders {@code query} once; its named parameters get their values at each run. */
  public static <R extends Record> Prepared<R> of(ResultQuery<R> query) {
    String named = Sql.DSL.renderNamedParams(query);
    List<Object> values = Sql.DSL.extractBindValues(query);
    var matcher = PLACEHOLDER.matcher(named);
    var sql = new StringBuilder();
    var names = new ArrayList<String>();
    var constants = new ArrayList<>();
    while (matcher.find()) {
      int position = names.size();
      String token = matcher.group(1);
      boolean constant = Character.isDigit(token.charAt(0));
      if (constant && Integer.parseInt(token) != position + 1) {
        throw new IllegalArgumentException("unexpected placeholder $" + token + " at " + (position + 1) + ": " + named);
      }
      names.add(constant ? null : token);
      constants.add(constant ? PgValues.toPg(values.get(position)) : null);
      matcher.appendReplacement(sql, "\\$" + (position + 1));
    }
    matcher.appendTail(sql);
    if (names.size() != values.size()) {
      throw new IllegalArgumentException(values.size() + " bind values but " + names.size() + " placeholders: " + named);
    }
    return new Prepared<>(query, sql.toString(), names.toArray(String[]::new), constants.toArray());
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
