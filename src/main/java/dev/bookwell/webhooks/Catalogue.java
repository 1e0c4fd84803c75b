package dev.bookwell.webhooks;

import dev.bookwell.db.enums.BookingStatus;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The events an organization may subscribe to: those of the catalogue that name the organization they belong to.
 * A delivery's body is the catalogue event itself: {@code {id, type, occurredAt, data}}.
 */
final class Catalogue {

  static final String TEST = "webhook.test";
  static final List<String> TYPES = Stream.concat(Stream.concat(
      Arrays.stream(BookingStatus.values()).map(s -> "booking." + s.getLiteral()),
      Stream.of("booking.rescheduled", "learning.enrolled", "learning.course_completed", "review.created",
          "review.updated", "review.hidden", "waitlist.offered")), Stream.of(TEST)).toList();

  private Catalogue() {
  }

  static JsonObject body(String eventId, String type, String occurredAt, JsonObject data) {
    return new JsonObject().put("id", eventId).put("type", type).put("occurredAt", occurredAt).put("data", data);
  }
}
