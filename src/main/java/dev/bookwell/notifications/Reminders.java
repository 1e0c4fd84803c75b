package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.NOTIFICATION_SETTINGS;
import static dev.bookwell.db.Tables.REMINDER;
import static dev.bookwell.platform.db.Prepared.typed;

import dev.bookwell.db.enums.ReminderStatus;
import dev.bookwell.db.tables.records.ReminderRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * Reminders before a confirmed booking starts, as rows: scheduled with the confirmation (in the transaction that
 * records its event), dropped when the booking ends otherwise, and turned into a queued email when due by a round
 * that claims them with {@code FOR UPDATE SKIP LOCKED}. One that comes due after the start is dropped; the mailer
 * also checks, when it renders, that the booking is still confirmed and not started (events may arrive out of
 * order, so a late "confirmed" after a "cancelled" never reminds anyone).
 */
final class Reminders {

  /** 24 hours and 1 hour before, unless the organization set its own. */
  static final Integer[] DEFAULT_MINUTES = {1440, 60};
  static final String TEMPLATE = "booking-reminder";
  private static final int BATCH = 100;

  private Reminders() {
  }

  /**
   * Schedules the organization's reminders for a booking that starts at {@code startsAt}; only those still ahead by
   * the database's clock. One statement, rendered once, runs for every confirmation: until round two's eighteenth
   * part of the performance work it was three (the settings read, the insert rendered per call, the past ones
   * deleted after it).
   */
  static Future<Void> schedule(Sql tx, UUID bookingId, UUID organizationId, String reference,
                               OffsetDateTime startsAt, Recipient to) {
    var values = new HashMap<String, Object>();
    values.put("booking", bookingId);
    values.put("organization", organizationId);
    values.put("reference", reference);
    values.put("starts", startsAt);
    values.put("recipient", to.email());
    values.put("timezone", to.timezone());
    values.put("user", to.userId());
    values.put("name", to.name());
    values.put("phone", to.phone());
    values.put("locale", to.locale());
    return tx.rows(SCHEDULE, values).mapEmpty();
  }

  /**
   * A row per minute the organization set (else {@link #DEFAULT_MINUTES}) whose time is still ahead; DO NOTHING makes
   * a repeated schedule harmless.
   */
  private static final Prepared<ReminderRecord> SCHEDULE = scheduling();

  private static Prepared<ReminderRecord> scheduling() {
    var own = Sql.DSL.select(NOTIFICATION_SETTINGS.REMINDER_MINUTES).from(NOTIFICATION_SETTINGS)
        .where(NOTIFICATION_SETTINGS.ORGANIZATION_ID.eq(typed("organization", NOTIFICATION_SETTINGS.ORGANIZATION_ID)));
    var minutes = DSL.unnest(DSL.coalesce(DSL.field(own),
        DSL.array(Arrays.stream(DEFAULT_MINUTES).map(DSL::inline).toArray(Field[]::new)))).as("m", "minute");
    var starts = typed("starts", REMINDER.STARTS_AT);
    Field<OffsetDateTime> due = DSL.field("{0} - make_interval(mins => {1})", REMINDER.DUE_AT.getDataType(), starts,
        DSL.field(DSL.name("m", "minute"), Integer.class));
    return Prepared.of(Sql.DSL.insertInto(REMINDER, REMINDER.BOOKING_ID, REMINDER.DUE_AT, REMINDER.STARTS_AT,
            REMINDER.RECIPIENT, REMINDER.TIMEZONE, REMINDER.USER_ID, REMINDER.NAME, REMINDER.PHONE, REMINDER.LOCALE,
            REMINDER.ORGANIZATION_ID, REMINDER.REFERENCE)
        .select(Sql.DSL.select(typed("booking", REMINDER.BOOKING_ID), due, starts,
                typed("recipient", REMINDER.RECIPIENT), typed("timezone", REMINDER.TIMEZONE),
                typed("user", REMINDER.USER_ID), typed("name", REMINDER.NAME), typed("phone", REMINDER.PHONE),
                typed("locale", REMINDER.LOCALE), typed("organization", REMINDER.ORGANIZATION_ID),
                typed("reference", REMINDER.REFERENCE))
            .from(minutes).where(due.gt(SqlTime.now())))
        .onConflictDoNothing()
        .returning(REMINDER.BOOKING_ID));
  }

  /** The booking ended otherwise (cancelled, declined, expired, moved): its reminders never go out. */
  static Future<Void> drop(Sql tx, UUID bookingId) {
    return tx.update(Sql.DSL.update(REMINDER).set(REMINDER.STATUS, ReminderStatus.dropped)
        .where(REMINDER.BOOKING_ID.eq(bookingId)).and(REMINDER.STATUS.eq(ReminderStatus.scheduled))).mapEmpty();
  }

  /** One round: due reminders become queued emails (or are dropped if the start passed); gives how many queued. */
  static Future<Integer> round(Db db) {
    return db.transaction(tx -> tx.fetch(Sql.DSL.selectFrom(REMINDER)
            .where(REMINDER.STATUS.eq(ReminderStatus.scheduled)).and(REMINDER.DUE_AT.le(SqlTime.now()))
            .orderBy(REMINDER.DUE_AT).limit(BATCH).forUpdate().skipLocked())
        .compose(due -> due.isEmpty() ? Future.succeededFuture(List.<ReminderRecord>of())
            : tx.fetch(Sql.DSL.update(REMINDER)  // one clock: the database's decides which are still ahead
                .set(REMINDER.STATUS, DSL.when(REMINDER.STARTS_AT.gt(SqlTime.now()),
                    DSL.inline(ReminderStatus.queued)).otherwise(DSL.inline(ReminderStatus.dropped)))
                .where(REMINDER.ID.in(due.stream().map(ReminderRecord::getId).toList())).returning()))
        .compose(claimed -> {
          var live = claimed.stream().filter(r -> r.getStatus() == ReminderStatus.queued).toList();
          Future<Integer> chain = Future.succeededFuture(0);
          for (var reminder : live) {  // on the person's channels, under the reminder's id (once each)
            chain = chain.compose(n -> Deliveries.queue(tx, reminder.getId(), note(reminder)).map(n + 1));
          }
          return chain;
        }));
  }

  private static Deliveries.Note note(ReminderRecord r) {
    var to = new Recipient(r.getUserId(), r.getRecipient(), r.getPhone(), r.getName(), r.getTimezone(),
        r.getLocale());
    return Deliveries.aboutBooking(to, "reminder", TEMPLATE, r.getOrganizationId(), r.getBookingId().toString(),
        r.getReference(), r.getStartsAt().toInstant().toString(), null);
  }
}
