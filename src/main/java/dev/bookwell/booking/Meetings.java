package dev.bookwell.booking;

import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.db.Tables.VENUE;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import java.util.Locale;
import java.util.Map;
import org.jooq.Record3;
import org.jooq.impl.DSL;

/**
 * A confirmed booking's video meeting, when its slot is at an online venue and its provider has a video
 * configuration: the provider's fixed room, or a room of its own generated from the provider's URL template and a
 * name derived from the booking id under the server's key ("Bookwell-" and 26 characters: 130 bits, unguessable,
 * the same at every read, nothing stored). Only confirmed (or completed) bookings show one: a cancelled booking's
 * link is gone from every answer, and a rescheduled booking, being a new booking, meets in a new room. Who sees it
 * is who sees the booking: the booker, the provider and the organization's staff.
 */
final class Meetings {

  private Meetings() {
  }

  /** The link, or null when the booking has none. */
  static Future<String> link(Sql sql, byte[] key, BookingRecord booking) {
    if (booking.getStatus() != BookingStatus.confirmed && booking.getStatus() != BookingStatus.completed) {
      return Future.succeededFuture(null);
    }
    return sql.fetchOptional(VIDEO, Map.of("slot", booking.getSlotId()))
        .map(found -> found.filter(r -> Boolean.TRUE.equals(r.value1())).map(r -> switch (r.value2()) {
          case "fixed" -> r.value3();
          case "generated" -> r.value3().replace("{room}", room(key, booking));
          default -> null;
        }).orElse(null));
  }

  /** Read for every confirmed booking's messages and page: rendered once. */
  private static final Prepared<Record3<Boolean, String, String>> VIDEO = Prepared.of(Sql.DSL
      .select(VENUE.ONLINE, PROVIDER.VIDEO_MODE, PROVIDER.VIDEO_URL).from(SLOT)
      .join(PROVIDER).on(PROVIDER.ID.eq(SLOT.PROVIDER_ID)).leftJoin(VENUE).on(VENUE.ID.eq(SLOT.VENUE_ID))
      .where(SLOT.ID.eq(DSL.param("slot", SLOT.ID))));

  static String room(byte[] key, BookingRecord booking) {
    String derived = SecretTokens.derive(key, "meeting", booking.getId()).replaceAll("[^A-Za-z0-9]", "");
    return "Bookwell-" + derived.substring(0, Math.min(26, derived.length())).toLowerCase(Locale.ROOT);
  }
}
