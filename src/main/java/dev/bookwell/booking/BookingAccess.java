package dev.bookwell.booking;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Db;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import java.security.MessageDigest;
import java.util.UUID;

/**
 * Who may see and act on a booking: the person who booked it, a guest holding its access token, or organization
 * staff with {@code manage_bookings}. Anyone else gets 404, as if the booking did not exist.
 */
final class BookingAccess {

  /**
   * How the caller reached the booking; {@code actor} goes into events, and a staff member's {@code request} (who,
   * from where) into the audit trail. The organization's own automatic steps have no request.
   */
  record Access(String actor, boolean staff, ApiRequest request) {
  }

  private BookingAccess() {
  }

  static Future<Access> check(EventBus bus, ApiRequest request, BookingRecord booking) {
    Caller caller = request.callerOrNull();
    if (caller != null && caller.userId().equals(booking.getUserId())) {
      return Future.succeededFuture(new Access("user:" + caller.userId(), false, request));
    }
    String token = request.headers().getString("x-booking-token");
    if (token != null && booking.getAccessTokenHash() != null
        && MessageDigest.isEqual(SecretTokens.digest(token), booking.getAccessTokenHash())) {
      return Future.succeededFuture(new Access("guest", false, request));
    }
    if (caller == null) {
      return Future.failedFuture(notFound(booking));
    }
    return IdentityClient.require(bus, caller, booking.getOrganizationId(), OrgPermission.manage_bookings)
        .map(x -> new Access("staff:" + caller.userId(), true, request))
        .recover(e -> Future.failedFuture(e instanceof ProblemException p && p.problem().status() == 403
            ? notFound(booking) : e));  // a stranger learns nothing; an overload stays a 503
  }

  /**
   * Reads the booking (no lock, no transaction) and checks the caller may act on it, staff only when
   * {@code staffOnly}: callers authorize this way before they open a transaction, never inside one.
   */
  static Future<Access> authorize(Db db, EventBus bus, ApiRequest request, UUID bookingId, boolean staffOnly) {
    return BookingRows.one(db, bookingId)
        .compose(found -> {
          var booking = found.orElseThrow(() -> notFound(null));
          return staffOnly ? requireStaff(bus, request, booking) : check(bus, request, booking);
        });
  }

  static Future<Access> requireStaff(EventBus bus, ApiRequest request, BookingRecord booking) {
    return check(bus, request, booking).map(access -> {
      if (!access.staff()) {
        throw Problem.forbidden("Only the organization's staff with manage_bookings may do this.").toException();
      }
      return access;
    });
  }

  static RuntimeException notFound(BookingRecord booking) {
    return Problem.notFound("No booking " + (booking == null ? "" : booking.getId()) + ".").toException();
  }
}
