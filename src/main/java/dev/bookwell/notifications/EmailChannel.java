package dev.bookwell.notifications;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.mail.MailAttachment;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.SMTPException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Email over SMTP ({@code BOOKWELL_SMTP_URL}). A permanent reply (5xx) is a refusal; 550, 551 and 553 (and enhanced
 * codes 5.1.x) refuse the address itself. A send taking over {@link #SEND_TIMEOUT} counts as failed (well inside the
 * dispatcher's lease, so no other instance takes the message over while this one still sends it).
 */
final class EmailChannel implements Channel {

  static final Duration SEND_TIMEOUT = Duration.ofMinutes(1);
  private static final Set<Integer> ADDRESS_CODES = Set.of(550, 551, 553);

  private final MailClient mail;
  private final String from;

  EmailChannel(MailClient mail, String from) {
    this.mail = mail;
    this.from = from;
  }

  @Override
  public Future<String> send(Outgoing message) {
    return mail.sendMail(mail(from, message)).timeout(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .map(result -> "accepted for " + String.join(", ", result.getRecipients()))
        .recover(e -> Future.failedFuture(e instanceof SMTPException smtp && smtp.isPermanent()
            ? new Refused(e.getMessage(), ADDRESS_CODES.contains(smtp.getReplyCode())
                || String.valueOf(e.getMessage()).contains(" 5.1.")) : e));
  }

  /**
   * The email as it leaves: plain text and HTML parts, the calendar entry attached, and on mail one may leave the
   * RFC 8058 headers (a one-click POST to the unsubscribe link).
   */
  static MailMessage mail(String from, Outgoing message) {
    var letter = message.letter();
    var mail = new MailMessage().setFrom(from).setTo(List.of(message.recipient())).setSubject(letter.subject())
        .setText(letter.text()).setHtml(letter.html());
    var headers = MultiMap.caseInsensitiveMultiMap().add("X-Bookwell-Message-Id", message.id());
    if (letter.unsubscribe() != null) {
      headers.add("List-Unsubscribe", "<" + letter.unsubscribe() + ">")
          .add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    }
    mail.setHeaders(headers);
    if (message.calendar() != null) {
      mail.setAttachment(List.of(MailAttachment.create().setData(Buffer.buffer(message.calendar().ics()))
          .setContentType("text/calendar; charset=utf-8; method=PUBLISH").setName(message.calendar().name())));
    }
    return mail;
  }
}
