package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.db.tables.records.BookingRecord;
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
    return question.getBoolean("letter", true)
        ? Meetings.withBooking(db, tokenKey, id).map(found -> found.orElseThrow(() -> notFound(id)))
            .compose(this::letter)
        : BookingRows.one(db, id).map(found -> facts(found.orElseThrow(() -> notFound(id))));
  }

  private static RuntimeException notFound(UUID id) {
    return Problem.notFound("No booking " + id + ".").toException();
  }

  /**
   * Who hears of a booking and what it is ({@link BookingClient#facts}): no calendar entry, meeting link or guest
   * token, which only a letter needs (writing the entry alone was 4 % of the service's CPU in the open-loop
   * benchmark, for every guest hold's event).
   */
  private static JsonObject facts(BookingRecord booking) {
    return new JsonObject().put("booking", BookingJson.of(booking))
        .put("userId", booking.getUserId() == null ? null : booking.getUserId().toString())
        .put("guest", booking.getGuest() == null ? null : new JsonObject(booking.getGuest().data()));
  }

  /** Everything a letter about the booking needs: its calendar entry, meeting link and the guest's view token. */
  private Future<JsonObject> letter(Meetings.Read read) {
    var booking = read.booking();
    return firstOfChain(booking.getId(), booking.getRescheduledFrom(), 50).map(first -> {
      var answer = facts(booking).put("ics", Ics.of(booking, read.meeting()));
      answer.getJsonObject("booking").put("meetingUrl", read.meeting());
      if (booking.getGuest() != null) {
        answer.put("guestToken", Holds.guestToken(tokenKey, first));  // a moved booking keeps its first token
      }
      return answer;
    });
  }

  /** The booking a chain of reschedules started from (its id derived the guest's token, which moves along). */
  private Future<UUID> firstOfChain(UUID id, UUID from, int hops) {
    return from == null || hops == 0 ? Future.succeededFuture(id)
        : db.fetchOne(Sql.DSL.select(BOOKING.RESCHEDULED_FROM).from(BOOKING).where(BOOKING.ID.eq(from)))
            .compose(row -> firstOfChain(from, row.value1(), hops - 1));
  }
}
