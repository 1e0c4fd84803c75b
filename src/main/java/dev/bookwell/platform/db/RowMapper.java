package dev.bookwell.platform.db;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.Select;
import org.jooq.TableRecord;

/**
 * Turns Vert.x rows into the jOOQ record type of the query that produced them. The query's fields and the
 * column-to-field mapping are worked out once per result, not once per row.
 */
final class RowMapper {

  private RowMapper() {
  }

  static <R extends Record> List<R> toRecords(ResultQuery<R> query, RowSet<Row> rows) {
    return rows.size() == 0 ? new ArrayList<>() : toRecords(query, selected(query), rows);
  }

  /** {@code selected}: the query's {@link #selected} fields, worked out beforehand (a {@link Prepared} does once). */
  @SuppressWarnings("unchecked")
  static <R extends Record> List<R> toRecords(ResultQuery<R> query, Field<?>[] selected, RowSet<Row> rows) {
    var records = new ArrayList<R>(rows.size());
    if (rows.size() == 0) {
      return records;
    }
    Class<? extends R> recordType = query.getRecordType();
    boolean byPosition = selected != null;
    Field<Object>[] targets = null;
    for (Row row : rows) {
      R record = byPosition ? (R) Sql.DSL.newRecord(selected) : newInstance(recordType);
      if (targets == null) {
        targets = new Field[row.size()];
        for (int i = 0; i < row.size(); i++) {
          targets[i] = (Field<Object>) (byPosition ? record.field(i) : record.field(row.getColumnName(i)));
        }
      }
      for (int i = 0; i < targets.length; i++) {
        if (targets[i] != null) {
          record.set(targets[i], PgValues.fromPg(targets[i].getDataType(), row.getValue(i)));
        }
      }
      record.changed(false);
      records.add(record);
    }
    return records;
  }

  /**
   * The fields to fill by position, or null for a generated table record (selectFrom(T), returning(...)), which is
   * filled by column name: asking the query for its fields is costly, so that is done only for select(a, b, ...).
   * A Select lists them directly, far cheaper than fields(), which derives a table.
   */
  static Field<?>[] selected(ResultQuery<?> query) {
    if (TableRecord.class.isAssignableFrom(query.getRecordType())) {
      return null;
    }
    return query instanceof Select<?> select ? select.getSelect().toArray(Field<?>[]::new) : query.fields();
  }

  private static <R> R newInstance(Class<R> type) {
    try {
      return type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create a " + type.getName() + " for a query result", e);
    }
  }
}
