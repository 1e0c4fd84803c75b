package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.UUID;
import org.jooq.impl.DSL;

/** GET /v1/bookings/{id} and GET /v1/bookings (the caller's, newest first, cursor-paginated). */
final class BookingReads {

  private final Db db;
  private final EventBus bus;

  BookingReads(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  Future<ApiReply> get(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("bookingId"));
    return db.fetchOptional(Sql.DSL.selectFrom(BOOKING).where(BOOKING.ID.eq(id)))
        .compose(found -> {
          var booking = found.orElseThrow(() -> BookingAccess.notFound(null));
          return BookingAccess.check(bus, request, booking).map(x -> ApiReply.ok(BookingJson.of(booking)));
        });
  }

  Future<ApiReply> mine(ApiRequest request) {
    Caller caller = request.requireCaller();
    int limit = request.query().getInteger("limit", 50);
    var where = BOOKING.USER_ID.eq(caller.userId());
    String cursor = request.query().getString("cursor");
    if (cursor != null) {
      try {
        String[] parts = new String(Base64.getUrlDecoder().decode(cursor)).split("\n", 2);
        where = where.and(DSL.row(BOOKING.CREATED_AT, BOOKING.ID)
            .lt(DSL.row(DSL.val(OffsetDateTime.parse(parts[0])), DSL.val(UUID.fromString(parts[1])))));
      } catch (RuntimeException e) {
        throw Problem.validation("The cursor is not valid.", java.util.List.of(
            new Problem.FieldError("query", "cursor", "is not a cursor returned by this API"))).toException();
      }
    }
    return db.fetch(Sql.DSL.selectFrom(BOOKING).where(where)
            .orderBy(BOOKING.CREATED_AT.desc(), BOOKING.ID.desc()).limit(limit + 1))
        .map(rows -> {
          var items = new JsonArray();
          rows.stream().limit(limit).forEach(b -> items.add(BookingJson.of(b)));
          var page = new JsonObject().put("items", items);
          if (rows.size() > limit) {
            var last = rows.get(limit - 1);
            page.put("nextCursor", Base64.getUrlEncoder().withoutPadding().encodeToString(
                (last.getCreatedAt() + "\n" + last.getId()).getBytes()));
          }
          return ApiReply.ok(page);
        });
  }
}
