package dev.bookwell.notifications;

import dev.bookwell.platform.db.Sql;
import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;
import static dev.bookwell.db.Tables.REMINDER;

import dev.bookwell.db.enums.MessageStatus;
import dev.bookwell.db.enums.ReminderStatus;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.db.Retention;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import dev.bookwell.platform.config.Config;
import io.vertx.core.http.HttpClient;
import io.vertx.ext.mail.MailClient;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifications area: events become messages (email, in-app, SMS, push) for the people they concern, once each;
 * reminders are rows claimed when due; the dispatcher sends what is due from the message log over each channel.
 * Email goes over SMTP ({@code BOOKWELL_SMTP_URL}), or to the demo mailbox; SMS and push to HTTP gateways, or the log.
 */
public final class NotificationsVerticle extends VerticleBase {

  public static final String API = "notifications.api";
  private static final Logger LOG = LoggerFactory.getLogger(NotificationsVerticle.class);

  private final Platform platform;
  private MailClient mail;
  private HttpClient gateways;
  private long timer = -1;
  private long purgeTimer = -1;
  private long backlogTimer = -1;
  private Future<?> intakeRound = Future.succeededFuture();
  private Future<?> sendRound = Future.succeededFuture();

  public NotificationsVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var bus = vertx.eventBus();
    var config = platform.config().mail();
    var unsubscribes = new Unsubscribes(db, platform.jwtKeys().tokenKey());
    var intake = new Intake(db, () -> new Audiences(db, bus));
    var inbox = new Inbox(db);
    var settings = new Settings(db, bus);
    var preferences = new Preferences(db, bus);
    var log = new MessageLog(db, bus);
    var mailbox = config.devMailbox() ? new MailboxChannel(vertx.fileSystem(), platform.config().dataDir(),
        config.from()) : null;
    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.ofEntries(
        Map.entry("getNotificationSettings", settings::get),
        Map.entry("putNotificationSettings", settings::put),
        Map.entry("getNotificationPreferences", preferences::get),
        Map.entry("putNotificationPreferences", preferences::put),
        Map.entry("listOrganizationMessages", log::list),
        Map.entry("describeUnsubscribe", unsubscribes::describe),
        Map.entry("unsubscribe", unsubscribes::unsubscribe),
        Map.entry("listDevMailbox", mailbox != null ? mailbox::list : MailboxChannel::off),
        Map.entry("listMyNotifications", inbox::list),
        Map.entry("countUnreadNotifications", inbox::unreadCount),
        Map.entry("markNotificationRead", inbox::markRead),
        Map.entry("markAllNotificationsRead", inbox::markAllRead));
    ApiConsumer.register(bus, API, operations);
    // spent reminders and the log of messages sent or given up are kept for the retention, then purged
    var limits = platform.config().limits();
    backlogTimer = backlog();
    purgeTimer = Retention.schedule(vertx, db, limits.purgeInterval(), List.of(
        new Retention.Rule("reminder", REMINDER, () -> REMINDER.STATUS.ne(ReminderStatus.scheduled)
            .and(REMINDER.STARTS_AT.lt(SqlTime.nowPlus(limits.retention().negated())))),
        new Retention.Rule("outgoing_message", OUTGOING_MESSAGE, () -> OUTGOING_MESSAGE.STATUS.ne(MessageStatus.queued)
            .and(OUTGOING_MESSAGE.CREATED_AT.lt(SqlTime.nowPlus(limits.retention().negated()))))));
    var dispatcher = channels(config, mailbox).map(channels -> new Dispatcher(db, channels,
        new Letters(bus, config.publicUrl(), unsubscribes), config.retryBase(),
        io.vertx.micrometer.backends.BackendRegistries.getNow(platform.metricsRegistry())));
    // new events and due reminders become queued messages; separately (a slow SMTP server delays no event), the
    // dispatcher sends what is due. A round is never overtaken by the next one of its kind.
    timer = vertx.setPeriodic(config.pollInterval().toMillis(), id -> {
      if (intakeRound.isComplete()) {
        intakeRound = intake.round().compose(x -> Reminders.round(db))
            .onFailure(e -> LOG.warn("notification intake round failed", e));
      }
      if (sendRound.isComplete() && dispatcher.isPresent()) {
        sendRound = dispatcher.get().round().onFailure(e -> LOG.warn("notification send round failed", e));
      }
    });
    return Future.succeededFuture();
  }

  /**
   * Each channel's way out. Without SMTP and without the demo mailbox nothing is dispatched: messages stay queued
   * in the log (a real deployment that forgot its SMTP server loses nothing).
   */
  private java.util.Optional<Map<String, Channel>> channels(Config.Mail config, MailboxChannel mailbox) {
    Channel email;
    if (config.smtpUrl().isPresent()) {
      mail = MailClient.create(vertx, SmtpSettings.parse(config.smtpUrl().get()));
      email = new EmailChannel(mail, config.from());
    } else if (mailbox != null) {
      LOG.info("No BOOKWELL_SMTP_URL: emails go to the demo mailbox (GET /v1/dev/mailbox)");
      email = mailbox;
    } else {
      LOG.warn("No BOOKWELL_SMTP_URL: messages are queued in the message log and not sent");
      return java.util.Optional.empty();
    }
    gateways = vertx.createHttpClient();
    return java.util.Optional.of(Map.of(Preferences.EMAIL, email,
        Preferences.SMS, gateway(Preferences.SMS, config.smsUrl(), config.channelSecret()),
        Preferences.PUSH, gateway(Preferences.PUSH, config.pushUrl(), config.channelSecret())));
  }

  private Channel gateway(String name, java.util.Optional<String> url, String secret) {
    return url.<Channel>map(u -> new HttpChannel(name, gateways, u, secret)).orElseGet(() -> new LogChannel(name));
  }

  /** Reminders due and not sent yet, and messages waiting to go out (by the due indexes). */
  private long backlog() {
    var db = platform.db();
    return dev.bookwell.platform.metrics.Gauges.every(vertx, platform.metricsRegistry(), "bookwell.notifications.backlog",
        "Reminders due and messages queued, not sent yet", "kind", java.util.List.of("reminders", "messages"),
        () -> db.fetchOne(Sql.DSL.select(
                org.jooq.impl.DSL.field(Sql.DSL.selectCount().from(REMINDER)
                    .where(REMINDER.STATUS.eq(ReminderStatus.scheduled)).and(REMINDER.DUE_AT.le(SqlTime.now()))),
                org.jooq.impl.DSL.field(Sql.DSL.selectCount().from(OUTGOING_MESSAGE)
                    .where(OUTGOING_MESSAGE.STATUS.eq(dev.bookwell.db.enums.MessageStatus.queued)))))
            .map(row -> java.util.Map.of("reminders", (long) row.value1(), "messages", (long) row.value2())));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    vertx.cancelTimer(purgeTimer);
    vertx.cancelTimer(backlogTimer);
    return Future.all(mail == null ? Future.succeededFuture() : mail.close(),
        gateways == null ? Future.succeededFuture() : gateways.close());
  }
}
