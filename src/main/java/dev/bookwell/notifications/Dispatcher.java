package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.EMAIL_SUPPRESSION;
import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;

import dev.bookwell.db.enums.MessageStatus;
import dev.bookwell.db.tables.records.OutgoingMessageRecord;
import dev.bookwell.platform.Rounds;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what is due from the message log, whatever the channel. A round claims up to {@link #BATCH} due rows with
 * {@code FOR UPDATE SKIP LOCKED} and leases them (moves their next attempt five minutes on) in one short
 * transaction, so several instances never send one twice and a crash mid-send only delays a message. Then each is
 * composed ({@link Letters}) and handed to its channel with no connection held. A failure is retried with
 * exponential backoff ({@code retryBase} doubled per attempt, at most an hour apart) for a day; then, or at once
 * when the far end refuses for good, the row is {@code failed} with the reason; a refused address is
 * {@code bounced} and remembered, and later mail to it is {@code skipped}. Every outcome is counted per channel
 * ({@code bookwell_notifications_messages_total{channel, outcome}}).
 */
final class Dispatcher {

  static final int BATCH = 20;
  private static final Duration LEASE = Duration.ofMinutes(5);
  private static final Duration GIVE_UP_AFTER = Duration.ofDays(1);
  private static final Duration SUPPRESSION = Duration.ofDays(30);
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  private final Db db;
  private final Map<String, Channel> channels;
  private final Letters letters;
  private final Duration retryBase;
  private final MeterRegistry metrics;

  Dispatcher(Db db, Map<String, Channel> channels, Letters letters, Duration retryBase, MeterRegistry metrics) {
    this.db = db;
    this.channels = channels;
    this.letters = letters;
    this.retryBase = retryBase;
    this.metrics = metrics;
  }

  /** One round: batches while they come full, at most 10; gives how many messages were sent. */
  Future<Integer> round() {
    return Rounds.whileFull(10, BATCH, this::batch);
  }

  /** One batch: how many were due, and how many of them were sent. */
  private Future<Rounds.Batch> batch() {
    return db.transaction(tx -> tx.fetch(Sql.DSL.selectFrom(OUTGOING_MESSAGE)
            .where(OUTGOING_MESSAGE.STATUS.eq(MessageStatus.queued))
            .and(OUTGOING_MESSAGE.NEXT_ATTEMPT_AT.le(SqlTime.now()))
            .orderBy(OUTGOING_MESSAGE.NEXT_ATTEMPT_AT).limit(BATCH).forUpdate().skipLocked())
        .compose(due -> due.isEmpty() ? Future.succeededFuture(due)
            : tx.update(Sql.DSL.update(OUTGOING_MESSAGE)
                    .set(OUTGOING_MESSAGE.NEXT_ATTEMPT_AT, SqlTime.nowPlus(LEASE))
                    .set(OUTGOING_MESSAGE.ATTEMPTS, OUTGOING_MESSAGE.ATTEMPTS.plus(1))
                    .where(OUTGOING_MESSAGE.ID.in(due.stream().map(OutgoingMessageRecord::getId).toList())))
                .map(due)))
        .compose(due -> Future.all(due.stream().map(this::send).toList())
            .map(all -> new Rounds.Batch(due.size(),
                (int) all.<Boolean>list().stream().filter(Boolean::booleanValue).count())));
  }

  private Future<Boolean> send(OutgoingMessageRecord row) {
    return suppressed(row).compose(reason -> reason != null
        ? finish(row, MessageStatus.skipped, "skipped: the address refused mail before (" + reason + ")")
            .map(false)
        : letters.compose(row)
            .compose(outgoing -> channels.get(row.getChannel()).send(outgoing))
            // only the send's outcome decides: a failure to record a success never sends the message again
            .transform(sent -> sent.succeeded() ? finish(row, MessageStatus.sent, null).map(true)
                : failed(row, sent.cause()).map(false)));
  }

  /**
   * Why the row's address is not mailed any more, or null. A refusal is remembered for {@link #SUPPRESSION}: a
   * mailbox that comes back (or a refusal that was the server's mistake) gets mail again after that.
   */
  private Future<String> suppressed(OutgoingMessageRecord row) {
    return !row.getChannel().equals(Preferences.EMAIL) ? Future.succeededFuture(null)
        : db.fetchOptional(Sql.DSL.select(EMAIL_SUPPRESSION.REASON).from(EMAIL_SUPPRESSION)
                .where(EMAIL_SUPPRESSION.ADDRESS.eq(Unsubscribes.normal(row.getRecipient())))
                .and(EMAIL_SUPPRESSION.CREATED_AT.gt(SqlTime.nowPlus(SUPPRESSION.negated()))))
            .map(found -> found.map(r -> r.value1()).orElse(null));
  }

  private Future<Void> finish(OutgoingMessageRecord row, MessageStatus status, String reason) {
    var update = Sql.DSL.update(OUTGOING_MESSAGE).set(OUTGOING_MESSAGE.STATUS, status)
        .set(OUTGOING_MESSAGE.LAST_ERROR, Channel.excerpt(reason));
    if (status == MessageStatus.sent) {
      update.set(OUTGOING_MESSAGE.SENT_AT, SqlTime.now());
    }
    return db.update(update.where(stillOurs(row))).map(changed -> {
      if (changed == 1) {
        count(row, status.getLiteral());
      }
      return null;
    });
  }

  private Future<Void> failed(OutgoingMessageRecord row, Throwable e) {
    String reason = Channel.excerpt(String.valueOf(e.getMessage()));
    if (e instanceof Channel.NotSent) {
      return finish(row, MessageStatus.skipped, reason);
    }
    LOG.warn("{} {} ({}) to {} failed (attempt {}): {}", row.getChannel(), row.getId(), row.getTemplate(),
        row.getRecipient(), row.getAttempts() + 1, reason);
    if (e instanceof Channel.Refused refused) {
      return refused.addressRefused()
          ? db.transaction(tx -> tx.update(Sql.DSL.insertInto(EMAIL_SUPPRESSION)
                  .set(EMAIL_SUPPRESSION.ADDRESS, Unsubscribes.normal(row.getRecipient()))
                  .set(EMAIL_SUPPRESSION.REASON, reason).onConflictDoNothing()))
              .compose(x -> finish(row, MessageStatus.bounced, reason))
          : finish(row, MessageStatus.failed, reason);
    }
    // attempts counts this one already: the first retry waits retryBase, then twice that, and so on
    var backoff = DSL.field("now() + least(interval '1 millisecond' * {0} * power(2, least({1} - 1, 10)), "
        + "interval '1 hour')", java.time.OffsetDateTime.class, DSL.val(retryBase.toMillis()),
        OUTGOING_MESSAGE.ATTEMPTS);
    var giveUp = OUTGOING_MESSAGE.CREATED_AT.lt(SqlTime.nowPlus(GIVE_UP_AFTER.negated()));
    return db.fetchOptional(Sql.DSL.update(OUTGOING_MESSAGE)
            .set(OUTGOING_MESSAGE.LAST_ERROR, reason)
            .set(OUTGOING_MESSAGE.STATUS, DSL.when(giveUp, DSL.inline(MessageStatus.failed))
                .otherwise(DSL.inline(MessageStatus.queued)))
            .set(OUTGOING_MESSAGE.NEXT_ATTEMPT_AT, backoff)
            .where(stillOurs(row)).returning(OUTGOING_MESSAGE.STATUS))
        .map(updated -> {
          updated.ifPresent(r -> count(row, r.getStatus() == MessageStatus.failed ? "failed" : "retried"));
          return null;
        });
  }

  /** sent, failed, bounced, skipped (final) or retried (an attempt that failed and will be tried again). */
  private void count(OutgoingMessageRecord row, String outcome) {
    Counter.builder("bookwell.notifications.messages").description("Message attempts by channel and outcome")
        .tag("channel", row.getChannel()).tag("outcome", outcome).register(metrics).increment();
  }

  /** The row as this round claimed it: a late outcome never overwrites what another attempt did since. */
  private static Condition stillOurs(OutgoingMessageRecord row) {
    return OUTGOING_MESSAGE.ID.eq(row.getId()).and(OUTGOING_MESSAGE.STATUS.eq(MessageStatus.queued))
        .and(OUTGOING_MESSAGE.ATTEMPTS.eq(row.getAttempts() + 1));
  }

}
