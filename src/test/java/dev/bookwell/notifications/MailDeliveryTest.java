package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import dev.bookwell.Bookwell;
import dev.bookwell.db.enums.MessageStatus;
import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Mail when SMTP is away: retried until the server is back; and the demo mailbox when there is none at all. */
class MailDeliveryTest {

  @Test
  void anSmtpServerThatIsDownIsRetriedUntilItIsBack() throws Exception {
    int port = TestApp.freePort();  // nothing listens here yet
    var app = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_SMTP_URL", "smtp://127.0.0.1:" + port,
        "BOOKWELL_MAIL_POLL_INTERVAL", "100ms", "BOOKWELL_MAIL_RETRY_BASE", "300ms"));
    GreenMail smtp = null;
    try {
      String email = IdentityFixture.uniqueEmail();
      IdentityFixture.register(app, email);
      assertEquals(202, app.call(HttpMethod.POST, "/v1/auth/password-reset", new JsonObject().put("email", email),
          null).statusCode());
      Eventually.until("tried, failed, queued again", () -> Wait.on(app.db.fetchOptional(Sql.DSL
              .selectFrom(OUTGOING_MESSAGE).where(OUTGOING_MESSAGE.RECIPIENT.eq(email))))
          .filter(m -> m.getStatus() == MessageStatus.queued && m.getAttempts() >= 2 && m.getLastError() != null)
          .isPresent());
      smtp = MailFixture.refusingServer(port);
      smtp.start();
      var mail = MailFixture.await(smtp, email, 1).get(0);
      assertEquals("Reset your Bookwell password", mail.getSubject());
      // the server has the mail; the log says so once the send's answer is recorded
      Eventually.until("logged as sent", () -> Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(OUTGOING_MESSAGE)
          .where(OUTGOING_MESSAGE.RECIPIENT.eq(email)))).getStatus() == MessageStatus.sent);
      var row = Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(OUTGOING_MESSAGE)
          .where(OUTGOING_MESSAGE.RECIPIENT.eq(email))));
      // the first attempt failed and was recorded; a later one (the one in flight as the server came up, or after)
      assertTrue(row.getAttempts() >= 2, "the attempts are counted: " + row.getAttempts());
      Thread.sleep(500);
      assertEquals(1, MailFixture.mailsTo(smtp, email).size(), "sent once");
    } finally {
      app.close();
      if (smtp != null) {
        smtp.stop();
      }
    }
  }

  @Test
  void withoutSmtpTheDemoMailboxShowsWhatWasSentLinksIncluded() throws Exception {
    var dataDir = Files.createTempDirectory("bookwell-mailbox");
    var app = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_DEV_MAILBOX", "true",
        "BOOKWELL_DATA_DIR", dataDir.toString(), "BOOKWELL_MAIL_POLL_INTERVAL", "100ms"));
    try {
      String email = IdentityFixture.uniqueEmail();
      IdentityFixture.register(app, email);
      assertEquals(202, app.call(HttpMethod.POST, "/v1/auth/password-reset", new JsonObject().put("email", email),
          null).statusCode());
      Eventually.until("in the mailbox", () -> app.call(HttpMethod.GET, "/v1/dev/mailbox?to=" + email, null, null)
          .bodyAsJsonObject().getJsonArray("items").size() == 1);
      var mail = app.call(HttpMethod.GET, "/v1/dev/mailbox?to=" + email, null, null).bodyAsJsonObject()
          .getJsonArray("items").getJsonObject(0);
      assertEquals("Reset your Bookwell password", mail.getString("subject"));
      var token = EmailTest.TOKEN.matcher(mail.getString("text")).results().findFirst().orElseThrow().group(1);
      assertEquals(204, app.call(HttpMethod.POST, "/v1/auth/password-reset/confirm", new JsonObject()
          .put("token", token).put("password", "a-brand-new-password-42"), null).statusCode(),
          "the link from the mailbox works");
      try (var files = Files.list(dataDir.resolve("mailbox"))) {
        assertEquals(1, files.count(), "one file per mail, under the data dir");
      }
    } finally {
      app.close();
    }
  }
}
