package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Cursor;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.impl.DSL;

/** Reading bookings: one (JSON or iCalendar), the caller's own, and an organization's for its staff. */
final class BookingReads {

  private final Db db;
  private final EventBus bus;

  private final byte[] meetingKey;

  BookingReads(Db db, EventBus bus, byte[] meetingKey) {
    this.meetingKey = meetingKey;
    this.db = db;
    this.bus = bus;
  }

  /** The booking with its payment as the payments area shows it (none for a free booking). */
  Future<ApiReply> get(ApiRequest request) {
    return visible(request, id -> Meetings.withBookingAndPayment(db, meetingKey, id), Meetings.Read::booking)
        .map(read -> {
          var json = BookingJson.of(read.booking()).put("meetingUrl", read.meeting());
          return ApiReply.ok(read.booking().getTotalMinor() == 0 ? json : json.put("payment", read.payment()));
        });
  }

  /** GET /v1/bookings/{id}/ics */
  Future<ApiReply> ics(ApiRequest request) {
    return visible(request, id -> Meetings.withBooking(db, meetingKey, id), Meetings.Read::booking)
        .map(read -> new ApiReply(200, Ics.of(read.booking(), read.meeting()),
        new JsonObject().put("Content-Type", "text/calendar; charset=utf-8")
            .put("Content-Disposition", "attachment; filename=\"" + read.booking().getReference() + ".ics\"")));
  }

  /** The booking named in the path, if the caller may see it; 404 otherwise. */
  Future<BookingRecord> visible(ApiRequest request) {
    return visible(request, id -> BookingRows.one(db, id), Function.identity());
  }

  private <T> Future<T> visible(ApiRequest request, Function<UUID, Future<Optional<T>>> read,
                                Function<T, BookingRecord> booking) {
    UUID id = UUID.fromString(request.path().getString("bookingId"));
    return read.apply(id).compose(found -> {
      var row = found.orElseThrow(() -> BookingAccess.notFound(null));
      return BookingAccess.check(bus, request, booking.apply(row)).map(row);
    });
  }

  /** GET /v1/organizations/{organizationId}/bookings: staff with manage_bookings, by start time. */
  Future<ApiReply> forOrganization(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject q = request.query();
    int limit = q.getInteger("limit", 50);
    var where = BOOKING.ORGANIZATION_ID.eq(organizationId);
    if (q.getString("status") != null) {
      where = where.and(BookingRows.STATUS.eq(BookingStatus.valueOf(q.getString("status"))));
    }
    if (q.getString("providerId") != null) {
      where = where.and(BOOKING.PROVIDER_ID.eq(UUID.fromString(q.getString("providerId"))));
    }
    if (q.getString("from") != null) {
      where = where.and(BOOKING.STARTS_AT.ge(time(q.getString("from"), "from")));
    }
    if (q.getString("to") != null) {
      where = where.and(BOOKING.STARTS_AT.lt(time(q.getString("to"), "to")));
    }
    if (q.getString("cursor") != null) {
      Cursor cursor = Cursor.decode(q.getString("cursor"));
      where = where.and(DSL.row(BOOKING.STARTS_AT, BOOKING.ID).gt(DSL.row(DSL.val(cursor.time()),
          DSL.val(cursor.uuid()))));
    }
    var condition = where;
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_bookings)
        .compose(x -> db.fetch(BookingRows.where(condition)
            .orderBy(BOOKING.STARTS_AT, BOOKING.ID).limit(limit + 1).coerce(BOOKING)))
        .map(rows -> page(rows, limit, b -> b.getStartsAt().toString()));
  }

  Future<ApiReply> mine(ApiRequest request) {
    Caller caller = request.requireCaller();
    int limit = request.query().getInteger("limit", 50);
    var where = BOOKING.USER_ID.eq(caller.userId());
    if (request.query().getString("cursor") != null) {
      Cursor cursor = Cursor.decode(request.query().getString("cursor"));
      where = where.and(DSL.row(BOOKING.CREATED_AT, BOOKING.ID).lt(DSL.row(DSL.val(cursor.time()),
          DSL.val(cursor.uuid()))));
    }
    return db.fetch(BookingRows.where(where)
            .orderBy(BOOKING.CREATED_AT.desc(), BOOKING.ID.desc()).limit(limit + 1).coerce(BOOKING))
        .map(rows -> page(rows, limit, b -> b.getCreatedAt().toString()));
  }

  /** A page of bookings; the cursor is the sort key and id of the last one. */
  private static ApiReply page(List<BookingRecord> rows, int limit, Function<BookingRecord, String> sortKey) {
    return ApiReply.ok(Page.of(rows, limit, BookingJson::of, b -> new Cursor(sortKey.apply(b), b.getId().toString())));
  }

  private static OffsetDateTime time(String value, String field) {
    try {
      return OffsetDateTime.parse(value);
    } catch (RuntimeException e) {
      throw invalid(field, "is not a date-time with an offset");
    }
  }

  private static RuntimeException invalid(String field, String message) {
    return Problem.invalid("query", field, message).toException();
  }
}
