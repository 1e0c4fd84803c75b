package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.db.Tables.REMINDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.bookwell.Bookwell;
import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Email over real SMTP (GreenMail on loopback): the reset and invitation mails arrive once, to the right person,
 * with a link whose token works; a redelivered event sends nothing more.
 */
class EmailTest {

  static GreenMail smtp;
  static TestApp app;
  static final Pattern TOKEN = Pattern.compile("token=([A-Za-z0-9_-]+)");

  @BeforeAll
  static void start() {
    int port = TestApp.freePort();
    smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    app = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_SMTP_URL", "smtp://127.0.0.1:" + port,
        "BOOKWELL_MAIL_POLL_INTERVAL", "100ms", "BOOKWELL_PUBLIC_URL", "https://book.example",
        "BOOKWELL_MAIL_FROM", "Bookwell <desk@book.example>"));
  }

  @AfterAll
  static void stop() {
    app.close();
    smtp.stop();
  }

  @Test
  void aRedeliveredEventMailsNothingAndTheResetLinkFromTheMailWorks() throws Exception {
    String email = IdentityFixture.uniqueEmail();
    var userId = IdentityFixture.register(app, email);
    assertEquals(202, app.call(HttpMethod.POST, "/v1/auth/password-reset", new JsonObject().put("email", email),
        null).statusCode());
    MimeMessage mail = awaitMailTo(email, 1);
    assertEquals("Reset your Bookwell password", mail.getSubject());
    String body = text(mail);
    assertTrue(body.contains("https://book.example/reset-password?token="), body);
    var token = TOKEN.matcher(body).results().findFirst().orElseThrow().group(1);
    // the event is looked at again by every round, on every instance: racing rounds queue and send nothing more
    var intake = new Intake(app.db, () -> new Audiences(app.db, app.vertx.eventBus()));
    Wait.on(io.vertx.core.Future.all(intake.round(), intake.round(), intake.round()));
    Thread.sleep(500);
    assertEquals(1, mailsTo(email), "one mail, however often the event comes");
    assertEquals(1, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTGOING_MESSAGE)
        .where(OUTGOING_MESSAGE.RECIPIENT.eq(email)))).value1());

    assertEquals(204, app.call(HttpMethod.POST, "/v1/auth/password-reset/confirm", new JsonObject()
        .put("token", token).put("password", "a-brand-new-password-42"), null).statusCode());
    assertEquals(200, IdentityFixture.loginStatus(app, email, "a-brand-new-password-42"));

    // a new event, raced for by three rounds at once (and the verticle's own): queued once
    assertEquals(202, app.call(HttpMethod.POST, "/v1/auth/password-reset", new JsonObject().put("email", email),
        null).statusCode());
    Wait.on(io.vertx.core.Future.all(intake.round(), intake.round(), intake.round()));
    awaitMailTo(email, 2);
    Thread.sleep(500);
    assertEquals(2, mailsTo(email));
    assertEquals(2, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTGOING_MESSAGE)
        .where(OUTGOING_MESSAGE.RECIPIENT.eq(email)))).value1());
  }

  @Test
  void theInvitationMailCarriesAWorkingAcceptLink() throws Exception {
    String owner = IdentityFixture.login(app, register(), IdentityFixture.PASSWORD).getString("accessToken");
    String organization = IdentityFixture.organization(app, owner);
    String invitee = IdentityFixture.uniqueEmail();
    assertEquals(201, app.call(HttpMethod.POST, "/v1/organizations/" + organization + "/invitations",
        new JsonObject().put("email", invitee).put("role", "staff"), owner).statusCode());
    String body = text(awaitMailTo(invitee, 1));
    var token = TOKEN.matcher(body).results().findFirst().orElseThrow().group(1);
    IdentityFixture.register(app, invitee);
    String inviteeToken = IdentityFixture.login(app, invitee, IdentityFixture.PASSWORD).getString("accessToken");
    assertEquals("staff", IdentityFixture.accept(app, token, inviteeToken).getString("role"));
  }

  @Test
  void aConfirmedBookingIsMailedWithItsCalendarEntryAndACancellationFollows() throws Exception {
    var world = new dev.bookwell.scheduling.World(app, "UTC");
    String service = world.service(new JsonObject().put("name", "Free check").put("priceMinor", 0));
    String slot = world.session(service, world.providerId, dev.bookwell.scheduling.World.at(3), 4);
    String email = register();
    String client = IdentityFixture.login(app, email, IdentityFixture.PASSWORD).getString("accessToken");
    var booked = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot), client);
    assertEquals(201, booked.statusCode(), booked.bodyAsString());
    String reference = booked.bodyAsJsonObject().getString("reference");

    MimeMessage confirmed = awaitMailTo(email, 1);
    assertEquals("Booking confirmed: " + reference, confirmed.getSubject());
    assertTrue(text(confirmed).contains("(UTC)"), "the time in the recipient's zone");
    assertTrue(attachment(confirmed).contains("BEGIN:VEVENT"), "the .ics is attached");

    assertEquals(200, app.call(HttpMethod.POST, "/v1/bookings/" + booked.bodyAsJsonObject().getString("id")
        + "/cancel", null, client).statusCode());
    awaitMailTo(email, 2);
    assertEquals(2, mailsTo(email));

    var guest = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
        .put("guest", new JsonObject().put("name", "Gail Guest").put("email", "gail@guest.example")), null);
    assertEquals(201, guest.statusCode(), guest.bodyAsString());
    String guestText = text(awaitMailTo("gail@guest.example", 1));
    assertTrue(guestText.contains("/bookings/" + guest.bodyAsJsonObject().getString("id") + "?token="
        + guest.bodyAsJsonObject().getString("accessToken")), "the guest's own view link: " + guestText);
  }

  @Test
  void remindersGoOutOnceAcrossRacingRoundsAndNeverForACancelledBooking() throws Exception {
    var world = new dev.bookwell.scheduling.World(app, "UTC");
    String service = world.service(new JsonObject().put("name", "Reminded").put("priceMinor", 0));
    String slot = world.session(service, world.providerId, dev.bookwell.scheduling.World.at(2), 4);
    String email = register();
    String client = IdentityFixture.login(app, email, IdentityFixture.PASSWORD).getString("accessToken");
    String kept = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot), client)
        .bodyAsJsonObject().getString("id");
    String later = world.session(service, world.providerId, dev.bookwell.scheduling.World.at(2).plusHours(2), 4);
    String cancelled = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", later), client)
        .bodyAsJsonObject().getString("id");
    dev.bookwell.support.Eventually.until("reminders scheduled",
        () -> reminders(kept) == 2 && reminders(cancelled) == 2);
    awaitMailTo(email, 2);  // both confirmations out before one is cancelled (else it would be superseded)
    assertEquals(200, app.call(HttpMethod.POST, "/v1/bookings/" + cancelled + "/cancel", null, client).statusCode());
    dev.bookwell.support.Eventually.until("reminders dropped", () -> Wait.on(app.db.fetchOne(Sql.DSL.selectCount()
        .from(REMINDER).where(REMINDER.BOOKING_ID.eq(java.util.UUID.fromString(cancelled)))
        .and(REMINDER.STATUS.eq(dev.bookwell.db.enums.ReminderStatus.dropped)))).value1() == 2);

    // time passes: every reminder is due; two rounds race for them, as two instances would
    Wait.on(app.db.update(Sql.DSL.update(REMINDER).set(REMINDER.DUE_AT, org.jooq.impl.DSL.field(
        "due_at - (starts_at - now())", java.time.OffsetDateTime.class))));
    Wait.on(io.vertx.core.Future.all(Reminders.round(app.db), Reminders.round(app.db)));
    awaitMailTo(email, 5);  // two confirmations, a cancellation, and the kept booking's two reminders
    Thread.sleep(500);
    long remindersMailed = java.util.Arrays.stream(smtp.getReceivedMessages()).filter(m -> {
      try {
        return m.getAllRecipients()[0].toString().equals(email) && m.getSubject().startsWith("Reminder:");
      } catch (jakarta.mail.MessagingException e) {
        throw new IllegalStateException(e);
      }
    }).count();
    assertEquals(2, remindersMailed, "the kept booking's two reminders, once each; none for the cancelled one");
  }

  @Test
  void aMovedGuestBookingIsMailedOnceWithTheGuestsOwnLink() throws Exception {
    var world = new dev.bookwell.scheduling.World(app, "UTC");
    String service = world.service(new JsonObject().put("name", "Movable").put("priceMinor", 0));
    String first = world.session(service, world.providerId, dev.bookwell.scheduling.World.at(4), 2);
    String second = world.session(service, world.providerId, dev.bookwell.scheduling.World.at(5), 2);
    String guest = "mover-" + java.util.UUID.randomUUID() + "@guest.example";
    var held = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", first)
        .put("guest", new JsonObject().put("name", "Mo Ver").put("email", guest)), null).bodyAsJsonObject();
    String token = held.getString("accessToken");
    awaitMailTo(guest, 1);
    var moved = Wait.on(app.client.request(HttpMethod.POST, "/v1/bookings/" + held.getString("id") + "/reschedule")
        .putHeader("X-Booking-Token", token).sendJsonObject(new JsonObject().put("slotId", second)));
    assertEquals(201, moved.statusCode(), moved.bodyAsString());
    awaitMailTo(guest, 2);
    Thread.sleep(500);
    var subjects = new java.util.ArrayList<String>();
    String movedText = null;
    for (MimeMessage m : smtp.getReceivedMessages()) {
      if (m.getAllRecipients()[0].toString().equals(guest)) {
        subjects.add(m.getSubject());
        if (m.getSubject().startsWith("Booking moved")) {
          movedText = text(m);
        }
      }
    }
    assertEquals(2, subjects.size(), "confirmed, then moved; no 'cancelled' for the move: " + subjects);
    assertTrue(movedText.contains("?token=" + token), "the guest's link still works after the move: " + movedText);
    assertEquals(200, Wait.on(app.client.request(HttpMethod.GET, "/v1/bookings/"
        + moved.bodyAsJsonObject().getString("id")).putHeader("X-Booking-Token", token).send()).statusCode());
  }

  @Test
  void aMessageOvertakenByEventsIsNotSent() {
    var world = new dev.bookwell.scheduling.World(app, "UTC");
    String service = world.service(new JsonObject().put("name", "Overtaken").put("priceMinor", 0));
    String slot = world.session(service, world.providerId, dev.bookwell.scheduling.World.at(6), 2);
    String client = world.userToken();
    String booking = dev.bookwell.scheduling.World.created(app.call(HttpMethod.POST, "/v1/bookings",
        new JsonObject().put("slotId", slot), client));
    // a "held" message still queued when the booking is already confirmed (e.g. queued late, SMTP was down)
    var stale = Wait.on(app.db.fetchOne(Sql.DSL.insertInto(OUTGOING_MESSAGE).set(OUTGOING_MESSAGE.EVENT_ID,
            java.util.UUID.randomUUID()).set(OUTGOING_MESSAGE.TEMPLATE, "booking-held")
        .set(OUTGOING_MESSAGE.PARAMS, org.jooq.JSONB.valueOf(new JsonObject().put("id", booking)
            .put("timezone", "UTC").encode()))
        .set(OUTGOING_MESSAGE.RECIPIENT, "stale@guest.example").returning(OUTGOING_MESSAGE.ID))).getId();
    dev.bookwell.support.Eventually.until("given up", () -> Wait.on(app.db.fetchOne(Sql.DSL
        .select(OUTGOING_MESSAGE.STATUS, OUTGOING_MESSAGE.LAST_ERROR).from(OUTGOING_MESSAGE)
        .where(OUTGOING_MESSAGE.ID.eq(stale)))).value1() == dev.bookwell.db.enums.MessageStatus.failed);
    assertEquals(0, java.util.Arrays.stream(smtp.getReceivedMessages()).filter(m -> {
      try {
        return m.getAllRecipients()[0].toString().equals("stale@guest.example");
      } catch (jakarta.mail.MessagingException e) {
        throw new IllegalStateException(e);
      }
    }).count(), "a confirmed booking is never announced as held");
  }

  private static int reminders(String bookingId) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(REMINDER)
        .where(REMINDER.BOOKING_ID.eq(java.util.UUID.fromString(bookingId))))).value1();
  }

  private static String attachment(MimeMessage mail) throws Exception {
    var parts = (jakarta.mail.Multipart) mail.getContent();
    for (int i = 0; i < parts.getCount(); i++) {
      var part = parts.getBodyPart(i);
      if (part.getFileName() != null && part.getFileName().endsWith(".ics")) {
        return new String(part.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError("no .ics attachment");
  }

  /** The decoded plain-text part (the HTML part carries the same link). */
  private static String text(MimeMessage mail) throws Exception {
    var parts = (jakarta.mail.Multipart) mail.getContent();
    for (int i = 0; i < parts.getCount(); i++) {
      if (parts.getBodyPart(i).isMimeType("text/plain")) {
        return (String) parts.getBodyPart(i).getContent();
      }
      if (parts.getBodyPart(i).getContent() instanceof jakarta.mail.Multipart inner) {
        for (int j = 0; j < inner.getCount(); j++) {
          if (inner.getBodyPart(j).isMimeType("text/plain")) {
            return (String) inner.getBodyPart(j).getContent();
          }
        }
      }
    }
    throw new AssertionError("no text part");
  }

  private static String register() {
    String email = IdentityFixture.uniqueEmail();
    IdentityFixture.register(app, email);
    return email;
  }

  private static MimeMessage awaitMailTo(String recipient, int count) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (mailsTo(recipient) < count && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    for (MimeMessage message : smtp.getReceivedMessages()) {
      if (message.getAllRecipients()[0].toString().equals(recipient)) {
        return message;
      }
    }
    throw new AssertionError("no mail to " + recipient);
  }

  private static long mailsTo(String recipient) throws Exception {
    long n = 0;
    for (MimeMessage message : smtp.getReceivedMessages()) {
      if (message.getAllRecipients()[0].toString().equals(recipient)) {
        n++;
      }
    }
    return n;
  }
}
