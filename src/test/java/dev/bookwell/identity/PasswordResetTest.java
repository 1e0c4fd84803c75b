package dev.bookwell.identity;

import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.identity.IdentityFixture.PASSWORD;
import static dev.bookwell.identity.IdentityFixture.login;
import static dev.bookwell.identity.IdentityFixture.loginStatus;
import static dev.bookwell.identity.IdentityFixture.register;
import static dev.bookwell.identity.IdentityFixture.uniqueEmail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Reset by a single-use token that reaches the notifications area as an outbox event. */
class PasswordResetTest extends AppTest {

  static final String NEW_PASSWORD = "a brand new secret";
  @Test
  void resetSetsThePasswordRevokesSessionsAndWorksOnce() {
    String email = uniqueEmail();
    UUID id = register(app, email);
    JsonObject session = login(app, email, PASSWORD);

    assertEquals(202, requestReset(email).statusCode());
    String token = tokenFromOutbox(id);

    assertEquals(204, confirm(token, NEW_PASSWORD).statusCode());
    var failure = Wait.failureOf(IdentityClient.deliveryToken(app.vertx.eventBus(), "password-reset",
        java.util.UUID.fromString(IdentityFixture.lastEvent(app, "identity.password_reset_requested", id)
            .getString("resetId"))));
    assertTrue(failure.getMessage().contains("No usable password reset"), "a used reset is not handed out again");
    assertEquals(401, loginStatus(app, email, PASSWORD), "the old password is gone");
    assertEquals(200, loginStatus(app, email, NEW_PASSWORD));
    var refresh = app.call(HttpMethod.POST, "/v1/auth/refresh",
        new JsonObject().put("refreshToken", session.getString("refreshToken")), null);
    assertEquals(401, refresh.statusCode(), "sessions were revoked");

    var again = confirm(token, "yet another secret");
    assertEquals(400, again.statusCode());
    assertEquals("https://bookwell.dev/problems/invalid-reset-token", again.bodyAsJsonObject().getString("type"));
    assertEquals(1, count("identity.password_reset_completed", id));
  }

  /** A reset ends every other link of the account: an older one, in someone else's hands, sets nothing after. */
  @Test
  void aResetEndsTheAccountsOtherLinks() {
    String email = uniqueEmail();
    UUID id = register(app, email);
    requestReset(email);
    String older = tokenFromOutbox(id);
    requestReset(email);
    String newer = tokenFromOutbox(id);
    assertFalse(older.equals(newer));
    assertEquals(204, confirm(newer, NEW_PASSWORD).statusCode());
    var late = confirm(older, "the attacker's password");
    assertEquals(400, late.statusCode());
    assertEquals("https://bookwell.dev/problems/invalid-reset-token", late.bodyAsJsonObject().getString("type"));
    assertEquals(200, loginStatus(app, email, NEW_PASSWORD));
  }

  @Test
  void unknownEmailIsAcceptedAlikeAndSendsNothing() {
    int before = count("identity.password_reset_requested", null);
    assertEquals(202, requestReset(uniqueEmail()).statusCode());
    assertEquals(before, count("identity.password_reset_requested", null));
  }

  @Test
  void aWeakNewPasswordIsRefusedAndTheTokenStaysUsable() {
    String email = uniqueEmail();
    UUID id = register(app, email);
    requestReset(email);
    String token = tokenFromOutbox(id);
    var weak = confirm(token, "short");
    assertEquals(400, weak.statusCode());
    assertEquals("password", weak.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
    assertEquals(204, confirm(token, NEW_PASSWORD).statusCode());
  }

  @Test
  void aResetClearsALockout() {
    String email = uniqueEmail();
    UUID id = register(app, email);
    for (int i = 0; i < 5; i++) {
      loginStatus(app, email, "wrong password!");
    }
    requestReset(email);
    assertEquals(204, confirm(tokenFromOutbox(id), NEW_PASSWORD).statusCode());
    assertEquals(200, loginStatus(app, email, NEW_PASSWORD));
  }

  private static io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> requestReset(String email) {
    return app.call(HttpMethod.POST, "/v1/auth/password-reset", new JsonObject().put("email", email), null);
  }

  private static io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> confirm(String token,
                                                                                         String password) {
    return app.call(HttpMethod.POST, "/v1/auth/password-reset/confirm",
        new JsonObject().put("token", token).put("password", password), null);
  }

  /** As the notification sender does: the event names the reset, the narrow call gives the token. */
  private static String tokenFromOutbox(UUID userId) {
    var event = IdentityFixture.lastEvent(app, "identity.password_reset_requested", userId);
    assertFalse(event.encode().contains("token"), "no secret in the event: " + event.encode());
    var delivery = IdentityFixture.delivery(app, "password-reset", event.getString("resetId"));
    assertTrue(delivery.getString("email").startsWith("user-"), delivery.encode());
    return delivery.getString("token");
  }

  private static int count(String type, UUID userId) {
    var where = OUTBOX_EVENT.TYPE.eq(type);
    if (userId != null) {
      where = where.and(OUTBOX_EVENT.AGGREGATE_ID.eq(userId.toString()));
    }
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT).where(where))).value1();
  }
}
