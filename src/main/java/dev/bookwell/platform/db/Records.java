package dev.bookwell.platform.db;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.TableRecord;

/**
 * A row as a table's record, as jOOQ's {@code row.into(TABLE)} makes it, for the hot paths. jOOQ finds each of the
 * table's fields among the row's by {@code Field.equals} (a field's table and name compared), one field after the
 * other: for a booking's 28 columns a few hundred comparisons. In the purchase benchmark's profile {@code into} was
 * 4.6 % of the service's samples, at four to seven rows a purchase. Here the columns are matched by name (strings)
 * and the record is made by the constructor jOOQ generates with every column, which sets them by position.
 */
public final class Records {

  /** A generated record's constructor that takes every column, as {@code (Object[]) -> record}. */
  private record Maker(MethodHandle make, Class<?>[] types) {

    /** Whether this constructor takes {@code columns}, in their order and types (else jOOQ's own way is taken). */
    boolean takes(Field<?>[] columns) {
      if (types.length != columns.length) {
        return false;
      }
      for (int i = 0; i < types.length; i++) {
        if (types[i] != columns[i].getType()) {
          return false;
        }
      }
      return true;
    }
  }

  private static final ClassValue<Maker> MAKERS = new ClassValue<>() {
    @Override
    protected Maker computeValue(Class<?> type) {
      var all = Arrays.stream(type.getConstructors())
          .max((a, b) -> Integer.compare(a.getParameterCount(), b.getParameterCount())).orElseThrow();
      try {
        return new Maker(MethodHandles.publicLookup().unreflectConstructor(all)
            .asSpreader(Object[].class, all.getParameterCount())
            .asType(MethodType.methodType(Object.class, Object[].class)), all.getParameterTypes());
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
  };

  private Records() {
  }

  /**
   * {@code row}'s columns named as {@code table}'s, in a new record of the table (null for a column the row lacks);
   * nothing marked changed. A column of another type than the table's is converted as jOOQ converts it.
   */
  @SuppressWarnings("unchecked")
  public static <R extends TableRecord<R>> R into(Record row, Table<R> table) {
    Field<?>[] columns = table.fields();
    var maker = MAKERS.get(table.getRecordType());
    if (!maker.takes(columns)) {
      return row.into(table);  // not a generated record with every column: jOOQ's own way
    }
    Field<?>[] have = row.fields();
    var values = new Object[columns.length];
    for (int i = 0; i < columns.length; i++) {
      int at = indexOf(have, columns[i].getName(), i);
      if (at == AMBIGUOUS) {
        return row.into(table);  // two columns of that name (a join): jOOQ tells them apart by their tables
      }
      Object value = at < 0 ? null : row.get(at);
      values[i] = value == null || columns[i].getType().isInstance(value) ? value
          : columns[i].getDataType().convert(value);
    }
    try {
      Object made = maker.make().invokeExact(values);
      var record = (R) made;
      record.changed(false);
      return record;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  private static final int AMBIGUOUS = -2;

  /**
   * Where the column named {@code name} is (-1: nowhere; {@link #AMBIGUOUS}: more than once), looked for from
   * {@code from} on (rows mostly list a table's own columns in its order, so the first look mostly finds it).
   */
  private static int indexOf(Field<?>[] fields, String name, int from) {
    int found = -1;
    for (int n = 0; n < fields.length; n++) {
      int i = (from + n) % fields.length;
      if (fields[i].getName().equals(name)) {
        if (found >= 0) {
          return AMBIGUOUS;
        }
        found = i;
      }
    }
    return found;
  }
}
