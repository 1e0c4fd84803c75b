package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.AVAILABILITY_EXCEPTION;
import static dev.bookwell.db.Tables.AVAILABILITY_RULE;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.SeatState;
import dev.bookwell.db.enums.SlotOrigin;
import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.scheduling.SlotGenerator.Generated;
import dev.bookwell.scheduling.SlotGenerator.ServiceSpec;
import dev.bookwell.scheduling.SlotGenerator.WeeklyRule;
import dev.bookwell.scheduling.SlotGenerator.Window;
import io.vertx.core.Future;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.postgres.extensions.types.OffsetDateTimeRange;

/**
 * Materialises slots and their seat rows. Rule changes regenerate a provider's future slots: slots whose seats
 * are all free are replaced; a slot with a held or booked seat is never touched. Seats are locked before they
 * are judged, so a booking racing a regeneration either sees its seat kept or never saw the seat at all.
 */
final class Slots {

  record Regenerated(int removed, int created) {
  }

  private Slots() {
  }

  /** Rebuilds the provider's rule-made slots from today (provider's zone) to the longest service horizon. */
  static Future<Regenerated> regenerate(Sql tx, UUID providerId) {
    return removeUntouchedFutureSlots(tx, providerId)
        .compose(removed -> addMissing(tx, providerId).map(created -> new Regenerated(removed, created)));
  }

  /** Adds slots the rules call for that do not exist yet (the rolling horizon); removes nothing. */
  static Future<Integer> addMissing(Sql tx, UUID providerId) {
    return tx.fetchOne(Sql.DSL.select(PROVIDER.TIMEZONE).from(PROVIDER).where(PROVIDER.ID.eq(providerId)))
        .compose(provider -> tx.fetch(Sql.DSL.selectFrom(AVAILABILITY_RULE)
                .where(AVAILABILITY_RULE.PROVIDER_ID.eq(providerId)))
            .compose(rules -> tx.fetch(Sql.DSL.selectFrom(AVAILABILITY_EXCEPTION)
                    .where(AVAILABILITY_EXCEPTION.PROVIDER_ID.eq(providerId)))
                .compose(exceptions -> {
                  Set<UUID> serviceIds = new HashSet<>();
                  rules.forEach(r -> serviceIds.addAll(Arrays.asList(r.getServiceIds())));
                  exceptions.forEach(e -> {
                    if (e.getServiceIds() != null) {
                      serviceIds.addAll(Arrays.asList(e.getServiceIds()));
                    }
                  });
                  return tx.fetch(Sql.DSL.selectFrom(SERVICE).where(SERVICE.ID.in(serviceIds))
                          .and(SERVICE.DELETED_AT.isNull()))
                      .compose(services -> {
                        if (services.isEmpty()) {
                          return Future.succeededFuture(0);
                        }
                        ZoneId zone = ZoneId.of(provider.value1());
                        var specs = new HashMap<UUID, ServiceSpec>();
                        var organizationOf = new HashMap<UUID, UUID>();
                        int horizon = 0;
                        for (var s : services) {
                          specs.put(s.getId(), new ServiceSpec(s.getId(), Duration.ofMinutes(s.getDurationMinutes()),
                              Duration.ofMinutes(s.getBufferBeforeMinutes()),
                              Duration.ofMinutes(s.getBufferAfterMinutes()), s.getSeatsPerSlot()));
                          organizationOf.put(s.getId(), s.getOrganizationId());
                          horizon = Math.max(horizon, s.getHorizonDays());
                        }
                        var weekly = rules.stream().map(r -> new WeeklyRule(DayOfWeek.of(r.getWeekday()),
                            new Window(r.getStartTime(), r.getEndTime(), List.of(r.getServiceIds()), r.getVenueId())))
                            .toList();
                        var byDay = new HashMap<LocalDate, List<Window>>();
                        exceptions.forEach(e -> {
                          var windows = byDay.computeIfAbsent(e.getDay(), d -> new ArrayList<>());
                          if (e.getStartTime() != null) {
                            windows.add(new Window(e.getStartTime(), e.getEndTime(), List.of(e.getServiceIds()),
                                e.getVenueId()));
                          }
                        });
                        LocalDate today = LocalDate.now(zone);
                        var generated = SlotGenerator.generate(zone, weekly, byDay, specs, today,
                            today.plusDays(horizon + 1L));
                        var future = generated.stream()
                            .filter(g -> g.startsAt().isAfter(java.time.Instant.now())).toList();
                        return insert(tx, providerId, future, organizationOf, SlotOrigin.rule).map(List::size);
                      });
                })));
  }

