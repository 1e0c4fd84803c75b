package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.EMAIL_MESSAGE;
import static dev.bookwell.db.Tables.NOTIFICATION_EVENT;
import static dev.bookwell.db.Tables.REMINDER;

import dev.bookwell.db.enums.EmailStatus;
import dev.bookwell.db.enums.ReminderStatus;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.db.Retention;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.MailClient;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifications area (first part): password-reset, invitation and booking emails. Events queue messages in the email
 * log once each; the mailer sends what is due over SMTP ({@code BOOKWELL_SMTP_URL}). Without an SMTP server the
 * messages stay queued in the log and nothing is sent.
 */
public final class NotificationsVerticle extends VerticleBase {

  public static final String API = "notifications.api";
  private static final Logger LOG = LoggerFactory.getLogger(NotificationsVerticle.class);

  private final Platform platform;
  private MailClient mail;
  private long timer = -1;
  private long purgeTimer = -1;
  private Future<?> round = Future.succeededFuture();

  public NotificationsVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var bus = vertx.eventBus();
    var config = platform.config().mail();
    var intake = new Intake(db, bus);
    var inbox = new Inbox(db);
    var settings = new Settings(db, bus);
    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.of(
        "getNotificationSettings", settings::get,
        "putNotificationSettings", settings::put,
        "listMyNotifications", inbox::list,
        "countUnreadNotifications", inbox::unreadCount,
        "markNotificationRead", inbox::markRead,
        "markAllNotificationsRead", inbox::markAllRead);
    ApiConsumer.register(bus, API, operations);
    // handled-event ids, spent reminders and the log of messages sent or given up are kept for the retention, then purged
    var limits = platform.config().limits();
    purgeTimer = Retention.schedule(vertx, db, limits.purgeInterval(), List.of(
        new Retention.Rule("notification_event", NOTIFICATION_EVENT,
            () -> NOTIFICATION_EVENT.HANDLED_AT.lt(SqlTime.nowPlus(limits.retention().negated()))),
        new Retention.Rule("reminder", REMINDER, () -> REMINDER.STATUS.ne(ReminderStatus.scheduled)
            .and(REMINDER.STARTS_AT.lt(SqlTime.nowPlus(limits.retention().negated())))),
        new Retention.Rule("email_message", EMAIL_MESSAGE, () -> EMAIL_MESSAGE.STATUS.ne(EmailStatus.queued)
            .and(EMAIL_MESSAGE.CREATED_AT.lt(SqlTime.nowPlus(limits.retention().negated()))))));
    Mailer mailer;
    if (config.smtpUrl().isEmpty()) {
      LOG.info("No BOOKWELL_SMTP_URL: emails are queued in the email log and not sent");
      mailer = null;
    } else {
      mail = MailClient.create(vertx, SmtpSettings.parse(config.smtpUrl().get()));
      mailer = new Mailer(db, bus, mail, config.from(), config.publicUrl());
    }
    // new events become queued messages, due reminders queued emails, then the mailer sends what is due
    timer = vertx.setPeriodic(config.pollInterval().toMillis(), id -> {
      if (round.isComplete()) {  // a slow round (SMTP slow) is never overtaken by the next one
        round = intake.round().compose(x -> Reminders.round(db)).compose(x -> mailer == null ? Future.succeededFuture(0) : mailer.round())
            .onFailure(e -> LOG.warn("notification round failed", e));
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    vertx.cancelTimer(purgeTimer);
    return mail == null ? Future.succeededFuture() : mail.close();
  }
}
