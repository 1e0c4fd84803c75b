package dev.bookwell.platform.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Function;

/**
 * The one shape of a list answer: {@code {items, nextCursor?}}. Queries fetch {@code limit + 1} rows in their keyset
 * order; the extra row only says there is more, and the cursor is the sort key of the last row returned.
 */
public final class Page {

  private static final JsonFactory JSON = new JsonFactory();
  /**
   * The room reserved for a row: a slot offer is 400-600 bytes, its names and time zone included (538 in the
   * benchmark). Each growth of the buffer copies all written so far into one twice as large: 6 % of the service's
   * samples with 4 kB to start, and with 512 a row every benchmark page grew once more (JFR). Room not written
   * costs only space in the young generation; the bus copies only what was written.
   */
  private static final int ROW_BYTES = 1024;

  private Page() {
  }

  public static <T> JsonObject of(List<T> rows, int limit, Function<T, ?> toJson, Function<T, Cursor> cursorOf) {
    var items = new JsonArray();
    rows.stream().limit(limit).forEach(row -> items.add(toJson.apply(row)));
    var page = new JsonObject().put("items", items);
    String next = nextCursor(rows, limit, cursorOf);
    if (next != null) {
      page.put("nextCursor", next);
    }
    return page;
  }

  /**
   * The same page written straight to JSON bytes, each row by {@code writer}: for the big public pages (slot
   * search, 200 rows). Built as objects, a page of 168 slots was 168 maps built, deep-copied across the bus and
   * walked by Jackson's map serializer at the edge (JFR); the bytes cross the bus as one buffer (copied once, as
   * the bus copies what it carries), and the edge sends them as they are. For answers to GETs: {@link Idempotency}
   * stores a replayed answer as JSON text, in which a buffer would become base64.
   */
  public static <T> Buffer bytes(List<T> rows, int limit, RowWriter<T> writer, Function<T, Cursor> cursorOf) {
    List<T> shown = rows.subList(0, Math.min(limit, rows.size()));
    return write(shown.size() * ROW_BYTES + 256, json -> {
      json.writeStartObject();
      json.writeArrayFieldStart("items");
      for (T row : shown) {
        writer.write(row, json);
      }
      json.writeEndArray();
      String next = nextCursor(rows, limit, cursorOf);
      if (next != null) {
        json.writeStringField("nextCursor", next);
      }
      json.writeEndObject();
    });
  }

  /** One representation written straight to JSON bytes by {@code writer}, as {@link #bytes} writes each row. */
  public static <T> Buffer one(T row, RowWriter<T> writer) {
    return write(ROW_BYTES, json -> writer.write(row, json));
  }

  private static <T> String nextCursor(List<T> rows, int limit, Function<T, Cursor> cursorOf) {
    return rows.size() > limit ? cursorOf.apply(rows.get(limit - 1)).encode() : null;
  }

  private static Buffer write(int size, Writing body) {
    Buffer out = Buffer.buffer(size);
    try (JsonGenerator json = JSON.createGenerator(new OutputStream() {
      @Override
      public void write(int b) {
        out.appendByte((byte) b);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) {
        out.appendBytes(bytes, offset, length);
      }
    })) {
      body.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);  // writing to memory: not expected
    }
    return out;
  }

  private interface Writing {
    void write(JsonGenerator json) throws IOException;
  }

  /** Writes one row as a JSON value. */
  @FunctionalInterface
  public interface RowWriter<T> {
    void write(T row, JsonGenerator json) throws IOException;
  }
}