  /** Inserts slots (skipping ones that already exist) with their seats; gives the ids of the new ones. */
  static Future<List<UUID>> insert(Sql tx, UUID providerId, List<Generated> slots, Map<UUID, UUID> organizationOf,
                                   SlotOrigin origin) {
    if (slots.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    var insert = Sql.DSL.insertInto(SLOT, SLOT.ORGANIZATION_ID, SLOT.SERVICE_ID, SLOT.PROVIDER_ID, SLOT.VENUE_ID,
        SLOT.STARTS_AT, SLOT.ENDS_AT, SLOT.OCCUPIED, SLOT.CAPACITY, SLOT.ORIGIN);
    for (Generated g : slots) {
      insert = insert.values(organizationOf.get(g.serviceId()), g.serviceId(), providerId, g.venueId(),
          g.startsAt().atOffset(ZoneOffset.UTC), g.endsAt().atOffset(ZoneOffset.UTC),
          OffsetDateTimeRange.offsetDateTimeRange(g.occupiedFrom().atOffset(ZoneOffset.UTC),
              g.occupiedUntil().atOffset(ZoneOffset.UTC)), g.capacity(), origin);
    }
    return tx.fetch(insert
            .onConflict(SLOT.PROVIDER_ID, SLOT.SERVICE_ID, SLOT.STARTS_AT).where(SLOT.STATUS.eq(SlotStatus.open))
            .doNothing()
            .returning(SLOT.ID))
        .map(rows -> rows.stream().map(r -> r.getId()).toList())
        .compose(ids -> addSeats(tx, ids).map(ids))
        .recover(Slots::explainConflict);
  }

  /** Seat rows 1..capacity for each new slot. */
  private static Future<Integer> addSeats(Sql tx, List<UUID> slotIds) {
    if (slotIds.isEmpty()) {
      return Future.succeededFuture(0);
    }
    var seatNo = DSL.field("generate_series(1, {0})", SQLDataType.INTEGER, SLOT.CAPACITY);
    return tx.update(Sql.DSL.insertInto(SEAT, SEAT.SLOT_ID, SEAT.SEAT_NO)
        .select(Sql.DSL.select(SLOT.ID, seatNo).from(SLOT).where(SLOT.ID.in(slotIds))));
  }

  private static Future<Integer> removeUntouchedFutureSlots(Sql tx, UUID providerId) {
    return tx.fetch(Sql.DSL.select(SLOT.ID).from(SLOT)
            .where(SLOT.PROVIDER_ID.eq(providerId)).and(SLOT.ORIGIN.eq(SlotOrigin.rule))
            .and(SLOT.STATUS.eq(SlotStatus.open)).and(SLOT.STARTS_AT.gt(SqlTime.now()))
            .forUpdate())
        .compose(candidates -> {
          var ids = candidates.stream().map(r -> r.value1()).toList();
          if (ids.isEmpty()) {
            return Future.succeededFuture(0);
          }
          // Lock the seats first: a booking in flight either finishes (and we see its seat) or skips them.
          return tx.fetch(Sql.DSL.select(SEAT.SLOT_ID, SEAT.STATE).from(SEAT).where(SEAT.SLOT_ID.in(ids)).forUpdate())
              .compose(seats -> {
                var touched = new HashSet<UUID>();
                seats.forEach(s -> {
                  if (s.value2() != SeatState.free) {
                    touched.add(s.value1());
                  }
                });
                var untouched = ids.stream().filter(id -> !touched.contains(id)).toList();
                return untouched.isEmpty() ? Future.succeededFuture(0)
                    : tx.update(Sql.DSL.deleteFrom(SLOT).where(SLOT.ID.in(untouched)));
              });
        });
  }

  /** Cancels an open slot that no one holds or booked; with bookings it is the booking area's job (refunds). */
  static Future<Void> cancel(Sql tx, UUID slotId) {
    return tx.fetchOptional(Sql.DSL.select(SLOT.ID).from(SLOT).where(SLOT.ID.eq(slotId))
            .and(SLOT.STATUS.eq(SlotStatus.open)).forUpdate())
        .compose(found -> {
          if (found.isEmpty()) {
            throw Problem.notFound("No open slot " + slotId + ".").toException();
          }
          return tx.fetch(Sql.DSL.select(SEAT.STATE).from(SEAT).where(SEAT.SLOT_ID.eq(slotId)).forUpdate());
        })
        .compose(seats -> {
          if (seats.stream().anyMatch(s -> s.value1() != SeatState.free)) {
            throw Problem.of("slot-has-bookings", 409, "Slot has bookings",
                "Seats of this slot are held or booked; cancel those bookings first.").toException();
          }
          return tx.update(Sql.DSL.update(SLOT).set(SLOT.STATUS, SlotStatus.cancelled)
              .set(SLOT.CANCELLED_AT, SqlTime.now()).where(SLOT.ID.eq(slotId)));
        })
        .mapEmpty();
  }

  /**
   * Raises or lowers a slot's capacity. Lowering removes free seats only, taking them with SKIP LOCKED so a
   * booking in flight keeps its seat; if not enough free seats can be removed, nothing changes and the answer is 409.
   */
  static Future<Integer> changeCapacity(Sql tx, UUID slotId, int capacity) {
    return tx.fetchOptional(Sql.DSL.select(SLOT.CAPACITY).from(SLOT).where(SLOT.ID.eq(slotId))
            .and(SLOT.STATUS.eq(SlotStatus.open)).forUpdate())
        .compose(found -> {
          int current = found.orElseThrow(() -> Problem.notFound("No open slot " + slotId + ".").toException())
              .value1();
          if (capacity == current) {
            return Future.succeededFuture(current);
          }
          Future<?> seats = capacity > current ? addSeatRange(tx, slotId, current + 1, capacity)
              : removeFreeSeats(tx, slotId, current - capacity);
          return seats.compose(x -> tx.update(Sql.DSL.update(SLOT).set(SLOT.CAPACITY, capacity)
              .where(SLOT.ID.eq(slotId)))).map(capacity);
        });
  }

  private static Future<Integer> addSeatRange(Sql tx, UUID slotId, int from, int to) {
    // Seat numbers stay unique: continue after the highest number in use.
    var next = DSL.field("(select coalesce(max(seat_no), 0) from seat where slot_id = {0}) + generate_series(1, {1})",
        SQLDataType.INTEGER, DSL.val(slotId), DSL.val(to - from + 1));
    return tx.update(Sql.DSL.insertInto(SEAT, SEAT.SLOT_ID, SEAT.SEAT_NO).select(Sql.DSL.select(DSL.val(slotId), next)));
  }

  private static Future<Integer> removeFreeSeats(Sql tx, UUID slotId, int count) {
    var victims = Sql.DSL.select(SEAT.ID).from(SEAT)
        .where(SEAT.SLOT_ID.eq(slotId)).and(SEAT.STATE.eq(SeatState.free))
        .orderBy(SEAT.SEAT_NO.desc()).limit(count)
        .forUpdate().skipLocked();
    return tx.update(Sql.DSL.deleteFrom(SEAT).where(SEAT.ID.in(victims))).compose(removed -> removed == count
        ? Future.succeededFuture(removed)
        : Future.failedFuture(Problem.of("capacity-below-booked", 409, "Capacity below bookings",
            "Only " + removed + " seats are free; the capacity cannot go lower without cancelling bookings.")
            .toException()));
  }

  private static <T> Future<T> explainConflict(Throwable e) {
    if (PgErrors.is(e, PgErrors.EXCLUSION)) {
      return Future.failedFuture(Problem.of("venue-overlap", 409, "Venue already in use",
          "Another provider uses the venue at that time (buffers included).").toException());
    }
    return Future.failedFuture(e);
  }
}
