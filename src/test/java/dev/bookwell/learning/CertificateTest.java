package dev.bookwell.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lowagie.text.pdf.PdfReader;
import com.lowagie.text.pdf.parser.PdfTextExtractor;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A completed course earns one certificate: a real PDF, verifiable publicly, revocable by staff. */
class CertificateTest {

  static TestApp app;
  static World world;
  static LearningFixture learning;

  @BeforeAll
  static void start() {
    try {
      app = TestApp.start(dev.bookwell.Bookwell.CONTRACT, java.util.Map.of("BOOKWELL_DEV_MAILBOX", "true",
          "BOOKWELL_DATA_DIR", java.nio.file.Files.createTempDirectory("bookwell-certificates").toString(),
          "BOOKWELL_MAIL_POLL_INTERVAL", "200ms"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    world = new World(app, "UTC");
    learning = new LearningFixture(app, world);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aCompletedCourseEarnsOneVerifiableCertificate() throws Exception {
    String course = learning.course("Basic life support", "self_paced", new JsonObject().put("validityYears", 2));
    String lesson = learning.lesson(course, learning.section(course), "text", new JsonObject());
    learning.publish(course);
    String learner = world.userToken();
    String name = learning.call(HttpMethod.PATCH, "/v1/me", new JsonObject().put("name", "Grace Hopper"), learner,
        200).getString("name");
    String enrollment = learning.enroll(course, learner);
    learning.call(HttpMethod.POST, "/v1/enrollments/" + enrollment + "/lessons/" + lesson + "/progress",
        new JsonObject().put("seq", 1).put("completed", true), learner, 200);

    Eventually.until("issued", () -> learning.call(HttpMethod.GET, "/v1/me/certificates", null, learner, 200)
        .getJsonArray("items").size() == 1);
    JsonArray items = learning.call(HttpMethod.GET, "/v1/me/certificates", null, learner, 200).getJsonArray("items");
    var certificate = items.getJsonObject(0);
    String number = certificate.getString("number");
    assertTrue(number.matches("BW-\\d{4}-[A-Z2-9]{8}"), number);
    assertEquals(name, certificate.getString("holderName"));
    assertTrue(certificate.getString("expiresAt").startsWith(String.valueOf(java.time.Year.now().getValue() + 2)));

    // the PDF, opened with a PDF library: the holder's name and the number are in it
    var pdf = Wait.on(app.client.get("/v1/certificates/" + number + "/pdf")
        .putHeader("Authorization", "Bearer " + learner).send());
    assertEquals(200, pdf.statusCode());
    assertEquals("application/pdf", pdf.getHeader("Content-Type"));
    String text = new PdfTextExtractor(new PdfReader(pdf.body().getBytes())).getTextFromPage(1);
    assertTrue(text.contains("Grace Hopper") && text.contains(number) && text.contains("Basic life support"), text);
    assertEquals(404, app.call(HttpMethod.GET, "/v1/certificates/" + number + "/pdf", null, world.userToken())
        .statusCode(), "not another person's");
    assertEquals(200, Wait.on(app.client.get("/v1/certificates/" + number + "/pdf")
        .putHeader("Authorization", "Bearer " + world.owner).send()).statusCode(), "the organization's staff");

    var verified = learning.call(HttpMethod.GET, "/v1/certificates/" + number + "/verify", null, null, 200);
    assertEquals("valid", verified.getString("status"));
    assertEquals("G.H.", verified.getString("holderInitials"), "the minimum of personal data");
    assertEquals(404, app.call(HttpMethod.GET, "/v1/certificates/BW-2026-NOSUCH00/verify", null, null)
        .statusCode());

    // a completion seen again issues nothing more; staff revoke with a reason, a stranger cannot
    assertEquals(1, learning.call(HttpMethod.GET, "/v1/me/certificates", null, learner, 200).getJsonArray("items")
        .size());
    String stranger = world.userToken();
    dev.bookwell.identity.IdentityFixture.organization(app, stranger);
    var strangers = app.call(HttpMethod.POST, "/v1/certificates/" + number + "/revoke", new JsonObject()
        .put("reason", "mine now"), stranger);
    assertEquals(404, strangers.statusCode(), "as for a number that does not exist: it tells nobody which do");
    assertEquals(app.call(HttpMethod.POST, "/v1/certificates/BW-2026-NOSUCH00/revoke", new JsonObject()
        .put("reason", "mine now"), stranger).bodyAsJsonObject().getString("type"),
        strangers.bodyAsJsonObject().getString("type"));
    learning.call(HttpMethod.POST, "/v1/certificates/" + number + "/revoke", new JsonObject()
        .put("reason", "assessment invalid"), world.owner, 200);
    var revoked = learning.call(HttpMethod.GET, "/v1/certificates/" + number + "/verify", null, null, 200);
    assertEquals("revoked", revoked.getString("status"));
    assertTrue(!revoked.containsKey("revokedReason"), "the reason is for the holder and staff, not the public");
    assertEquals("assessment invalid", learning.call(HttpMethod.GET, "/v1/me/certificates", null, learner, 200)
        .getJsonArray("items").getJsonObject(0).getString("revokedReason"));
  }

  @Test
  void aCertificateExpiringWithinThirtyDaysIsRemindedOnceWithTheWayToRenew() {
    String course = learning.course("CPR refresher", "self_paced", new JsonObject().put("validityYears", 1));
    String lesson = learning.lesson(course, learning.section(course), "text", new JsonObject());
    learning.publish(course);
    String learner = world.userToken();
    String email = learning.call(HttpMethod.GET, "/v1/me", null, learner, 200).getString("email");
    String enrollment = learning.enroll(course, learner);
    learning.call(HttpMethod.POST, "/v1/enrollments/" + enrollment + "/lessons/" + lesson + "/progress",
        new JsonObject().put("seq", 1).put("completed", true), learner, 200);
    Eventually.until("issued", () -> learning.call(HttpMethod.GET, "/v1/me/certificates", null, learner, 200)
        .getJsonArray("items").size() == 1);
    // eleven months pass
    Wait.on(app.db.update(dev.bookwell.platform.db.Sql.DSL.update(dev.bookwell.db.Tables.CERTIFICATE)
        .set(dev.bookwell.db.Tables.CERTIFICATE.EXPIRES_AT, java.time.OffsetDateTime.now().plusDays(10))
        .where(dev.bookwell.db.Tables.CERTIFICATE.USER_ID.eq(java.util.UUID.fromString(learning.call(HttpMethod.GET,
            "/v1/me", null, learner, 200).getString("id"))))));
    Eventually.until("reminded", () -> learning.call(HttpMethod.GET, "/v1/dev/mailbox?to=" + email, null, null, 200)
        .getJsonArray("items").stream().anyMatch(m -> ((JsonObject) m).getString("subject").contains("expires soon")));
    var mail = learning.call(HttpMethod.GET, "/v1/dev/mailbox?to=" + email, null, null, 200).getJsonArray("items")
        .stream().map(JsonObject.class::cast).filter(m -> m.getString("subject").contains("expires soon"))
        .toList();
    assertEquals(1, mail.size(), "once");
    assertTrue(mail.get(0).getString("text").contains("/courses/" + course), mail.get(0).getString("text"));
  }
}
