package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.AVAILABILITY_EXCEPTION;
import static dev.bookwell.db.Tables.AVAILABILITY_RULE;
import static dev.bookwell.db.Tables.CALENDAR_BUSY;
import static dev.bookwell.db.Tables.ORGANIZATION;
import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SERVICE;
import static dev.bookwell.db.Tables.SLOT;

import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.enums.ProviderStatus;
import dev.bookwell.db.enums.SlotOrigin;
import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.db.tables.records.AvailabilityExceptionRecord;
import dev.bookwell.db.tables.records.AvailabilityRuleRecord;
import dev.bookwell.db.tables.records.ServiceRecord;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.scheduling.SlotGenerator.Generated;
import dev.bookwell.scheduling.SlotGenerator.ServiceSpec;
import dev.bookwell.scheduling.SlotGenerator.WeeklyRule;
import dev.bookwell.scheduling.SlotGenerator.Window;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;

/**
 * Turns one organization's weekly rules and exceptions for a provider into slots. The unit is the pair
 * (provider, organization): an organization's rules and exceptions change only its own slots; a provider's own
 * block (an exception without organization) applies in every organization. Nothing is generated unless the
 * provider is active and has accepted to work for the organization.
 *
 * <p>Bounded work: the generator stops past the organization's slot limit (so memory stays bounded whatever the
 * rules ask), runs on a worker thread, and slots are written in batches. An organization may not hold more than
 * {@code BOOKWELL_MAX_SLOTS_PER_ORGANIZATION} open future slots or {@code BOOKWELL_MAX_SEATS_PER_ORGANIZATION}
 * seats in them: a change that would pass either is refused with 422, nothing written. The organization's row is
 * locked first, so concurrent changes cannot pass the limits together, and regenerations of one organization
 * take their slot locks one after the other.
 */
