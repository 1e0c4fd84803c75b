package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.Select;
import org.jooq.impl.DSL;

/**
 * What a hold must respect besides free seats, one definition for both of its paths: a guest email holds at most
 * {@code BOOKWELL_GUEST_SEATS_PER_SLOT} live seats of a slot (422 past it), so an anonymous client cannot hold a
 * course's seats under one name; a signed-in user does not stack holds on one slot by accident (409), unless
 * {@code allowMultiple} says it is meant. A transaction lock on (slot, guest email) or (slot, user), taken with the
 * slot's facts ({@link #lock}), makes concurrent holds of one person count one after the other.
 */
final class HoldGuards {

  /** The guard of one hold, as a condition of the one-statement hold, over the parameters {@link #values} gives. */
  enum Guard {
    GUEST_CAP(DSL.field(guestSeats(DSL.param("slot", SLOT.ID), DSL.param("booker", String.class)))
        .plus(DSL.param("count", Integer.class)).le(DSL.param("guest_cap", BigDecimal.class))),
    NO_STACKING(DSL.notExists(stacked(DSL.param("slot", SLOT.ID), DSL.param("booker", String.class)))),
    NONE(DSL.noCondition());

    final Condition condition;

    Guard(Condition condition) {
      this.condition = condition;
    }
  }

  private HoldGuards() {
  }

  static Guard of(Caller caller, JsonObject body) {
    return caller == null ? Guard.GUEST_CAP : body.getBoolean("allowMultiple", false) ? Guard.NONE : Guard.NO_STACKING;
  }

  /** The name of the transaction lock the hold takes first; null when nothing needs it. */
  static String lock(Guard guard, UUID slotId, Caller caller, JsonObject body) {
    return switch (guard) {
      case GUEST_CAP -> "guest:" + slotId + "/" + email(body.getJsonObject("guest"));
      case NO_STACKING -> userLock(slotId, caller.userId());
      case NONE -> null;
    };
  }

  /** The lock that makes one user's holds and waitlist joins of a slot count one after the other. */
  static String userLock(UUID slotId, UUID userId) {
    return "user:" + slotId + "/" + userId;
  }

  /** The values of {@link Guard}'s parameters (besides {@code slot} and {@code count}). */
  static Map<String, Object> values(Caller caller, JsonObject body, int guestCap) {
    var values = new HashMap<String, Object>();
    values.put("booker", booker(caller, body));
    values.put("guest_cap", BigDecimal.valueOf(guestCap));
    return values;
  }

  /**
   * Who makes or made a booking, as the guards find their bookings of a slot: the signed-in user's id, or
   * {@code guest:} and the guest's email in lower case (a booking has one or the other). The prefix keeps the two
   * apart whatever a guest types as an email: a guest who gives a user's id is not that user. The index
   * {@code booking_slot_booker} is on (slot, this expression), so one person's bookings of a slot are found
   * directly, however many others booked it.
   */
  static final Field<String> BOOKER = DSL.field("coalesce({0}::text, 'guest:' || lower({1} ->> 'email'))",
      String.class, BOOKING.USER_ID, BOOKING.GUEST);

  /** {@link #BOOKER} of the hold being made. */
  static String booker(Caller caller, JsonObject body) {
    return caller != null ? caller.userId().toString() : "guest:" + email(body.getJsonObject("guest"));
  }

  /** The guard step by step, answering why a hold is refused; the lock is held already. */
  static Future<Void> check(Sql tx, Guard guard, UUID slotId, Caller caller, JsonObject body, int seats,
                            int guestCap) {
    return switch (guard) {
      case GUEST_CAP -> capGuest(tx, slotId, booker(caller, body), seats, guestCap);
      case NO_STACKING -> refuseStacking(tx, slotId, caller.userId());
      case NONE -> Future.succeededFuture();
    };
  }

  /** A guest's email as the cap counts it: in lower case, in any language's letters alike. */
  static String email(JsonObject guest) {
    return guest.getString("email").toLowerCase(Locale.ROOT);
  }

  /* The guards' own statements, rendered once: a refused hold runs one of them to say why. */
  private static final Prepared<Record1<String>> STACKED =
      Prepared.of(stacked(DSL.param("slot", UUID.class), DSL.param("booker", String.class)));
  private static final Prepared<Record1<BigDecimal>> GUEST_SEATS =
      Prepared.of(guestSeats(DSL.param("slot", UUID.class), DSL.param("booker", String.class)));

  static Future<Void> refuseStacking(Sql tx, UUID slotId, UUID userId) {
    return tx.fetchOptional(STACKED, Map.of("slot", slotId, "booker", userId.toString()))
        .map(found -> {
          if (found.isPresent()) {
            throw Problem.of("already-booked", 409, "Already booked",
                "You already hold or booked this slot (" + found.get().value1() + ").").toException();
          }
          return null;
        });
  }

  private static Future<Void> capGuest(Sql tx, UUID slotId, String booker, int seats, int guestCap) {
    return tx.fetchOne(GUEST_SEATS, Map.of("slot", slotId, "booker", booker))
        .map(row -> {
          if (row.value1().longValue() + seats > guestCap) {
            throw Problem.of("guest-limit", 422, "Too many seats for one guest", "A guest may hold at most "
                + guestCap + " seats of one slot (" + row.value1() + " already); sign in to book more.").toException();
          }
          return null;
        });
  }

  /** The user's live booking of the slot, if any ({@code user}: the user's id as {@link #BOOKER} gives it). */
  static Select<Record1<String>> stacked(Field<UUID> slotId, Field<String> user) {
    return Sql.DSL.select(BOOKING.REFERENCE).from(BOOKING)
        .where(BOOKING.SLOT_ID.eq(slotId)).and(BOOKER.eq(user)).and(live()).limit(1);
  }

  /**
   * The live seats of the slot held under the guest's email ({@code guest}: as {@link #booker} gives it, in lower
   * case; any case in the booking). PostgreSQL's lower() and Java's agree on every letter emails use in practice; a
   * guest writing one address in two cases that fold apart differently gets the cap twice, as with two addresses.
   */
  static Select<Record1<BigDecimal>> guestSeats(Field<UUID> slotId, Field<String> guest) {
    return Sql.DSL.select(DSL.coalesce(DSL.sum(BOOKING.SEATS), DSL.inline(BigDecimal.ZERO))).from(BOOKING)
        .where(BOOKING.SLOT_ID.eq(slotId)).and(BOOKER.eq(guest)).and(live());
  }

  /** A booking that counts: waiting for confirmation, confirmed, or held and not yet expired. */
  private static Condition live() {
    return BOOKING.STATUS.in(BookingStatus.pending_confirmation, BookingStatus.confirmed)
        .or(BOOKING.STATUS.eq(BookingStatus.held).and(BOOKING.HOLD_EXPIRES_AT.gt(SqlTime.now())));
  }
}
