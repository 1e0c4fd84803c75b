package dev.bookwell.platform.db;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.sqlclient.Tuple;
import java.lang.reflect.Array;
import org.jooq.DataType;
import org.jooq.EnumType;
import org.jooq.JSON;
import org.jooq.JSONB;
import org.jooq.postgres.extensions.types.OffsetDateTimeRange;
import org.jooq.postgres.extensions.types.Range;

/**
 * Converts values between jOOQ's Java types and the ones the Vert.x PostgreSQL client speaks.
 * uuid, timestamptz (OffsetDateTime), dates, numbers, text and booleans pass as they are.
 */
final class PgValues {

  private PgValues() {
  }

  /** A jOOQ bind value as the Vert.x client wants it in a {@link Tuple}. */
  static Object toPg(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof JSONB jsonb) {
      return decodeJson(jsonb.data());
    }
    if (value instanceof JSON json) {
      return decodeJson(json.data());
    }
    if (value instanceof EnumType enumValue) {
      return enumValue.getLiteral();
    }
    if (value instanceof Range<?> range) {
      return range.toString();  // PostgreSQL's text form, e.g. ["2026-01-01 10:00:00+00","2026-01-01 11:00:00+00")
    }
    if (value instanceof byte[] bytes) {
      return Buffer.buffer(bytes);  // bytea
    }
    if (value instanceof Object[] array) {
      return arrayToPg(array);
    }
    return value;
  }

  /** A value read by the Vert.x client, converted to the Java type of the jOOQ field it belongs to. */
  static Object fromPg(DataType<?> type, Object value) {
    if (value == null) {
      return null;
    }
    Class<?> target = type.getType();
    if (target.isInstance(value) && !type.isArray()) {
      return value;  // uuid, text, integers, timestamptz, ...: already what jOOQ holds
    }
    if (target == JSONB.class) {
      return JSONB.valueOf(Json.encode(value));
    }
    if (target == JSON.class) {
      return JSON.valueOf(Json.encode(value));
    }
    if (target == OffsetDateTimeRange.class && value instanceof String text) {
      OffsetDateTimeRange range = TimeRanges.parse(text);
      if (range != null) {
        return range;
      }
    }
    if (value instanceof Buffer buffer) {
      return type.convert(buffer.getBytes());
    }
    return type.convert(value);
  }

  // Vert.x encodes a String bound to a json(b) parameter as a JSON string, so JSON text is decoded first.
  private static Object decodeJson(String text) {
    if (text == null) {
      return null;
    }
    Object decoded = Json.decodeValue(text);
    return decoded == null ? Tuple.JSON_NULL : decoded;
  }

  private static Object arrayToPg(Object[] array) {
    Class<?> component = array.getClass().getComponentType();
    if (EnumType.class.isAssignableFrom(component) || Range.class.isAssignableFrom(component)) {
      var converted = new String[array.length];
      for (int i = 0; i < array.length; i++) {
        converted[i] = (String) toPg(array[i]);
      }
      return converted;
    }
    if (component == JSONB.class || component == JSON.class) {
      Object[] converted = (Object[]) Array.newInstance(Object.class, array.length);
      for (int i = 0; i < array.length; i++) {
        converted[i] = toPg(array[i]);
      }
      return converted;
    }
    return array;
  }
}
