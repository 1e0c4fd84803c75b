package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
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
    return BookingRows.one(db, id)
        .map(found -> found.orElseThrow(() -> Problem.notFound("No booking " + id + ".").toException()))
        .compose(booking -> firstOfChain(booking.getId(), booking.getRescheduledFrom(), 50)
            .compose(first -> Meetings.link(db, tokenKey, booking).map(meeting -> {
          var answer = new JsonObject().put("booking", BookingJson.of(booking).put("meetingUrl", meeting))
              .put("userId", booking.getUserId() == null ? null : booking.getUserId().toString());
          if (question.getBoolean("calendar", true)) {
            answer.put("ics", Ics.of(booking, meeting));
          }
          if (booking.getGuest() != null) {
            answer.put("guest", new JsonObject(booking.getGuest().data()))
                .put("guestToken", Holds.guestToken(tokenKey, first));  // a moved booking keeps its first token
          }
          return answer;
        })));
  }

  /** The booking a chain of reschedules started from (its id derived the guest's token, which moves along). */
  private Future<UUID> firstOfChain(UUID id, UUID from, int hops) {
    return from == null || hops == 0 ? Future.succeededFuture(id)
        : db.fetchOne(Sql.DSL.select(BOOKING.RESCHEDULED_FROM).from(BOOKING).where(BOOKING.ID.eq(from)))
            .compose(row -> firstOfChain(from, row.value1(), hops - 1));
  }
}
