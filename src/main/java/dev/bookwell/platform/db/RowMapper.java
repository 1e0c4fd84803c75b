package dev.bookwell.platform.db;

import io.vertx.sqlclient.Row;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;

/** Turns a Vert.x row into the jOOQ record type of the query that produced it. */
final class RowMapper {

  private RowMapper() {
  }

  @SuppressWarnings("unchecked")
  static <R extends Record> R toRecord(ResultQuery<R> query, Row row) {
    Record adHoc = Sql.DSL.newRecord(query.fields());
    R record;
    if (query.getRecordType().isInstance(adHoc) && adHoc.size() == row.size()) {
      record = (R) adHoc;  // select(a, b, ...): columns match the selected fields by position
      for (int i = 0; i < row.size(); i++) {
        set(record, (Field<Object>) record.field(i), row.getValue(i));
      }
    } else {
      record = newInstance(query.getRecordType());  // a generated table record: selectFrom(T), returning(...)
      for (int i = 0; i < row.size(); i++) {
        Field<Object> field = (Field<Object>) record.field(row.getColumnName(i));
        if (field != null) {
          set(record, field, row.getValue(i));
        }
      }
    }
    record.changed(false);
    return record;
  }

  private static void set(Record record, Field<Object> field, Object pgValue) {
    record.set(field, PgValues.fromPg(field.getDataType(), pgValue));
  }

  private static <R> R newInstance(Class<R> type) {
    try {
      return type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create a " + type.getName() + " for a query result", e);
    }
  }
}
