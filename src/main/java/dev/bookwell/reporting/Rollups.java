package dev.bookwell.reporting;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.ORGANIZATION;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;
import static dev.bookwell.db.Tables.REPORT_BOOKING_DAY;
import static dev.bookwell.db.Tables.REPORT_BOOKING_MONTH;
import static dev.bookwell.db.Tables.REPORT_DIRTY;
import static dev.bookwell.db.Tables.REPORT_SLOT_DAY;
import static dev.bookwell.db.Tables.REPORT_SLOT_MONTH;
import static dev.bookwell.db.Tables.SLOT;
import static dev.bookwell.platform.db.Prepared.array;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.SlotStatus;
import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.InOrder;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.payments.PaymentsClient;
import dev.bookwell.platform.outbox.OutboxConsumer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.Select;
import org.jooq.SelectOrderByStep;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The daily rollups behind the booking reports, kept off the booking path. Every booking, payment and slot event
 * marks its (organization, local day) dirty, once ({@link OutboxConsumer}); a round then recomputes a bounded batch
 * of dirty days from the source rows, in the transaction that takes their marks (claimed with SKIP LOCKED, so
 * instances share the work and a failed recomputation leaves its marks for the next round). Recomputing a whole day
 * from its rows, rather than adding differences, makes a repeated or late event harmless.
 */
final class Rollups {

  static final int BATCH = 50;
  static final int MAX_BATCHES = 20;
  private static final List<String> TYPES = Stream.concat(
      Arrays.stream(BookingStatus.values()).map(s -> "booking." + s.getLiteral()),
      Stream.of("booking.rescheduled", "payment.captured", "payment.refunded", "payment.failed",
          PaymentsClient.REFUND_FAILED,
          "scheduling.slot_created", "scheduling.slot_capacity_changed", "scheduling.slot_cancelled")).toList();

  private final Db db;
  private final OutboxConsumer marks;

  Rollups(Db db) {
    this.db = db;
    this.marks = new OutboxConsumer(db, "reporting", TYPES, Duration.ofDays(7), 500);
  }

  /** One round: marks what the new events touched, then recomputes dirty days. */
  Future<Integer> round() {
    return marks.roundInBulk(Rollups::touched, Rollups::mark).compose(x -> recompute(0));
  }

  /**
   * What an event touched: a booking's organization and start (from the event), a payment's booking, a slot; one of
   * them.
   */
  private record Touched(UUID organization, OffsetDateTime start, UUID booking, UUID slot) {
  }

  private static Touched touched(OutboxEventRecord event) {
    var payload = new JsonObject(event.getPayload().data());
    if (event.getType().startsWith("booking.")) {
      return new Touched(UUID.fromString(payload.getString("organizationId")),
          OffsetDateTime.parse(payload.getString("startsAt")), null, null);
    }
    if (event.getType().startsWith("payment.")) {  // a course order has no booking row: nothing marked
      return new Touched(null, null, UUID.fromString(event.getAggregateId()), null);
    }
    return new Touched(null, null, null, UUID.fromString(payload.getString("slotId")));
  }

  /**
   * The days a batch's events touched, on their organizations' wall clocks: at most three statements for the batch,
   * one per kind, over its arrays. It was one per event, three behind every purchase.
   */
  private static Future<Void> mark(Sql tx, List<Touched> events) {
    var bookingEvents = events.stream().filter(e -> e.organization() != null).toList();
    var bookings = events.stream().map(Touched::booking).filter(Objects::nonNull).toArray(UUID[]::new);
    var slots = events.stream().map(Touched::slot).filter(Objects::nonNull).toArray(UUID[]::new);
    return marked(tx, BOOKING_DAYS, bookingEvents.size(), Map.of(
            "organizations", bookingEvents.stream().map(Touched::organization).toArray(UUID[]::new),
            "starts", bookingEvents.stream().map(Touched::start).toArray(OffsetDateTime[]::new)))
        .compose(x -> marked(tx, PAYMENT_DAYS, bookings.length, Map.of("bookings", bookings)))
        .compose(x -> marked(tx, SLOT_DAYS, slots.length, Map.of("slots", slots)));
  }

  /** Runs a marking statement for the {@code events} of its kind, if any. */
  private static Future<Void> marked(Sql tx, Prepared<Record2<UUID, LocalDate>> marking, int events,
                                     Map<String, ?> arrays) {
    return events == 0 ? Future.succeededFuture() : tx.rows(marking, arrays).mapEmpty();
  }

