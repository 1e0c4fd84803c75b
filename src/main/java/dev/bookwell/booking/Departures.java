package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.UUID;

/**
 * When a provider stops working for an organization ({@code scheduling.provider_link_ended}), that organization's
 * future bookings with the provider that nobody confirmed yet end: holds are cancelled, bookings waiting for
 * confirmation are declined, and any money goes back in full. Otherwise the organization could keep the
 * provider's time blocked elsewhere with bookings it never confirms. Confirmed bookings stand. Safe to repeat
 * (events arrive at least once): a booking already ended is left as it is.
 *
 * <p>Bookings nobody confirmed in time lapse the same way: a booking still waiting for confirmation when it starts,
 * or a priced one still waiting after {@link #CONFIRM_WITHIN} (a card authorization lasts about seven days at
 * Stripe), is declined and its authorization released, rather than holding seats and money with no end.
 */
final class Departures {

  static final java.time.Duration CONFIRM_WITHIN = java.time.Duration.ofDays(6);

  private final Db db;
  private final Lifecycle lifecycle;

  Departures(Db db, Lifecycle lifecycle) {
    this.db = db;
    this.lifecycle = lifecycle;
  }

  /** Handles the event's payload {providerId, organizationId}; gives how many bookings it ended. */
  Future<Integer> providerLeft(JsonObject payload) {
    UUID providerId = UUID.fromString(payload.getString("providerId"));
    UUID organizationId = UUID.fromString(payload.getString("organizationId"));
    var access = new BookingAccess.Access("organization:provider-left", true, null);
    return db.fetch(Sql.DSL.select(BOOKING.ID, BOOKING.STATUS).from(BOOKING)
            .where(BOOKING.PROVIDER_ID.eq(providerId)).and(BOOKING.ORGANIZATION_ID.eq(organizationId))
            .and(BOOKING.STATUS.in(BookingStatus.held, BookingStatus.pending_confirmation))
            .and(BOOKING.STARTS_AT.gt(SqlTime.now())).orderBy(BOOKING.ID))
        .compose(rows -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var row : rows) {
            boolean pending = row.value2() == BookingStatus.pending_confirmation;
            chain = chain.compose(ended -> lifecycle.apply(row.value1(), access,
                    EnumSet.of(row.value2()), pending ? BookingStatus.declined : BookingStatus.cancelled, true)
                .compose(done -> lifecycle.releasePayment(done, "the provider left the organization"))
                .map(x -> ended + 1)
                .recover(e -> Future.succeededFuture(ended)));  // moved on meanwhile (expired, cancelled)
          }
          return chain;
        });
  }

  /** Declines bookings that waited for confirmation too long; gives how many, a bounded batch a round. */
  Future<Integer> lapse() {
    var access = new BookingAccess.Access("organization:confirmation-lapsed", true, null);
    return db.fetch(Sql.DSL.select(BOOKING.ID).from(BOOKING)
            .where(BOOKING.STATUS.eq(BookingStatus.pending_confirmation))
            .and(BOOKING.STARTS_AT.le(SqlTime.now()).or(BOOKING.TOTAL_MINOR.gt(0L)
                .and(BOOKING.CREATED_AT.lt(SqlTime.nowPlus(CONFIRM_WITHIN.negated())))))
            .orderBy(BOOKING.STARTS_AT).limit(100))
        .compose(rows -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var row : rows) {
            chain = chain.compose(n -> lifecycle.apply(row.value1(), access,
                    EnumSet.of(BookingStatus.pending_confirmation), BookingStatus.declined, true)
                .compose(done -> lifecycle.releasePayment(done, "not confirmed in time"))
                .map(x -> n + 1)
                .otherwise(n));
          }
          return chain;
        });
  }
}
