package dev.bookwell.platform.db;

import io.vertx.core.json.JsonObject;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.UpdateSetMoreStep;

/**
 * PATCH with JSON merge semantics (RFC 7396) as one UPDATE: a field present in the patch replaces the column (null
 * clears it where the column allows), an absent one leaves it. The contract validates the patch's shape first.
 */
public final class SqlPatch<R extends org.jooq.Record> {

  private final UpdateSetMoreStep<R> update;

  /** Starts {@code UPDATE table SET key = key}: a no-op the fields present in the patch are added to. */
  public static <R extends org.jooq.Record, K> SqlPatch<R> of(Table<R> table, TableField<R, K> key) {
    return new SqlPatch<>(Sql.DSL.update(table).set(key, key));
  }

  private SqlPatch(UpdateSetMoreStep<R> update) {
    this.update = update;
  }

  /** Sets {@code column} to {@code value} when {@code patch} (the body, or an object inside it) names {@code name}. */
  public <T> SqlPatch<R> merge(JsonObject patch, String name, Field<T> column, T value) {
    if (patch.containsKey(name)) {
      update.set(column, value);
    }
    return this;
  }

  public UpdateSetMoreStep<R> update() {
    return update;
  }
}
