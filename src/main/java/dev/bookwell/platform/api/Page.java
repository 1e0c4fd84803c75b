package dev.bookwell.platform.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/**
 * The one shape of a list answer: {@code {items, nextCursor?}}. Queries fetch {@code limit + 1} rows in their keyset
 * order; the extra row only says there is more, and the cursor is the sort key of the last row returned.
 */
public final class Page {

  private Page() {
  }

  public static <T> JsonObject of(List<T> rows, int limit, Function<T, ?> toJson, Function<T, Cursor> cursorOf) {
    var items = new JsonArray();
    rows.stream().limit(limit).forEach(row -> items.add(toJson.apply(row)));
    var page = new JsonObject().put("items", items);
    if (rows.size() > limit) {
      page.put("nextCursor", cursorOf.apply(rows.get(limit - 1)).encode());
    }
    return page;
  }
}
