package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.REMINDER;

import dev.bookwell.db.enums.ReminderStatus;
import dev.bookwell.db.tables.records.NotificationSettingsRecord;
import dev.bookwell.db.tables.records.ReminderRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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

  /** Schedules the organization's reminders for a booking that starts at {@code startsAt}; only future ones. */
  static Future<Void> schedule(Sql tx, UUID bookingId, UUID organizationId, String reference,
                               OffsetDateTime startsAt, Recipient to) {
    return Settings.of(tx, organizationId)
        .compose(settings -> {
          Integer[] minutes = settings.map(NotificationSettingsRecord::getReminderMinutes).orElse(DEFAULT_MINUTES);
          if (minutes.length == 0) {
            return Future.succeededFuture();
          }
          var insert = Sql.DSL.insertInto(REMINDER, REMINDER.BOOKING_ID, REMINDER.DUE_AT, REMINDER.STARTS_AT,
              REMINDER.RECIPIENT, REMINDER.TIMEZONE, REMINDER.USER_ID, REMINDER.NAME, REMINDER.PHONE, REMINDER.LOCALE,
              REMINDER.ORGANIZATION_ID, REMINDER.REFERENCE);
          for (Integer minute : minutes) {
            insert = insert.values(bookingId, startsAt.minusMinutes(minute), startsAt, to.email(), to.timezone(),
                to.userId(), to.name(), to.phone(), to.locale(), organizationId, reference);
          }
          // the DO NOTHING makes a repeated schedule harmless; reminders already past are removed right after
          return tx.update(insert.onConflictDoNothing())
              .compose(x -> tx.rows(PAST_DROPPED, Map.of("booking", bookingId)))
              .mapEmpty();
        });
  }

  /** Every confirmation runs it, after the insert (a row per reminder the organization sends): rendered once. */
  private static final Prepared<ReminderRecord> PAST_DROPPED = Prepared.of(Sql.DSL.deleteFrom(REMINDER)
      .where(REMINDER.BOOKING_ID.eq(DSL.param("booking", REMINDER.BOOKING_ID)))
      .and(REMINDER.STATUS.eq(ReminderStatus.scheduled)).and(REMINDER.DUE_AT.le(SqlTime.now()))
      .returning(REMINDER.BOOKING_ID));

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
