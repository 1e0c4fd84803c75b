package dev.bookwell.booking;

import static dev.bookwell.db.Tables.WAITLIST_ENTRY;

import dev.bookwell.db.enums.WaitlistStatus;
import dev.bookwell.db.tables.records.WaitlistEntryRecord;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import io.vertx.core.json.JsonArray;
import dev.bookwell.platform.db.SqlTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** The waitlist SQL of the booking area: the line of a slot, a person's entries, their JSON. */
final class Waitlists {

  /** A place in line still in play: waiting, or holding an offer. */
  static final Set<WaitlistStatus> LIVE = EnumSet.of(WaitlistStatus.waiting, WaitlistStatus.offered,
      WaitlistStatus.accepted);

  private Waitlists() {
  }

  /** Nobody waits for the slot: the condition under which anyone may take its seats (see {@link Seats#take}). */
  static Condition nobodyWaiting(UUID slotId) {
    return nobodyWaiting(DSL.val(slotId));
  }

  static Condition nobodyWaiting(Field<UUID> slotId) {
    return DSL.notExists(Sql.DSL.selectOne().from(WAITLIST_ENTRY).where(WAITLIST_ENTRY.SLOT_ID.eq(slotId))
        .and(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting)));
  }

  /** The caller's own entry, locked; anyone else's is a 404, as if it did not exist. */
  static Future<WaitlistEntryRecord> lockOwn(Sql tx, UUID entryId, UUID userId) {
    return tx.fetchOptional(Sql.DSL.selectFrom(WAITLIST_ENTRY).where(WAITLIST_ENTRY.ID.eq(entryId))
            .and(WAITLIST_ENTRY.USER_ID.eq(userId)).forUpdate())
        .map(found -> found.orElseThrow(() -> notFound(entryId)));
  }

  /**
   * Whether {@code bookingId} is the hold of an offer in one of {@code statuses}. An offer's hold is paid only once
   * accepted, since accepting is where an offer of a service staff confirm goes to them (paid as it stood, it was
   * confirmed without them); and it stays in its slot while the offer is live (moved, its entry lost track of it,
   * and the moved hold was paid as an unaccepted offer no check saw).
   */
  static Future<Boolean> offerHold(Sql sql, UUID bookingId, WaitlistStatus... statuses) {
    return sql.fetchOptional(Sql.DSL.selectOne().from(WAITLIST_ENTRY).where(WAITLIST_ENTRY.BOOKING_ID.eq(bookingId))
        .and(WAITLIST_ENTRY.STATUS.in(statuses))).map(java.util.Optional::isPresent);
  }

  static RuntimeException notFound(UUID entryId) {
    return Problem.notFound("No waitlist entry " + entryId + ".").toException();
  }

  /** Moves entries on; one that is no longer in line ({@code booked, lapsed, left, closed}) ends now. */
  static Future<List<WaitlistEntryRecord>> move(Sql tx, Condition which, WaitlistStatus to) {
    return tx.fetch(Sql.DSL.update(WAITLIST_ENTRY).set(WAITLIST_ENTRY.STATUS, to)
        .set(WAITLIST_ENTRY.ENDED_AT, LIVE.contains(to) ? null : SqlTime.now()).where(which).returning());
  }

  static Future<WaitlistEntryRecord> move(Sql tx, UUID entryId, WaitlistStatus to) {
    return move(tx, WAITLIST_ENTRY.ID.eq(entryId), to).map(List::getFirst);
  }

  /** Entries with their place in line (how many wait before them, plus one; null once they no longer wait). */
  static Future<JsonArray> withPositions(Sql tx, Condition which, int limit, org.jooq.SortField<?>... order) {
    var ahead = WAITLIST_ENTRY.as("ahead");
    var position = DSL.when(WAITLIST_ENTRY.STATUS.eq(WaitlistStatus.waiting), DSL.field(Sql.DSL.selectCount()
        .from(ahead).where(ahead.SLOT_ID.eq(WAITLIST_ENTRY.SLOT_ID)).and(ahead.STATUS.eq(WaitlistStatus.waiting))
        .and(DSL.row(ahead.JOINED_AT, ahead.ID).le(DSL.row(WAITLIST_ENTRY.JOINED_AT, WAITLIST_ENTRY.ID)))));
    return tx.fetch(Sql.DSL.select(WAITLIST_ENTRY.asterisk(), position.as("position")).from(WAITLIST_ENTRY)
            .where(which).orderBy(order).limit(limit))
        .map(rows -> {
          var items = new JsonArray();
          rows.forEach(row -> items.add(json(row.into(WAITLIST_ENTRY), row.get("position", Integer.class))));
          return items;
        });
  }

  static JsonObject json(WaitlistEntryRecord e, Integer position) {
    return new JsonObject()
        .put("id", e.getId().toString())
        .put("slotId", e.getSlotId().toString())
        .put("organizationId", e.getOrganizationId().toString())
        .put("userId", e.getUserId().toString())
        .put("seats", e.getSeats())
        .put("status", e.getStatus().getLiteral())
        .put("position", position)
        .put("joinedAt", instant(e.getJoinedAt()))
        .put("bookingId", e.getBookingId() == null ? null : e.getBookingId().toString())
        .put("offeredAt", instant(e.getOfferedAt()))
        .put("offerExpiresAt", instant(e.getOfferExpiresAt()))
        .put("endedAt", instant(e.getEndedAt()));
  }

  private static String instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }
}
