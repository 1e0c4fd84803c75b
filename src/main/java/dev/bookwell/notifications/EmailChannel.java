package dev.bookwell.notifications;

import dev.bookwell.platform.api.EmailAddresses;
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
import java.util.regex.Pattern;

/**
 * Email over SMTP ({@code BOOKWELL_SMTP_URL}). A permanent reply (5xx) is a refusal of this message, and an enhanced
 * status 5.1.1, 5.1.2, 5.1.3 or 5.1.10 (no such mailbox or domain, bad address) a refusal of the address itself. A
 * refusal about us rather than the message (530/535, 5.7.x: authentication, relaying, policy) is retried like a
 * transient failure: it is a configuration to fix, and the mail must not be lost meanwhile. A send taking over
 * {@link #SEND_TIMEOUT} counts as failed (well inside the dispatcher's lease, so no other instance takes the message
 * over while this one still sends it).
 */
final class EmailChannel implements Channel {

  static final Duration SEND_TIMEOUT = Duration.ofMinutes(1);
  /** Enhanced status codes (RFC 3463) read from the reply text: vertx-mail keeps its parsed detail in a shared enum. */
  private static final Pattern ADDRESS_STATUS = Pattern.compile("^5\\.1\\.(1|2|3|10)\\b");
  private static final Pattern SECURITY_STATUS = Pattern.compile("^5\\.7\\.");
  private static final Set<Integer> ABOUT_US = Set.of(530, 535);

  private final MailClient mail;
  private final String from;

  EmailChannel(MailClient mail, String from) {
    this.mail = mail;
    this.from = from;
  }

  @Override
  public Future<String> send(Outgoing message) {
    if (!EmailAddresses.valid(message.recipient())) {  // taken before addresses were checked as they are now
      // refused, not remembered as a bad address: an account taken under the looser rule before keeps its mail
      // once its address is corrected
      return Future.failedFuture(new Refused("the recipient is not an address mail is sent to", false));
    }
    return mail.sendMail(mail(from, message)).timeout(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .map(result -> "accepted for " + String.join(", ", result.getRecipients()))
        .recover(e -> Future.failedFuture(e instanceof SMTPException smtp && refused(smtp)
            ? new Refused(e.getMessage(), addressRefused(smtp)) : e));
  }

  private static boolean refused(SMTPException smtp) {
    return smtp.isPermanent() && !ABOUT_US.contains(smtp.getReplyCode()) && !status(smtp, SECURITY_STATUS);
  }

  private static boolean addressRefused(SMTPException smtp) {
    return status(smtp, ADDRESS_STATUS);
  }

  private static boolean status(SMTPException smtp, Pattern code) {
    return smtp.getReplyMessages().stream().anyMatch(line -> code.matcher(line.replaceFirst("^\\d{3}[ -]", "")
        .strip()).find());
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