  /* The marks, rendered once: every booking's events pass here. */
  private static final Prepared<Record2<UUID, LocalDate>> BOOKING_DAYS = bookingDays();
  private static final Prepared<Record2<UUID, LocalDate>> PAYMENT_DAYS = marking(Sql.DSL.selectDistinct(
          BOOKING.ORGANIZATION_ID, localDay(BOOKING.STARTS_AT, ORGANIZATION.TIMEZONE)).from(BOOKING)
      .join(ORGANIZATION).on(ORGANIZATION.ID.eq(BOOKING.ORGANIZATION_ID))
      .where(BOOKING.ID.eq(DSL.any(array("bookings", SQLDataType.UUID)))));
  private static final Prepared<Record2<UUID, LocalDate>> SLOT_DAYS = marking(Sql.DSL.selectDistinct(
          SLOT.ORGANIZATION_ID, localDay(SLOT.STARTS_AT, ORGANIZATION.TIMEZONE)).from(SLOT)
      .join(ORGANIZATION).on(ORGANIZATION.ID.eq(SLOT.ORGANIZATION_ID))
      .where(SLOT.ID.eq(DSL.any(array("slots", SQLDataType.UUID)))));

  /** Each booking event's organization and start, side by side: the day on the organization's wall clock. */
  private static Prepared<Record2<UUID, LocalDate>> bookingDays() {
    var touched = DSL.table("unnest({0}, {1}) as touched(organization, starts)",
        array("organizations", SQLDataType.UUID), array("starts", SQLDataType.TIMESTAMPWITHTIMEZONE));
    return marking(Sql.DSL.selectDistinct(ORGANIZATION.ID, localDay(DSL.field(DSL.name("touched", "starts"),
            OffsetDateTime.class), ORGANIZATION.TIMEZONE))
        .from(touched).join(ORGANIZATION)
        .on(ORGANIZATION.ID.eq(DSL.field(DSL.name("touched", "organization"), UUID.class))));
  }

  /**
   * Marks the days, in one order (organization, day): two batches' marks never take each other's keys in opposite
   * orders, so they never deadlock.
   */
  private static Prepared<Record2<UUID, LocalDate>> marking(SelectOrderByStep<Record2<UUID, LocalDate>> days) {
    return Prepared.of(Sql.DSL.insertInto(REPORT_DIRTY, REPORT_DIRTY.ORGANIZATION_ID, REPORT_DIRTY.DAY)
        .select(days.orderBy(DSL.inline(1), DSL.inline(2)))
        .onConflictDoNothing().returningResult(REPORT_DIRTY.ORGANIZATION_ID, REPORT_DIRTY.DAY));
  }

  /**
   * Marks the days of the slots that began in the last two hours (run hourly, so every slot is seen at least once):
   * future slots change without events (regeneration, the horizon moving on), but not once they have begun, so a
   * day's seats offered settle as its slots pass.
   */
  Future<Integer> markPassedSlots() {
    var now = OffsetDateTime.now(ZoneOffset.UTC);
    return db.update(Sql.DSL.insertInto(REPORT_DIRTY, REPORT_DIRTY.ORGANIZATION_ID, REPORT_DIRTY.DAY)
        .select(Sql.DSL.selectDistinct(SLOT.ORGANIZATION_ID, localDay(SLOT.STARTS_AT, ORGANIZATION.TIMEZONE))
            .from(SLOT).join(ORGANIZATION).on(ORGANIZATION.ID.eq(SLOT.ORGANIZATION_ID))
            .where(SLOT.STATUS.eq(SlotStatus.open)).and(SLOT.STARTS_AT.ge(now.minusHours(2)))
            .and(SLOT.STARTS_AT.lt(now)))
        .onConflictDoNothing());
  }

  /** A timestamp's date on the wall clock of {@code zone} (a column holding an IANA name). */
  static Field<LocalDate> localDay(Field<OffsetDateTime> at, Field<String> zone) {
    return DSL.field("({0} AT TIME ZONE {1})::date", LocalDate.class, at, zone);
  }

  private Future<Integer> recompute(int batches) {
    var due = Sql.DSL.select(REPORT_DIRTY.ORGANIZATION_ID, REPORT_DIRTY.DAY).from(REPORT_DIRTY)
        .orderBy(REPORT_DIRTY.MARKED_AT).limit(BATCH).forUpdate().skipLocked();
    return db.transaction(tx -> tx.fetch(Sql.DSL.deleteFrom(REPORT_DIRTY)
            .where(DSL.row(REPORT_DIRTY.ORGANIZATION_ID, REPORT_DIRTY.DAY).in(due))
            .returning(REPORT_DIRTY.ORGANIZATION_ID, REPORT_DIRTY.DAY))
        .compose(days -> zones(tx, days.stream().map(d -> d.getOrganizationId()).distinct().toList())
            .compose(zone -> InOrder.each(days, d -> recomputeDay(tx, d.getOrganizationId(), d.getDay(),
                zone.apply(d.getOrganizationId()))))
            .compose(x -> InOrder.each(days.stream().map(d -> new Month(d.getOrganizationId(),
                d.getDay().withDayOfMonth(1))).distinct().toList(), m -> recomputeMonth(tx, m)))
            .map(days.size())))
        .compose(done -> done < BATCH || batches + 1 >= MAX_BATCHES ? Future.succeededFuture(done)
            : recompute(batches + 1).map(more -> done + more));
  }

