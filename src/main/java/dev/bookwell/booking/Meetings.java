package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.db.Tables.VENUE;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.payments.PaymentsClient;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Records;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record3;
import org.jooq.Table;
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

  /** A booking, its meeting's link (null when it has none) and, when asked for, its payment (as shown). */
  record Read(BookingRecord booking, String meeting, JsonObject payment) {
  }

  /**
   * The booking and its link in one statement: the slot's venue and provider are joined only for a confirmed or
   * completed booking. Every letter about a booking asks (it was two statements).
   */
  static Future<Optional<Read>> withBooking(Sql sql, byte[] key, UUID id) {
    return read(sql, key, id, false);
  }

  /**
   * As {@link #withBooking}, with the payment the payments area shows for it ({@link PaymentsClient#ofBooking}) in
   * the same statement: every read of a booking page (a checkout page's polls) asks; it was two statements and two
   * bus hops more.
   */
  static Future<Optional<Read>> withBookingAndPayment(Sql sql, byte[] key, UUID id) {
    return read(sql, key, id, true);
  }

  private static Future<Optional<Read>> read(Sql sql, byte[] key, UUID id, boolean withPayment) {
    var statement = withPayment ? WITH_PAYMENT : WITH_BOOKING;
    return sql.fetchOptional(statement, Map.of("id", id)).map(found -> found.map(row -> {
      var booking = Records.into(row, BOOKING);
      return new Read(booking, link(key, booking, row.get(ONLINE), row.get(MODE), row.get(URL)),
          withPayment ? PaymentsClient.payment(row) : null);
    }));
  }

  private static String link(byte[] key, BookingRecord booking, Boolean online, String mode, String url) {
    if (!MEETS.contains(booking.getStatus()) || !Boolean.TRUE.equals(online) || mode == null) {
      return null;
    }
    return switch (mode) {
      case "fixed" -> url;
      case "generated" -> url.replace("{room}", room(key, booking));
      default -> null;
    };
  }

  /** The bookings that meet: only these show a link, and only for these is the venue and provider read. */
  private static final Set<BookingStatus> MEETS = EnumSet.of(BookingStatus.confirmed, BookingStatus.completed);

  private static final Table<Record3<Boolean, String, String>> VIDEO = DSL.lateral(Sql.DSL
      .select(VENUE.ONLINE, PROVIDER.VIDEO_MODE, PROVIDER.VIDEO_URL).from(SLOT)
      .join(PROVIDER).on(PROVIDER.ID.eq(SLOT.PROVIDER_ID)).leftJoin(VENUE).on(VENUE.ID.eq(SLOT.VENUE_ID))
      .where(SLOT.ID.eq(BOOKING.SLOT_ID))
      .and(BOOKING.STATUS.in(MEETS))).as("video");
  private static final Field<Boolean> ONLINE = VIDEO.field(VENUE.ONLINE);
  private static final Field<String> MODE = VIDEO.field(PROVIDER.VIDEO_MODE);
  private static final Field<String> URL = VIDEO.field(PROVIDER.VIDEO_URL);

  private static final Prepared<Record> WITH_BOOKING = reading(VIDEO);
  private static final Prepared<Record> WITH_PAYMENT = reading(VIDEO, PaymentsClient.ofBooking(BOOKING.ID));

  /** The booking by its id, with the columns of {@code laterals} (each joined whatever it finds). */
  private static Prepared<Record> reading(Table<?>... laterals) {
    var select = BookingRows.selectWith(Arrays.stream(laterals).flatMap(Table::fieldStream).toArray(Field[]::new))
        .from(BOOKING);
    for (var lateral : laterals) {
      select = select.leftJoin(lateral).on(DSL.trueCondition());
    }
    return Prepared.of(select.where(BOOKING.ID.eq(DSL.param("id", BOOKING.ID))));
  }

  static String room(byte[] key, BookingRecord booking) {
    String derived = SecretTokens.derive(key, "meeting", booking.getId()).replaceAll("[^A-Za-z0-9]", "");
    return "Bookwell-" + derived.substring(0, Math.min(26, derived.length())).toLowerCase(Locale.ROOT);
  }
}
