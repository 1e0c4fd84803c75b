package dev.bookwell.platform.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Text PostgreSQL cannot store, refused at the edge with the field named: a NUL character, or half of a UTF-16
 * surrogate pair (JSON can escape both, {@code \u0000} and {@code \ud800}; neither is valid Unicode text).
 */
final class TextRules {

  static final String WHY = "contains a NUL character or an unpaired surrogate";

  private TextRules() {
  }

  /** The dotted path of the first string that breaks the rules, or null. */
  static String badField(Object value, String path) {
    if (value instanceof String text) {
      return valid(text) ? null : path;
    }
    if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> entry : object) {
        String child = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
        String bad = !valid(entry.getKey()) ? child : badField(entry.getValue(), child);
        if (bad != null) {
          return bad;
        }
      }
    }
    if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        String bad = badField(array.getValue(i), path + "." + i);
        if (bad != null) {
          return bad;
        }
      }
    }
    return null;
  }

  static boolean valid(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