  private static Future<Function<UUID, ZoneId>> zones(Sql tx, List<UUID> organizations) {
    return tx.fetch(Sql.DSL.select(ORGANIZATION.ID, ORGANIZATION.TIMEZONE).from(ORGANIZATION)
            .where(ORGANIZATION.ID.in(organizations)))
        .map(rows -> {
          var byId = new java.util.HashMap<UUID, ZoneId>();
          rows.forEach(r -> byId.put(r.value1(), ZoneId.of(r.value2())));
          return byId::get;
        });
  }

  /** A day's rows, replaced by what its bookings, payments and slots say now. */
  static Future<Void> recomputeDay(Sql tx, UUID organizationId, LocalDate day, ZoneId zone) {
    OffsetDateTime start = day.atStartOfDay(zone).toOffsetDateTime();  // DST-correct: 23 or 25 hours some days
    OffsetDateTime end = day.plusDays(1).atStartOfDay(zone).toOffsetDateTime();
    return tx.update(Sql.DSL.deleteFrom(REPORT_BOOKING_DAY).where(REPORT_BOOKING_DAY.ORGANIZATION_ID
            .eq(organizationId)).and(REPORT_BOOKING_DAY.DAY.eq(day)))
        .compose(x -> tx.update(Sql.DSL.insertInto(REPORT_BOOKING_DAY).select(bookings(organizationId, day, start,
            end))))
        .compose(x -> tx.update(Sql.DSL.deleteFrom(REPORT_SLOT_DAY).where(REPORT_SLOT_DAY.ORGANIZATION_ID
            .eq(organizationId)).and(REPORT_SLOT_DAY.DAY.eq(day))))
        .compose(x -> tx.update(Sql.DSL.insertInto(REPORT_SLOT_DAY).select(Sql.DSL.select(SLOT.ORGANIZATION_ID,
                DSL.val(day), SLOT.SERVICE_ID, SLOT.PROVIDER_ID, SLOT.VENUE_ID, DSL.count(),
                DSL.sum(SLOT.CAPACITY).cast(Long.class))
            .from(SLOT).where(SLOT.ORGANIZATION_ID.eq(organizationId)).and(SLOT.STATUS.eq(SlotStatus.open))
            .and(SLOT.STARTS_AT.ge(start)).and(SLOT.STARTS_AT.lt(end))
            .groupBy(SLOT.ORGANIZATION_ID, SLOT.SERVICE_ID, SLOT.PROVIDER_ID, SLOT.VENUE_ID))))
        .mapEmpty();
  }

  private record Month(UUID organizationId, LocalDate first) {
  }

  /** A month's rows, the sums of its days' (recomputed after them, in their transaction). */
  private static Future<Void> recomputeMonth(Sql tx, Month m) {
    var d = REPORT_BOOKING_DAY;
    var sums = new ArrayList<org.jooq.SelectFieldOrAsterisk>(List.of(d.ORGANIZATION_ID, DSL.val(m.first()),
        d.SERVICE_ID, d.PROVIDER_ID, d.VENUE_ID, d.CURRENCY));
    for (var field : List.of(d.BOOKINGS, d.HELD, d.PENDING, d.CONFIRMED, d.DECLINED, d.EXPIRED, d.CANCELLED,
        d.COMPLETED, d.NO_SHOW, d.SEATS_BOOKED)) {
      sums.add(DSL.sum(field).cast(Integer.class));
    }
    sums.add(DSL.sum(d.LEAD_MINUTES).cast(Long.class));
    sums.add(DSL.sum(d.LEAD_COUNT).cast(Integer.class));
    sums.add(DSL.sum(d.CAPTURED_MINOR).cast(Long.class));
    sums.add(DSL.sum(d.REFUNDED_MINOR).cast(Long.class));
    var s = REPORT_SLOT_DAY;
    var inMonth = d.DAY.between(m.first(), m.first().plusMonths(1).minusDays(1));
    return tx.update(Sql.DSL.deleteFrom(REPORT_BOOKING_MONTH).where(REPORT_BOOKING_MONTH.ORGANIZATION_ID
            .eq(m.organizationId())).and(REPORT_BOOKING_MONTH.MONTH.eq(m.first())))
        .compose(x -> tx.update(Sql.DSL.insertInto(REPORT_BOOKING_MONTH).select(Sql.DSL.select(sums).from(d)
            .where(d.ORGANIZATION_ID.eq(m.organizationId())).and(inMonth)
            .groupBy(d.ORGANIZATION_ID, d.SERVICE_ID, d.PROVIDER_ID, d.VENUE_ID, d.CURRENCY))))
        .compose(x -> tx.update(Sql.DSL.deleteFrom(REPORT_SLOT_MONTH).where(REPORT_SLOT_MONTH.ORGANIZATION_ID
            .eq(m.organizationId())).and(REPORT_SLOT_MONTH.MONTH.eq(m.first()))))
        .compose(x -> tx.update(Sql.DSL.insertInto(REPORT_SLOT_MONTH).select(Sql.DSL.select(s.ORGANIZATION_ID,
                DSL.val(m.first()), s.SERVICE_ID, s.PROVIDER_ID, s.VENUE_ID, DSL.sum(s.SLOTS).cast(Integer.class),
                DSL.sum(s.SEATS_OFFERED).cast(Long.class)).from(s)
            .where(s.ORGANIZATION_ID.eq(m.organizationId()))
            .and(s.DAY.between(m.first(), m.first().plusMonths(1).minusDays(1)))
            .groupBy(s.ORGANIZATION_ID, s.SERVICE_ID, s.PROVIDER_ID, s.VENUE_ID))))
        .mapEmpty();
  }