final class Regeneration {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Regeneration.class);
  /** The slots busy times take away: {@link #applyBusy} removes these, and only these. */
  private static final org.jooq.Condition BUSY = Bookable.overlapsBusy();
  private static final String TOO_LARGE = "schedule-too-large";

  record Result(int removed, int created) {
  }

  /** What the generator needs for one (provider, organization). */
  private record Inputs(ZoneId zone, List<WeeklyRule> rules, Map<LocalDate, List<Window>> exceptions,
                        Map<UUID, ServiceSpec> services, Map<UUID, Integer> horizonDays, BusyTimes busy) {
  }

  private final Vertx vertx;
  private final Config.Limits limits;

  Regeneration(Vertx vertx, Config.Limits limits) {
    this.vertx = vertx;
    this.limits = limits;
  }

  /**
   * Replaces the pair's untouched future rule-made slots with what the rules ask for now. Locks in the one order
   * every schedule change uses: the provider and the link (shared), the organization, then slots and seats.
   */
  Future<Result> regenerate(Sql tx, UUID providerId, UUID organizationId) {
    return regenerate(tx, providerId, organizationId, false, DSL.noCondition());
  }

  /** {@code wait}: wait for the organization's lock rather than refuse (a provider-wide change must not fail). */
  private Future<Result> regenerate(Sql tx, UUID providerId, UUID organizationId, boolean wait,
                                    org.jooq.Condition which) {
    return workingPair(tx, providerId, organizationId).compose(zone -> lockOrganization(tx, organizationId, wait)
        .compose(x -> Slots.removeUntouched(tx, Slots.future(providerId, organizationId).and(which)))
        .compose(removed -> addMissing(tx, providerId, organizationId, zone)
            .recover(e -> which == BUSY && ProblemException.is(e, TOO_LARGE)
                ? tooLargeToAdd(providerId, organizationId) : Future.failedFuture(e))
            .map(created -> new Result(removed, created))));
  }

  /**
   * Busy times are never held up by one organization at its slot limit: the slots they take away go (in every
   * organization), and that organization gets back the ones freed when it has room again (the hourly round).
   * Safe within the transaction: the limit is judged in Java before anything is written.
   */
  private static Future<Integer> tooLargeToAdd(UUID providerId, UUID organizationId) {
    LOG.warn("organization {} is at its slot limit: slots of provider {} freed by busy times come back later",
        organizationId, providerId);
    return Future.succeededFuture(0);
  }

  /**
   * Starts a schedule change of the pair: takes its locks first, before the change touches rules or exceptions,
   * so a concurrent change of the same organization is refused at once (409) instead of waiting on those rows.
   */
  Future<Void> begin(Sql tx, UUID providerId, UUID organizationId) {
    return requireLink(tx, providerId, organizationId).compose(x -> lockOrganization(tx, organizationId, false));
  }

  /**
   * The provider has accepted to work for the organization (and has not stopped). The provider's row and the link
   * are locked FOR SHARE, first, as every schedule change does: ending the link or suspending the provider waits
   * for this change, which then ends with it, and nothing waits for them while holding the organization's lock.
   */
  static Future<Void> requireLink(Sql sql, UUID providerId, UUID organizationId) {
    return sql.fetchOptional(Sql.DSL.selectOne().from(PROVIDER).join(PROVIDER_ORGANIZATION)
            .on(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(PROVIDER.ID))
            .where(PROVIDER.ID.eq(providerId))
            .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(organizationId))
            .and(PROVIDER_ORGANIZATION.STATUS.eq(ProviderLinkStatus.active)).forShare())
        .map(found -> {
          if (found.isEmpty()) {
            throw Problem.of("provider-not-in-organization", 409, "Provider not in organization",
                "The provider does not work for this organization: ask them to accept a link first.").toException();
          }
          return null;
        });
  }

  /** Regenerates every organization the provider works for (a provider-wide block, a reactivation). */
  Future<Result> regenerateAll(Sql tx, UUID providerId) {
    return regenerateAll(tx, providerId, DSL.noCondition());
  }

  /**
   * The provider's busy times changed: in every organization the provider works for, free rule-made slots that
   * overlap them now go, and slots they no longer cover come back. Other slots keep their ids.
   */
  Future<Result> applyBusy(Sql tx, UUID providerId) {
    return regenerateAll(tx, providerId, BUSY);
  }

  /** Removes the untouched future rule-made slots among {@code which}, then adds what the rules ask for. */
  private Future<Result> regenerateAll(Sql tx, UUID providerId, org.jooq.Condition which) {
    return tx.fetch(Sql.DSL.select(PROVIDER_ORGANIZATION.ORGANIZATION_ID).from(PROVIDER_ORGANIZATION)
            .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(providerId))
            .and(PROVIDER_ORGANIZATION.STATUS.eq(ProviderLinkStatus.active))
            .orderBy(PROVIDER_ORGANIZATION.ORGANIZATION_ID))
        .compose(organizations -> {
          Future<Result> chain = Future.succeededFuture(new Result(0, 0));
          for (var organization : organizations) {
            chain = chain.compose(total -> regenerate(tx, providerId, organization.value1(), true, which)
                .map(r -> new Result(total.removed() + r.removed(), total.created() + r.created())));
          }
          return chain;
        });
  }

  /** Adds the slots the rules ask for that do not exist yet (the rolling horizon); removes nothing. */
  Future<Integer> addMissing(Sql tx, UUID providerId, UUID organizationId) {
    return workingPair(tx, providerId, organizationId).compose(zone -> lockOrganization(tx, organizationId, false)
        .compose(x -> addMissing(tx, providerId, organizationId, zone)));
  }

  /** {@code zone} null: the provider is not active or does not work there, and gets nothing. */
  private Future<Integer> addMissing(Sql tx, UUID providerId, UUID organizationId, ZoneId zone) {
    return (zone == null ? Future.<Inputs>succeededFuture(null) : inputs(tx, providerId, organizationId, zone))
        .compose(inputs -> inputs == null ? Future.succeededFuture(List.<Generated>of()) : generate(inputs))
        .compose(generated -> withoutExisting(tx, providerId, organizationId, generated))
        .compose(fresh -> insertWithinLimits(tx, providerId, organizationId, fresh, SlotOrigin.rule))
        .map(List::size);
  }

  /** Inserts slots unless the organization would then pass its limits (422, nothing written). */
  Future<List<UUID>> insertWithinLimits(Sql tx, UUID providerId, UUID organizationId, List<Generated> slots,
                                        SlotOrigin origin) {
    long seats = slots.stream().mapToLong(Generated::capacity).sum();
    return requireRoom(tx, organizationId, slots.size(), seats)
        .compose(x -> Slots.insert(tx, providerId, organizationId, slots, origin));
  }

  /** Fails with 422 naming the limit when {@code slots} more slots with {@code seats} seats would not fit. */
  Future<Void> requireRoom(Sql tx, UUID organizationId, int slots, long seats) {
    if (slots == 0 && seats == 0) {
      return Future.succeededFuture();
    }
    return lockOrganization(tx, organizationId, false)
        .compose(x -> tx.fetchOne(Sql.DSL.select(DSL.count(), DSL.coalesce(DSL.sum(SLOT.CAPACITY), DSL.inline(0)))
            .from(SLOT).where(SLOT.ORGANIZATION_ID.eq(organizationId)).and(SLOT.STATUS.eq(SlotStatus.open))
            .and(SLOT.STARTS_AT.gt(SqlTime.now()))))
        .map(open -> {
          long slotsAfter = open.value1() + (long) slots;
          long seatsAfter = open.value2().longValue() + seats;
          if (slotsAfter > limits.maxSlotsPerOrganization() || seatsAfter > limits.maxSeatsPerOrganization()) {
            throw tooLarge(slotsAfter, seatsAfter);
          }
          return null;
        });
  }

  private RuntimeException tooLarge(long slots, long seats) {
    return Problem.of(TOO_LARGE, 422, "Schedule too large", "This would give the organization "
        + (slots > limits.maxSlotsPerOrganization() ? "more than " + limits.maxSlotsPerOrganization()
            + " open future slots (BOOKWELL_MAX_SLOTS_PER_ORGANIZATION)"
            : seats + " seats in open future slots; the limit is " + limits.maxSeatsPerOrganization()
                + " (BOOKWELL_MAX_SEATS_PER_ORGANIZATION)")
        + ". Shorten the hours or the horizon, or use fewer seats per slot.").toException();
  }

  /**
   * Serializes schedule changes of one organization (a NO KEY lock: slot inserts referencing it still pass). A
   * request's change does not wait: while another change of the organization runs, it is refused at once with 409
   * and Retry-After, so concurrent changes never queue up holding pooled connections. A provider-wide change
   * (activation, the provider's own block) waits instead, as one organization must not make it fail.
   */
  private static Future<Void> lockOrganization(Sql tx, UUID organizationId, boolean wait) {
    var lock = Sql.DSL.select(ORGANIZATION.ID).from(ORGANIZATION).where(ORGANIZATION.ID.eq(organizationId))
        .forNoKeyUpdate();
    return tx.execute(wait ? lock : lock.noWait())
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.is(e, PgErrors.LOCK_NOT_AVAILABLE)
            ? Problem.of("schedule-busy", 409, "Schedule change in progress", "Another change of this "
                + "organization's schedule is running; retry in a moment.").retryAfter(1).toException() : e));
  }

  /**
   * The provider's zone when the provider is active and works for the organization, else null. Both rows are
   * locked FOR SHARE, so ending the link or suspending the provider waits for this change (and then removes what
   * it made), or happened first (and this change makes nothing).
   */
  static Future<ZoneId> workingPair(Sql tx, UUID providerId, UUID organizationId) {
    return tx.fetchOptional(Sql.DSL.select(PROVIDER.TIMEZONE, PROVIDER.STATUS, PROVIDER_ORGANIZATION.STATUS)
            .from(PROVIDER).join(PROVIDER_ORGANIZATION).on(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(PROVIDER.ID))
            .where(PROVIDER.ID.eq(providerId)).and(PROVIDER.DELETED_AT.isNull())
            .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(organizationId))
            .forShare())
        .map(found -> found.filter(r -> r.value2() == ProviderStatus.active
                && r.value3() == ProviderLinkStatus.active)
            .map(r -> ZoneId.of(r.value1())).orElse(null));
  }

  /** The pair's rules, exceptions and services. */
  private static Future<Inputs> inputs(Sql tx, UUID providerId, UUID organizationId, ZoneId zone) {
    return tx.fetch(Sql.DSL.selectFrom(AVAILABILITY_RULE).where(AVAILABILITY_RULE.PROVIDER_ID.eq(providerId))
            .and(AVAILABILITY_RULE.ORGANIZATION_ID.eq(organizationId)))
        .compose(rules -> tx.fetch(Sql.DSL.selectFrom(AVAILABILITY_EXCEPTION)
                .where(AVAILABILITY_EXCEPTION.PROVIDER_ID.eq(providerId))
                .and(AVAILABILITY_EXCEPTION.ORGANIZATION_ID.eq(organizationId)
                    .or(AVAILABILITY_EXCEPTION.ORGANIZATION_ID.isNull())))
            .compose(exceptions -> tx.fetch(Sql.DSL.selectFrom(SERVICE)
                    .where(SERVICE.ORGANIZATION_ID.eq(organizationId)).and(SERVICE.DELETED_AT.isNull()))
                .compose(services -> busy(tx, providerId)
                    .map(busy -> assemble(zone, rules, exceptions, services, busy)))));
  }

  /** The provider's busy times from imported calendars that have not ended. */
  private static Future<BusyTimes> busy(Sql tx, UUID providerId) {
    return tx.fetch(Sql.DSL.select(CALENDAR_BUSY.DURING).from(CALENDAR_BUSY)
            .where(CALENDAR_BUSY.PROVIDER_ID.eq(providerId))
            .and(DSL.condition("upper({0}) > now()", CALENDAR_BUSY.DURING)))
        .map(rows -> BusyTimes.of(rows.stream().map(r -> new BusyTimes.Interval(r.value1().lower().toInstant(),
            r.value1().upper().toInstant())).toList()));
  }

  private static Inputs assemble(ZoneId zone, List<AvailabilityRuleRecord> rules,
                                 List<AvailabilityExceptionRecord> exceptions, List<ServiceRecord> services,
                                 BusyTimes busy) {
    var specs = new HashMap<UUID, ServiceSpec>();
    var horizons = new HashMap<UUID, Integer>();
    for (var s : services) {
      specs.put(s.getId(), new ServiceSpec(s.getId(), Duration.ofMinutes(s.getDurationMinutes()),
          Duration.ofMinutes(s.getBufferBeforeMinutes()), Duration.ofMinutes(s.getBufferAfterMinutes()),
          s.getSeatsPerSlot()));
      horizons.put(s.getId(), s.getHorizonDays());
    }
    var weekly = rules.stream().map(r -> new WeeklyRule(DayOfWeek.of(r.getWeekday()),
        new Window(r.getStartTime(), r.getEndTime(), List.of(r.getServiceIds()), r.getVenueId()))).toList();
    var byDay = new HashMap<LocalDate, List<Window>>();
    for (var e : exceptions) {
      if (e.getOrganizationId() != null && e.getStartTime() != null) {
        byDay.computeIfAbsent(e.getDay(), d -> new ArrayList<>())
            .add(new Window(e.getStartTime(), e.getEndTime(), List.of(e.getServiceIds()), e.getVenueId()));
      } else {
        byDay.computeIfAbsent(e.getDay(), d -> new ArrayList<>());
      }
    }
    // The provider's own block wins over the organization's custom hours that day.
    exceptions.stream().filter(e -> e.getOrganizationId() == null).forEach(e -> byDay.put(e.getDay(), List.of()));
    return new Inputs(zone, weekly, byDay, specs, horizons, busy);
  }

  /** Runs the pure generator on a worker thread: a two-year schedule is tens of thousands of slots. */
  private Future<List<Generated>> generate(Inputs in) {
    int horizon = in.horizonDays().values().stream().max(Integer::compare).orElse(0);
    return vertx.executeBlocking(() -> {
      LocalDate today = LocalDate.now(in.zone());
      Instant now = Instant.now();
      var generated = SlotGenerator.generate(in.zone(), in.rules(), in.exceptions(), in.services(), today,
          today.plusDays(horizon + 1L), limits.maxSlotsPerOrganization(), g -> g.startsAt().isAfter(now)
              && g.startsAt().isBefore(now.plus(Duration.ofDays(in.horizonDays().get(g.serviceId()))))
              && !in.busy().overlaps(g.occupiedFrom(), g.occupiedUntil()));
      if (generated.size() > limits.maxSlotsPerOrganization()) {
        throw tooLarge(generated.size(), 0);
      }
      return generated;
    }, false);
  }

  /** Leaves out what already exists (the rolling horizon adds only the new days). */
  private static Future<List<Generated>> withoutExisting(Sql tx, UUID providerId, UUID organizationId,
                                                         List<Generated> generated) {
    if (generated.isEmpty()) {
      return Future.succeededFuture(generated);
    }
    return tx.fetch(Sql.DSL.select(SLOT.SERVICE_ID, SLOT.STARTS_AT).from(SLOT)
            .where(Slots.future(providerId, organizationId)))
        .map(existing -> {
          var keys = new HashSet<String>();
          existing.forEach(r -> keys.add(r.value1() + "@" + r.value2().toInstant()));
          return generated.stream().filter(g -> !keys.contains(g.serviceId() + "@" + g.startsAt())).toList();
        });
  }
}
