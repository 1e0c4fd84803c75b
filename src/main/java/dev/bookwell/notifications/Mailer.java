package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.EMAIL_MESSAGE;

import dev.bookwell.db.enums.EmailStatus;
import dev.bookwell.db.tables.records.EmailMessageRecord;
import dev.bookwell.booking.BookingClient;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.SMTPException;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what is due from the email log. A round claims up to {@link #BATCH} due rows with {@code FOR UPDATE SKIP
 * LOCKED} and leases them (moves their next attempt five minutes on) in one short transaction, so several
 * instances never send one twice and a crash mid-send only delays a message. Then each is rendered (asking its
 * owning area for the link's token, fresh) and handed to SMTP with no connection held. A failure is retried with
 * exponential backoff (1, 2, 4 ... minutes, at most an hour apart) for a day; then, or at once when the server
 * refuses for good (a permanent SMTP reply) or the owning area says it is gone (404), the row is {@code failed}
 * with the reason. A send that takes longer than a minute counts as failed, well inside the lease.
 */
final class Mailer {

  static final int BATCH = 20;
  private static final Duration LEASE = Duration.ofMinutes(5);
  private static final Duration SEND_TIMEOUT = Duration.ofMinutes(1);
  private static final Duration GIVE_UP_AFTER = Duration.ofDays(1);
  private static final Logger LOG = LoggerFactory.getLogger(Mailer.class);

  private final Db db;
  private final EventBus bus;
  private final MailClient mail;
  private final String from;
  private final String publicUrl;

  Mailer(Db db, EventBus bus, MailClient mail, String from, String publicUrl) {
    this.db = db;
    this.bus = bus;
    this.mail = mail;
    this.from = from;
    this.publicUrl = publicUrl;
  }

  /** One round; gives how many messages were sent. */
  Future<Integer> round() {
    return db.transaction(tx -> tx.fetch(Sql.DSL.selectFrom(EMAIL_MESSAGE)
            .where(EMAIL_MESSAGE.STATUS.eq(EmailStatus.queued)).and(EMAIL_MESSAGE.NEXT_ATTEMPT_AT.le(SqlTime.now()))
            .orderBy(EMAIL_MESSAGE.NEXT_ATTEMPT_AT).limit(BATCH).forUpdate().skipLocked())
        .compose(due -> due.isEmpty() ? Future.succeededFuture(due)
            : tx.update(Sql.DSL.update(EMAIL_MESSAGE).set(EMAIL_MESSAGE.NEXT_ATTEMPT_AT, SqlTime.nowPlus(LEASE))
                    .set(EMAIL_MESSAGE.ATTEMPTS, EMAIL_MESSAGE.ATTEMPTS.plus(1))
                    .where(EMAIL_MESSAGE.ID.in(due.stream().map(EmailMessageRecord::getId).toList())))
                .map(due)))
        .compose(due -> Future.all(due.stream().map(this::send).toList())
            .map(all -> (int) all.<Boolean>list().stream().filter(Boolean::booleanValue).count()));
  }

  private Future<Boolean> send(EmailMessageRecord message) {
    JsonObject params = new JsonObject(message.getParams().data());
    UUID subject = UUID.fromString(params.getString("id"));
    boolean booking = message.getTemplate().startsWith(Templates.BOOKING);
    // what the message needs is asked now, of the area that owns it: a spent link is never sent
    return (booking ? BookingClient.delivery(bus, subject)
            : IdentityClient.deliveryToken(bus, message.getTemplate(), subject))
        // gone (404: a spent reset, a purged booking) is final; anything else (an area restarting) is retried
        .recover(e -> Future.failedFuture(e instanceof ReplyException reply && reply.failureCode() == 404
            ? new Undeliverable("no longer deliverable: " + e.getMessage()) : e))
        .map(data -> {
          if (!Templates.stillTrue(message.getTemplate(), data)) {
            throw new Undeliverable("superseded: the booking is no longer what this message would say");
          }
          return data;
        })
        .map(data -> Templates.render(message.getTemplate(), data.put("timezone", params.getString("timezone")),
                publicUrl)
            .setFrom(from).setTo(List.of(message.getRecipient())))
        // well inside the lease, so no other instance takes the message over while this one still sends it
        .compose(letter -> mail.sendMail(letter).timeout(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
        .compose(sent -> db.update(Sql.DSL.update(EMAIL_MESSAGE).set(EMAIL_MESSAGE.STATUS, EmailStatus.sent)
            .set(EMAIL_MESSAGE.SENT_AT, SqlTime.now()).setNull(EMAIL_MESSAGE.LAST_ERROR)
            .where(stillOurs(message))).map(true))
        .recover(e -> failed(message, e).map(false));
  }

  private Future<Void> failed(EmailMessageRecord message, Throwable e) {
    String reason = String.valueOf(e.getMessage());
    boolean permanent = e instanceof Undeliverable || e instanceof SMTPException smtp && smtp.isPermanent();
    LOG.warn("mail {} ({}) to {} failed (attempt {}): {}", message.getId(), message.getTemplate(),
        message.getRecipient(), message.getAttempts() + 1, reason);
    var backoff = DSL.field("now() + least(interval '1 minute' * power(2, least({0}, 6)), interval '1 hour')",
        java.time.OffsetDateTime.class, EMAIL_MESSAGE.ATTEMPTS);
    var giveUp = EMAIL_MESSAGE.CREATED_AT.lt(SqlTime.nowPlus(GIVE_UP_AFTER.negated()));
    return db.update(Sql.DSL.update(EMAIL_MESSAGE)
            .set(EMAIL_MESSAGE.LAST_ERROR, reason.length() > 1000 ? reason.substring(0, 1000) : reason)
            .set(EMAIL_MESSAGE.STATUS, permanent ? DSL.inline(EmailStatus.failed)
                : DSL.when(giveUp, DSL.inline(EmailStatus.failed)).otherwise(DSL.inline(EmailStatus.queued)))
            .set(EMAIL_MESSAGE.NEXT_ATTEMPT_AT, backoff)
            .where(stillOurs(message)))
        .mapEmpty();
  }

  /** The row as this round claimed it: a late outcome never overwrites what another attempt did since. */
  private static org.jooq.Condition stillOurs(EmailMessageRecord message) {
    return EMAIL_MESSAGE.ID.eq(message.getId()).and(EMAIL_MESSAGE.STATUS.eq(EmailStatus.queued))
        .and(EMAIL_MESSAGE.ATTEMPTS.eq(message.getAttempts() + 1));
  }

  /** A message that will never go out as it is (its link is spent, or the server refused it for good). */
  private static final class Undeliverable extends RuntimeException {
    Undeliverable(String message) {
      super(message, null, false, false);
    }
  }
}
