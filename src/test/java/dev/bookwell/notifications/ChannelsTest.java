package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;
import static dev.bookwell.notifications.MailFixture.await;
import static dev.bookwell.notifications.MailFixture.mailsTo;
import static dev.bookwell.notifications.MailFixture.part;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import dev.bookwell.Bookwell;
import dev.bookwell.db.enums.MessageStatus;
import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Channels, preferences, languages and who hears what, over real SMTP (GreenMail) and a real HTTP gateway for SMS
 * and push: each person gets what they chose, in their language; staff only what they opted in to; a refused
 * address is remembered; the organization sees its own log and nobody else's.
 */
class ChannelsTest {

  static final String SECRET = "gateway-secret-for-tests";
  static GreenMail smtp;
  static Vertx gatewayVertx;
  static HttpServer gateway;
  static final Queue<JsonObject> gatewayCalls = new ConcurrentLinkedQueue<>();
  static TestApp app;
  static World world;

  @BeforeAll
  static void start() {
    int smtpPort = TestApp.freePort();
    smtp = MailFixture.refusingServer(smtpPort);
    smtp.start();
    gatewayVertx = Vertx.vertx();
    gateway = Wait.on(gatewayVertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      var call = new JsonObject().put("path", request.path()).put("body", body.toString())
          .put("signature", request.getHeader("Bookwell-Signature"));
      gatewayCalls.add(call);
      // a gateway refuses a number it cannot serve: a 4xx is final
      request.response().setStatusCode(body.toJsonObject().getString("to").equals("+4930999999") ? 422 : 202)
          .end("{\"queued\":true}");
    })).listen(0, "127.0.0.1"));
    String gatewayUrl = "http://127.0.0.1:" + gateway.actualPort();
    app = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_SMTP_URL", "smtp://127.0.0.1:" + smtpPort,
        "BOOKWELL_MAIL_POLL_INTERVAL", "100ms", "BOOKWELL_PUBLIC_URL", "https://book.example",
        "BOOKWELL_SMS_URL", gatewayUrl + "/sms", "BOOKWELL_PUSH_URL", gatewayUrl + "/push",
        "BOOKWELL_CHANNEL_SECRET", SECRET));
    world = new World(app, "Europe/Berlin");
  }

  @AfterAll
  static void stop() {
    app.close();
    smtp.stop();
    gatewayVertx.close();
  }

  @Test
  void aGermanSpeakerGetsGermanMailInTheirZone() throws Exception {
    String token = world.userToken();
    var me = app.call(HttpMethod.PATCH, "/v1/me", new JsonObject().put("locale", "de")
        .put("timezone", "Europe/Berlin").put("name", "Greta Gast"), token);
    assertEquals(200, me.statusCode(), me.bodyAsString());
    assertEquals("de", me.bodyAsJsonObject().getString("locale"));
    assertEquals(400, app.call(HttpMethod.PATCH, "/v1/me", new JsonObject().put("locale", "xx"), token).statusCode());
    assertEquals(400, app.call(HttpMethod.PATCH, "/v1/me", new JsonObject().put("timezone", "Mars/Base"), token)
        .statusCode(), "a zone that does not exist is refused, not stored");
    String reference = book(freeService("Sprechstunde"), 3, token).getString("reference");
    var mail = await(smtp, email(token), 1).get(0);
    assertEquals("Buchung bestätigt: " + reference, mail.getSubject());
    String text = part(mail, "text/plain");
    assertTrue(text.startsWith("Hallo Greta Gast,"), text);
    assertTrue(text.contains("(MEZ)") || text.contains("(CET)"), "Berlin time: " + text);
    String html = part(mail, "text/html");
    assertTrue(html.contains("<html lang=\"de\">") && html.contains("Buchung ansehen"), html);
    assertTrue(text.contains("Von Bookwell im Auftrag von Clinic"), "the organization's name: " + text);
  }

  @Test
  void smsAndPushGoThroughTheSignedGatewayWhenChosen() throws Exception {
    String token = world.userToken();
    String userId = app.call(HttpMethod.GET, "/v1/me", null, token).bodyAsJsonObject().getString("id");
    assertEquals(200, app.call(HttpMethod.PATCH, "/v1/me", new JsonObject().put("phone", "+4930123456"), token)
        .statusCode());
    var chosen = app.call(HttpMethod.PUT, "/v1/me/notification-preferences", new JsonObject().put("channels",
        new JsonObject().put("booking", new JsonArray().add("sms").add("push"))), token);
    assertEquals(200, chosen.statusCode(), chosen.bodyAsString());
    assertEquals(new JsonArray().add("sms").add("push"), chosen.bodyAsJsonObject().getJsonObject("channels")
        .getJsonArray("booking"));
    String reference = book(freeService("Texted"), 4, token).getString("reference");

    Eventually.until("an SMS and a push", () -> calls(reference).size() == 2);
    for (JsonObject call : calls(reference)) {
      var body = new JsonObject(call.getString("body"));
      assertEquals(call.getString("path").equals("/sms") ? "+4930123456" : userId, body.getString("to"));
      assertTrue(body.getString("text").contains("https://book.example/bookings/"), body.encode());
      String[] parts = call.getString("signature").split(",");
      long t = Long.parseLong(parts[0].substring(2));
      assertEquals(SecretTokens.signatureHeader(SECRET.getBytes(StandardCharsets.UTF_8), t, call.getString("body")),
          call.getString("signature"), "signed over the raw body");
    }
    Eventually.until("both logged as sent, first time", () -> Wait.on(app.db.fetch(Sql.DSL.selectFrom(OUTGOING_MESSAGE)
        .where(OUTGOING_MESSAGE.RECIPIENT.in("+4930123456", userId)))).stream()
        .filter(m -> m.getStatus() == MessageStatus.sent && m.getAttempts() == 1).count() == 2);
    assertEquals(0, mailsTo(smtp, email(token)).size(), "email was not chosen for bookings");

    // a number the gateway refuses (4xx): failed at once with its answer, not retried
    assertEquals(200, app.call(HttpMethod.PATCH, "/v1/me", new JsonObject().put("phone", "+4930999999"), token)
        .statusCode());
    book(freeService("Refused SMS"), 5, token);
    Eventually.until("the refusal logged", () -> Wait.on(app.db.fetch(Sql.DSL.selectFrom(OUTGOING_MESSAGE)
        .where(OUTGOING_MESSAGE.RECIPIENT.eq("+4930999999")))).stream()
        .anyMatch(m -> m.getStatus() == MessageStatus.failed && m.getAttempts() == 1
            && m.getLastError().contains("422")));
  }

  @Test
  void preferencesSilenceAChannelButAccountMailAlwaysGoesOut() throws Exception {
    String token = world.userToken();
    String email = email(token);
    assertEquals(400, app.call(HttpMethod.PUT, "/v1/me/notification-preferences", new JsonObject().put("channels",
        new JsonObject().put("account", new JsonArray())), token).statusCode(), "account mail cannot be turned off");
    assertEquals(400, app.call(HttpMethod.PUT, "/v1/me/notification-preferences", new JsonObject().put("channels",
        new JsonObject().put("booking", new JsonArray().add("pigeon"))), token).statusCode());
    assertEquals(200, app.call(HttpMethod.PUT, "/v1/me/notification-preferences", new JsonObject().put("channels",
        new JsonObject().put("booking", new JsonArray().add("in_app"))), token).statusCode());
    assertEquals(200, app.call(HttpMethod.PUT, "/v1/me/notification-preferences", new JsonObject().put("channels",
        new JsonObject().put("payment", new JsonArray().add("email").add("in_app"))), token).statusCode());
    var prefs = app.call(HttpMethod.GET, "/v1/me/notification-preferences", null, token).bodyAsJsonObject();
    assertEquals(new JsonArray().add("email"), prefs.getJsonObject("channels").getJsonArray("account"));
    assertEquals(new JsonArray().add("email"), prefs.getJsonObject("channels").getJsonArray("reminder"),
        "categories never named keep their defaults");
    assertEquals(new JsonArray().add("in_app"), prefs.getJsonObject("channels").getJsonArray("booking"),
        "a second choice merges with the first");

    book(freeService("Quiet"), 6, token);
    Eventually.until("in the inbox", () -> app.call(HttpMethod.GET, "/v1/me/notifications/unread-count", null,
        token).bodyAsJsonObject().getInteger("unread") == 1);
    assertEquals(202, app.call(HttpMethod.POST, "/v1/auth/password-reset", new JsonObject().put("email", email),
        null).statusCode());
    var mails = await(smtp, email, 1);
    Thread.sleep(300);
    assertEquals(1, mailsTo(smtp, email).size());
    assertEquals("Reset your Bookwell password", mails.get(0).getSubject(), "only the reset: bookings are in-app");
  }

  @Test
  void theProviderAndOptedInStaffHearOfBookingsAndCanLeaveWithOneClick() throws Exception {
    var clinic = new World(app, "Europe/Berlin");
    String owner = email(clinic.owner);
    String provider = email(clinic.providerToken);
    assertEquals(1, await(smtp, provider, 1).stream().filter(m -> subject(m).equals(
        "Your provider profile is approved")).count(), "the provider heard of the approval");
    String staffEmail = IdentityFixture.uniqueEmail();
    IdentityFixture.register(app, staffEmail);
    String staff = IdentityFixture.login(app, staffEmail, IdentityFixture.PASSWORD).getString("accessToken");
    String invitation = IdentityFixture.invite(app, clinic.organizationId, clinic.owner, staffEmail,
        new JsonObject().put("role", "staff").put("permissions", new JsonArray().add("manage_bookings")));
    IdentityFixture.accept(app, invitation, staff);
    // a staff member opts in; the owner does not
    assertEquals(200, app.call(HttpMethod.PUT, "/v1/me/notification-preferences", new JsonObject().put("channels",
        new JsonObject().put("staff_bookings", new JsonArray().add("email"))), staff).statusCode());

    String service = clinic.service(new JsonObject().put("name", "Staffed").put("priceMinor", 0));
    String client = world.userToken();
    String reference = book(clinic, service, 7, client).getString("reference");
    var toStaff = await(smtp, staffEmail, 1).stream().filter(m -> subject(m).startsWith("New booking " + reference))
        .findFirst().orElseThrow();
    assertTrue(await(smtp, provider, 2).stream().anyMatch(m -> subject(m).startsWith("New booking " + reference)),
        "the provider hears of their own bookings");
    String unsubscribe = toStaff.getHeader("List-Unsubscribe")[0];
    assertEquals("List-Unsubscribe=One-Click", toStaff.getHeader("List-Unsubscribe-Post")[0]);
    assertTrue(unsubscribe.startsWith("<https://book.example/v1/unsubscribe?token="), unsubscribe);
    assertTrue(part(toStaff, "text/plain").contains("https://book.example/unsubscribe?token="),
        "the link in the text opens the page that asks first");

    // one click: the POST a mail client sends (RFC 8058); a forged token changes nothing
    String path = unsubscribe.substring("<https://book.example".length(), unsubscribe.length() - 1);
    assertEquals(400, app.call(HttpMethod.POST, path.replace("token=", "token=x"), null, null).statusCode());
    var left = Wait.on(app.client.request(HttpMethod.POST, path).putHeader("Content-Type",
        "application/x-www-form-urlencoded").sendBuffer(io.vertx.core.buffer.Buffer.buffer(
        "List-Unsubscribe=One-Click")));
    assertEquals(200, left.statusCode(), left.bodyAsString());
    assertEquals("staff_bookings", left.bodyAsJsonObject().getString("category"));
    assertTrue(app.call(HttpMethod.GET, path, null, null).bodyAsJsonObject().getBoolean("unsubscribed"));
    assertEquals(new JsonArray(), app.call(HttpMethod.GET, "/v1/me/notification-preferences", null, staff)
        .bodyAsJsonObject().getJsonObject("channels").getJsonArray("staff_bookings"), "shown as left");

    String second = book(clinic, service, 8, client).getString("reference");
    assertTrue(await(smtp, provider, 3).stream().anyMatch(m -> subject(m).startsWith("New booking " + second)));
    Eventually.until("the second booking's messages all sent", () -> Wait.on(app.db.fetch(Sql.DSL
        .selectFrom(OUTGOING_MESSAGE).where(OUTGOING_MESSAGE.ORGANIZATION_ID.eq(java.util.UUID.fromString(
            clinic.organizationId))))).stream().noneMatch(m -> m.getStatus() == MessageStatus.queued));
    assertEquals(1, mailsTo(smtp, staffEmail).stream().filter(m -> subject(m).startsWith("New booking")).count(),
        "unsubscribed: no more");
    assertEquals(0, mailsTo(smtp, owner).stream().filter(m -> subject(m).startsWith("New booking")).count(),
        "an owner who did not opt in hears of no booking");

    // choosing email again takes the address off the list
    assertEquals(new JsonArray().add("email"), app.call(HttpMethod.PUT, "/v1/me/notification-preferences",
        new JsonObject().put("channels", new JsonObject().put("staff_bookings", new JsonArray().add("email"))), staff)
        .bodyAsJsonObject().getJsonObject("channels").getJsonArray("staff_bookings"));
    assertTrue(!app.call(HttpMethod.GET, path, null, null).bodyAsJsonObject().getBoolean("unsubscribed"));

    // the organization's log: its own rows, phone numbers masked; a stranger with an organization of their own
    // sees none of it
    var page = app.call(HttpMethod.GET, "/v1/organizations/" + clinic.organizationId + "/messages?channel=email",
        null, staff);
    assertEquals(200, page.statusCode(), page.bodyAsString());
    assertTrue(page.bodyAsJsonObject().getJsonArray("items").stream().map(JsonObject.class::cast)
        .anyMatch(m -> m.getString("template").equals("staff-booking-new") && m.getString("status").equals("sent")
            && m.getString("recipient").equals(provider)));
    String stranger = world.userToken();
    IdentityFixture.organization(app, stranger);
    assertEquals(403, app.call(HttpMethod.GET, "/v1/organizations/" + clinic.organizationId + "/messages", null,
        stranger).statusCode());
    assertEquals(403, app.call(HttpMethod.PUT, "/v1/organizations/" + clinic.organizationId
        + "/notification-settings", new JsonObject().put("staffEvents", new JsonArray()), stranger).statusCode());
    assertEquals(new JsonArray().add("booking.cancelled").add("booking.confirmed"), app.call(HttpMethod.GET,
        "/v1/organizations/" + clinic.organizationId + "/notification-settings", null, clinic.owner)
        .bodyAsJsonObject().getJsonArray("staffEvents"), "the victim's settings unchanged");
  }

  @Test
  void anOrganizationNameCannotAddHeadersToMail() throws Exception {
    String owner = world.userToken();
    String organization = World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject()
        .put("kind", "clinic").put("name", "Acme\r\nBcc: victim@evil.example").put("timezone", "UTC")
        .put("currency", "EUR"), owner));
    String invitee = IdentityFixture.uniqueEmail();
    assertEquals(201, app.call(HttpMethod.POST, "/v1/organizations/" + organization + "/invitations",
        new JsonObject().put("email", invitee).put("role", "staff"), owner).statusCode());
    var mail = await(smtp, invitee, 1).get(0);
    assertEquals("You are invited to join Acme Bcc: victim@evil.example on Bookwell", mail.getSubject(),
        "the subject stays one line");
    assertNull(mail.getHeader("Bcc"));
    Thread.sleep(300);
    assertEquals(0, mailsTo(smtp, "victim@evil.example").size());
  }

  /**
   * An address is a bare address: vertx-mail writes a display name into the To header as it is, bare line feeds
   * included, so a guest's or invitee's "address" carrying one would add headers to the platform's mail. Refused
   * where it is given (400), so no mail is ever made for it.
   */
  @Test
  void anAddressCannotAddHeadersToMail() throws Exception {
    String injected = "x\nreply-to: attacker@evil.example <victim@example.com>";
    String service = freeService("Injected");
    var hold = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        world.session(service, world.providerId, at(11), 2)).put("guest", new JsonObject().put("name", "X")
        .put("email", injected)), null);
    assertEquals(400, hold.statusCode(), hold.bodyAsString());
    assertEquals("guest.email", hold.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
    String owner = world.userToken();
    String organization = World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject()
        .put("kind", "clinic").put("name", "Inviting").put("timezone", "UTC").put("currency", "EUR"), owner));
    for (String bad : java.util.List.of(injected, "Victim <victim@example.com>", "victim@example.com (x)")) {
      assertEquals(400, app.call(HttpMethod.POST, "/v1/organizations/" + organization + "/invitations",
          new JsonObject().put("email", bad).put("role", "staff"), owner).statusCode(), bad);
    }
    Thread.sleep(300);
    assertEquals(0, mailsTo(smtp, "victim@example.com").size());
  }

  @Test
  void anAddressRefusedForGoodIsRememberedAndLaterMailToItSkipped() throws Exception {
    String service = freeService("Bounced");
    String refused = "refused-" + java.util.UUID.randomUUID() + "@guest.example";
    for (int day : new int[] {9, 10}) {
      assertEquals(201, app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
          world.session(service, world.providerId, at(day), 2)).put("guest", new JsonObject().put("name", "Ref Used")
          .put("email", refused)), null).statusCode());
      if (day == 9) {
        Eventually.until("bounced", () -> statuses(refused).contains(MessageStatus.bounced));
      }
    }
    Eventually.until("the second skipped", () -> statuses(refused).equals(java.util.List.of(MessageStatus.bounced,
        MessageStatus.skipped)));
    assertEquals(0, mailsTo(smtp, refused).size());
    String metrics = app.call(HttpMethod.GET, "/metrics", null, null).bodyAsString();
    assertTrue(metrics.contains("bookwell_notifications_messages_total{channel=\"email\",outcome=\"bounced\"}"),
        "counted by channel and outcome");
    assertEquals(404, app.call(HttpMethod.GET, "/v1/dev/mailbox", null, null).statusCode(),
        "no demo mailbox where mail really goes out");
  }

  @Test
  void aFailedCardAndARefundAreTold() throws Exception {
    String token = world.userToken();
    String service = world.service(new JsonObject().put("name", "Paid check").put("priceMinor", 3000));
    var held = book(service, 11, token);
    String id = held.getString("id");
    assertEquals("failed", app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/fail", null, token)
        .bodyAsJsonObject().getString("status"));
    String email = email(token);
    var failed = await(smtp, email, 2).stream().filter(m -> subject(m).startsWith("Payment failed")).findFirst()
        .orElseThrow();
    assertTrue(part(failed, "text/plain").contains("€30.00"), part(failed, "text/plain"));
    assertEquals("captured", app.call(HttpMethod.POST, "/v1/dev/payments/" + id + "/succeed", null, token)
        .bodyAsJsonObject().getString("status"));
    assertEquals(200, app.call(HttpMethod.POST, "/v1/bookings/" + id + "/cancel", null, token).statusCode());
    Eventually.until("refund mail", () -> mailsTo(smtp, email).stream()
        .anyMatch(m -> subject(m).equals("Refund made: €30.00 for " + held.getString("reference"))));
  }

  @Test
  void theWaitlistHookTellsThePersonOfferedASeat() throws Exception {
    String token = world.userToken();
    var held = book(world.service(new JsonObject().put("name", "Waitlisted").put("priceMinor", 2000)), 12, token);
    // the waitlist (issue 17) will publish this event when it holds a freed seat for the first in line
    Wait.on(app.db.transaction(tx -> dev.bookwell.platform.outbox.Outbox.append(tx, "waitlist.offered", "booking",
        held.getString("id"), new JsonObject().put("bookingId", held.getString("id")))));
    var offer = await(smtp, email(token), 2).stream().filter(m -> subject(m).startsWith("A seat is free for you"))
        .findFirst().orElseThrow();
    assertTrue(part(offer, "text/plain").contains("/bookings/" + held.getString("id")), part(offer, "text/plain"));
  }

  private static java.util.List<MessageStatus> statuses(String recipient) {
    return Wait.on(app.db.fetch(Sql.DSL.select(OUTGOING_MESSAGE.STATUS).from(OUTGOING_MESSAGE)
            .where(OUTGOING_MESSAGE.RECIPIENT.eq(recipient)).orderBy(OUTGOING_MESSAGE.CREATED_AT)))
        .stream().map(r -> r.value1()).toList();
  }

  private static java.util.List<JsonObject> calls(String reference) {
    return gatewayCalls.stream().filter(c -> c.getString("body").contains(reference)).toList();
  }

  private static String subject(jakarta.mail.internet.MimeMessage mail) {
    try {
      return mail.getSubject();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String email(String token) {
    return app.call(HttpMethod.GET, "/v1/me", null, token).bodyAsJsonObject().getString("email");
  }

  private static String freeService(String name) {
    return world.service(new JsonObject().put("name", name).put("priceMinor", 0));
  }

  private static JsonObject book(String service, int days, String token) {
    return book(world, service, days, token);
  }

  private static JsonObject book(World in, String service, int days, String token) {
    var booked = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId",
        in.session(service, in.providerId, at(days), 2)), token);
    assertEquals(201, booked.statusCode(), booked.bodyAsString());
    return booked.bodyAsJsonObject();
  }
}
