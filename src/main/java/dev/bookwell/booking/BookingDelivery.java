package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * The narrow call a notification sender makes about a booking (events carry no contact details and no tokens):
 * the booking as clients see it, its calendar entry, and for a guest booking the guest's address and the token of
 * the guest's own view link. Bus only, never HTTP.
 */
final class BookingDelivery {

  private final Db db;
  private final byte[] tokenKey;

  BookingDelivery(Db db, byte[] tokenKey) {
    this.db = db;
    this.tokenKey = tokenKey;
  }

  Future<JsonObject> answer(JsonObject question) {
    UUID id = UUID.fromString(question.getString("bookingId"));
    return db.fetchOptional(BookingRows.where(BOOKING.ID.eq(id)).coerce(BOOKING))
        .map(found -> {
          var booking = found.orElseThrow(() -> Problem.notFound("No booking " + id + ".").toException());
          var answer = new JsonObject().put("booking", BookingJson.of(booking)).put("ics", Ics.of(booking))
              .put("userId", booking.getUserId() == null ? null : booking.getUserId().toString());
          if (booking.getGuest() != null) {
            answer.put("guest", new JsonObject(booking.getGuest().data()))
                .put("guestToken", Holds.guestToken(tokenKey, id));
          }
          return answer;
        });
  }
}
