package dev.bookwell.scheduling;

import dev.bookwell.platform.api.Problem;
import io.vertx.core.json.JsonArray;
import java.util.UUID;

/** Small helpers for request bodies: checks the contract cannot express, each failing with the field named. */
final class Json {

  private Json() {
  }

  static UUID[] uuids(JsonArray array) {
    return array == null ? new UUID[0] : array.stream().map(v -> UUID.fromString((String) v)).toArray(UUID[]::new);
  }

  static String[] strings(JsonArray array) {
    return array == null ? new String[0] : array.stream().map(String::valueOf).toArray(String[]::new);
  }

  static RuntimeException invalid(String field, String message) {
    return Problem.invalid("body", field, message).toException();
  }
}
