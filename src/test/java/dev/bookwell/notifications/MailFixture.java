package dev.bookwell.notifications;

import com.icegreen.greenmail.Managers;
import com.icegreen.greenmail.imap.ImapHostManager;
import com.icegreen.greenmail.mail.MailAddress;
import com.icegreen.greenmail.server.AbstractServer;
import com.icegreen.greenmail.smtp.SmtpManager;
import com.icegreen.greenmail.smtp.SmtpState;
import com.icegreen.greenmail.user.UserManager;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real SMTP server (GreenMail) and reading what it received. */
final class MailFixture {

  private MailFixture() {
  }

  /**
   * GreenMail on loopback that refuses, with {@code 550 5.1.1}, every recipient whose address starts with
   * {@code refused-} (as a real server refuses an unknown mailbox); it takes everything else.
   */
  static GreenMail refusingServer(int port) {
    return new GreenMail(new ServerSetup[] {new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP)}) {
      @Override
      protected Map<String, AbstractServer> createServices(ServerSetup[] config, Managers real) {
        var refusing = new SmtpManager(real.getImapHostManager(), real.getUserManager()) {
          @Override
          public String checkRecipient(SmtpState state, MailAddress address) {
            return address.getEmail().startsWith("refused-") ? "550 5.1.1 No such mailbox here" : null;
          }
        };
        return super.createServices(config, new Managers() {
          @Override
          public SmtpManager getSmtpManager() {
            return refusing;
          }

          @Override
          public UserManager getUserManager() {
            return real.getUserManager();
          }

          @Override
          public ImapHostManager getImapHostManager() {
            return real.getImapHostManager();
          }
        });
      }
    };
  }

  static List<MimeMessage> mailsTo(GreenMail smtp, String recipient) {
    var found = new ArrayList<MimeMessage>();
    try {
      for (MimeMessage message : smtp.getReceivedMessages()) {
        if (message.getAllRecipients()[0].toString().equalsIgnoreCase(recipient)) {
          found.add(message);
        }
      }
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
    return found;
  }

  /** Waits up to 10 s for {@code count} mails to {@code recipient}; gives them all. */
  static List<MimeMessage> await(GreenMail smtp, String recipient, int count) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (mailsTo(smtp, recipient).size() < count && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    var mails = mailsTo(smtp, recipient);
    if (mails.size() < count) {
      throw new AssertionError("expected " + count + " mails to " + recipient + ", got " + mails.size());
    }
    return mails;
  }

  /** The decoded part of {@code mimeType} (text/plain or text/html). */
  static String part(MimeMessage mail, String mimeType) throws Exception {
    String found = find((Multipart) mail.getContent(), mimeType);
    if (found == null) {
      throw new AssertionError("no " + mimeType + " part");
    }
    return found;
  }

  private static String find(Multipart parts, String mimeType) throws Exception {
    for (int i = 0; i < parts.getCount(); i++) {
      var part = parts.getBodyPart(i);
      if (part.isMimeType(mimeType) && part.getFileName() == null) {
        return (String) part.getContent();
      }
      if (part.getContent() instanceof Multipart inner) {
        String found = find(inner, mimeType);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }
}