  /** The select that fills a day's booking rows, column for column as the table has them. */
  private static Select<?> bookings(UUID organizationId, LocalDate day, OffsetDateTime start, OffsetDateTime end) {
    var money = DSL.lateral(Sql.DSL.select(PaymentsClient.captured().as("captured"),
        PaymentsClient.refunded().as("refunded")).from(PAYMENT_LEDGER)
        .where(PAYMENT_LEDGER.BOOKING_ID.eq(BOOKING.ID))).as("money");
    var successor = BOOKING.as("successor");
    var went = BOOKING.STATUS.in(BookingStatus.pending_confirmation, BookingStatus.confirmed, BookingStatus.completed,
        BookingStatus.no_show);
    var ahead = BOOKING.STATUS.in(BookingStatus.confirmed, BookingStatus.completed, BookingStatus.no_show);
    var columns = new ArrayList<org.jooq.SelectFieldOrAsterisk>(List.of(BOOKING.ORGANIZATION_ID, DSL.val(day),
        BOOKING.SERVICE_ID, BOOKING.PROVIDER_ID, SLOT.VENUE_ID, BOOKING.CURRENCY, DSL.count()));
    for (var status : List.of(BookingStatus.held, BookingStatus.pending_confirmation, BookingStatus.confirmed,
        BookingStatus.declined, BookingStatus.expired, BookingStatus.cancelled, BookingStatus.completed,
        BookingStatus.no_show)) {
      columns.add(DSL.count().filterWhere(BOOKING.STATUS.eq(status)));
    }
    columns.add(DSL.coalesce(DSL.sum(BOOKING.SEATS).filterWhere(went), BigDecimal.ZERO).cast(Integer.class));
    columns.add(DSL.coalesce(DSL.sum(DSL.field("extract(epoch from {0} - {1}) / 60", BigDecimal.class,
        BOOKING.STARTS_AT, BOOKING.CREATED_AT)).filterWhere(ahead), BigDecimal.ZERO).cast(Long.class));
    columns.add(DSL.count().filterWhere(ahead));
    columns.add(DSL.coalesce(DSL.sum(money.field("captured", BigDecimal.class)), BigDecimal.ZERO).cast(Long.class));
    columns.add(DSL.coalesce(DSL.sum(money.field("refunded", BigDecimal.class)), BigDecimal.ZERO).cast(Long.class));
    return Sql.DSL.select(columns).from(BOOKING).join(SLOT).on(SLOT.ID.eq(BOOKING.SLOT_ID)).crossJoin(money)
        .where(BOOKING.ORGANIZATION_ID.eq(organizationId)).and(BOOKING.STARTS_AT.ge(start))
        .and(BOOKING.STARTS_AT.lt(end))
        // a booking moved by a reschedule is its successor, counted there: not a cancellation, nor a second booking
        .andNotExists(Sql.DSL.selectOne().from(successor).where(successor.RESCHEDULED_FROM.eq(BOOKING.ID)))
        .groupBy(BOOKING.ORGANIZATION_ID, BOOKING.SERVICE_ID, BOOKING.PROVIDER_ID, SLOT.VENUE_ID, BOOKING.CURRENCY);
  }
}
