package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.identity.IdentityFixture.PASSWORD;
import static dev.bookwell.identity.IdentityFixture.login;
import static dev.bookwell.identity.IdentityFixture.loginStatus;
import static dev.bookwell.identity.IdentityFixture.register;
import static dev.bookwell.identity.IdentityFixture.uniqueEmail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Accounts and sessions over real HTTP against a real PostgreSQL. */
class AuthFlowTest {

  static TestApp app;

  @BeforeAll
  static void start() {
    // two seconds: the locked attempt below must land inside the first lockout even on a busy machine
    app = TestApp.start("openapi.yaml", Map.of("BOOKWELL_LOCKOUT_BASE", "2s"));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void registerLoginRefreshLogoutRoundTrip() {
    String email = uniqueEmail();
    UUID id = register(app, email);
    JsonObject tokens = login(app, email.toUpperCase(), PASSWORD);  // emails are case-insensitive
    assertEquals("Bearer", tokens.getString("tokenType"));
    assertEquals(900, tokens.getInteger("expiresIn"));

    var me = app.call(HttpMethod.GET, "/v1/me", null, tokens.getString("accessToken"));
    assertEquals(200, me.statusCode());
    assertEquals(id.toString(), me.bodyAsJsonObject().getString("id"));
    assertEquals(List.of("client"), me.bodyAsJsonObject().getJsonArray("roles").getList());

    var refreshed = refresh(tokens.getString("refreshToken"));
    assertEquals(200, refreshed.statusCode());
    JsonObject next = refreshed.bodyAsJsonObject();
    assertNotEquals(tokens.getString("refreshToken"), next.getString("refreshToken"), "refresh tokens rotate");
    assertEquals(tokens.getString("sessionId"), next.getString("sessionId"));

    assertEquals(204, app.call(HttpMethod.POST, "/v1/auth/logout", null, next.getString("accessToken")).statusCode());
    assertEquals(401, refresh(next.getString("refreshToken")).statusCode(), "a logged-out session cannot refresh");
    assertEquals(2, events("identity.login_succeeded", id) + events("identity.user_registered", id));
  }

  @Test
  void reusingARotatedRefreshTokenRevokesTheWholeSession() {
    String email = uniqueEmail();
    UUID id = register(app, email);
    JsonObject first = login(app, email, PASSWORD);
    JsonObject second = refresh(first.getString("refreshToken")).bodyAsJsonObject();

    var replay = refresh(first.getString("refreshToken"));  // a thief replays the old token
    assertEquals(401, replay.statusCode());
    assertEquals("https://bookwell.dev/problems/invalid-refresh-token", replay.bodyAsJsonObject().getString("type"));
    assertEquals(401, refresh(second.getString("refreshToken")).statusCode(), "the owner's newer token died too");
    assertEquals(1, events("identity.refresh_token_reused", id));
  }

  @Test
  void sessionsCanBeListedAndEndedOneByOne() {
    String email = uniqueEmail();
    register(app, email);
    JsonObject phone = login(app, email, PASSWORD);
    JsonObject laptop = login(app, email, PASSWORD);

    var listed = app.call(HttpMethod.GET, "/v1/auth/sessions", null, laptop.getString("accessToken"))
        .bodyAsJsonObject().getJsonArray("items");
    assertEquals(2, listed.size());
    assertEquals(1, listed.stream().filter(s -> ((JsonObject) s).getBoolean("current")).count());

    var end = app.call(HttpMethod.DELETE, "/v1/auth/sessions/" + phone.getString("sessionId"), null,
        laptop.getString("accessToken"));
    assertEquals(204, end.statusCode());
    assertEquals(401, refresh(phone.getString("refreshToken")).statusCode());
    assertEquals(200, refresh(laptop.getString("refreshToken")).statusCode());

    var other = app.call(HttpMethod.DELETE, "/v1/auth/sessions/" + UUID.randomUUID(), null,
        laptop.getString("accessToken"));
    assertEquals(404, other.statusCode());
  }

  @Test
  void unknownEmailWrongPasswordAndLockedAccountAnswerAlike() throws InterruptedException {
    String email = uniqueEmail();
    UUID id = register(app, email);
    var unknown = app.call(HttpMethod.POST, "/v1/auth/login",
        new JsonObject().put("email", uniqueEmail()).put("password", PASSWORD), null);
    var wrong = app.call(HttpMethod.POST, "/v1/auth/login",
        new JsonObject().put("email", email).put("password", "wrong password!"), null);
    for (int i = 0; i < 4; i++) {
      assertEquals(401, loginStatus(app, email, "wrong password!"));
    }
    // five failures in a row: locked, even for the right password
    var locked = app.call(HttpMethod.POST, "/v1/auth/login",
        new JsonObject().put("email", email).put("password", PASSWORD), null);

    assertEquals(401, unknown.statusCode());
    assertEquals(unknown.bodyAsJsonObject(), wrong.bodyAsJsonObject());
    assertEquals(unknown.bodyAsJsonObject(), locked.bodyAsJsonObject());
    assertEquals(1, events("identity.account_locked", id));

    waitOutLockout(id);
    assertEquals(200, loginStatus(app, email, PASSWORD), "unlocked after the period");
  }

  @Test
  void eachLockoutInARowLastsTwiceAsLong() throws InterruptedException {
    String email = uniqueEmail();
    UUID id = register(app, email);
    for (int i = 0; i < 5; i++) {
      loginStatus(app, email, "wrong password!");
    }
    assertEquals(2.0, lockout(id), 0.001, "first lockout: BOOKWELL_LOCKOUT_BASE");
    waitOutLockout(id);
    for (int i = 0; i < 5; i++) {
      loginStatus(app, email, "wrong password!");
    }
    assertEquals(4.0, lockout(id), 0.001, "second lockout: twice as long");
  }

  @Test
  void weakPasswordsAreRefusedNamingTheField() {
    String email = uniqueEmail();
    for (String weak : List.of("short", email, email.toUpperCase())) {
      var response = app.call(HttpMethod.POST, "/v1/auth/register",
          new JsonObject().put("email", email).put("password", weak).put("name", "W"), null);
      assertEquals(400, response.statusCode(), weak);
      assertEquals("password", response.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
    }
    assertEquals(0, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(APP_USER).where(APP_USER.EMAIL.eq(email))))
        .value1(), "nothing half-written");
  }

  @Test
  void invalidEmailAndTimezoneAreRefused() {
    var email = app.call(HttpMethod.POST, "/v1/auth/register",
        new JsonObject().put("email", "not-an-email").put("password", PASSWORD).put("name", "W"), null);
    assertEquals("email", email.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
    var zone = app.call(HttpMethod.POST, "/v1/auth/register", new JsonObject().put("email", uniqueEmail())
        .put("password", PASSWORD).put("name", "W").put("timezone", "Mars/Olympus"), null);
    assertEquals("timezone", zone.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
  }

  @Test
  void emailsAreUniqueCaseInsensitively() {
    String email = uniqueEmail();
    register(app, email);
    var again = app.call(HttpMethod.POST, "/v1/auth/register",
        new JsonObject().put("email", email.toUpperCase()).put("password", PASSWORD).put("name", "Twin"), null);
    assertEquals(409, again.statusCode());
    assertEquals("https://bookwell.dev/problems/email-taken", again.bodyAsJsonObject().getString("type"));
  }

  @Test
  void deletedAccountCannotSignInAndItsEmailStaysTakenUntilPurged() {
    String email = uniqueEmail();
    UUID id = register(app, email);
    JsonObject tokens = login(app, email, PASSWORD);
    assertEquals(204, app.call(HttpMethod.DELETE, "/v1/me", null, tokens.getString("accessToken")).statusCode());

    assertEquals(401, loginStatus(app, email, PASSWORD));
    assertEquals(401, refresh(tokens.getString("refreshToken")).statusCode(), "its sessions ended");
    var reRegister = app.call(HttpMethod.POST, "/v1/auth/register",
        new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Again"), null);
    assertEquals(409, reRegister.statusCode());

    String admin = AdminFixture.adminToken(app);
    assertEquals(204, app.call(HttpMethod.DELETE, "/v1/admin/users/" + id, null, admin).statusCode());
    register(app, email);
  }

  @Test
  void deactivatedAccountCannotSignInUntilReactivated() {
    String email = uniqueEmail();
    UUID id = register(app, email);
    String admin = AdminFixture.adminToken(app);
    String client = login(app, email, PASSWORD).getString("accessToken");

    assertEquals(403, app.call(HttpMethod.POST, "/v1/admin/users/" + id + "/deactivate", null, client).statusCode(),
        "a client is not an admin");
    assertEquals(204, app.call(HttpMethod.POST, "/v1/admin/users/" + id + "/deactivate", null, admin).statusCode());
    assertEquals(401, loginStatus(app, email, PASSWORD));
    assertEquals(204, app.call(HttpMethod.POST, "/v1/admin/users/" + id + "/reactivate", null, admin).statusCode());
    assertEquals(200, loginStatus(app, email, PASSWORD));
  }

  @Test
  void roleChangesAreAuditedAndReachTheNextToken() {
    String email = uniqueEmail();
    UUID id = register(app, email);
    JsonObject tokens = login(app, email, PASSWORD);
    var changed = app.call(HttpMethod.PUT, "/v1/admin/users/" + id + "/roles",
        new JsonObject().put("roles", List.of("client", "provider")), AdminFixture.adminToken(app));
    assertEquals(200, changed.statusCode(), changed.bodyAsString());

    String next = refresh(tokens.getString("refreshToken")).bodyAsJsonObject().getString("accessToken");
    var me = app.call(HttpMethod.GET, "/v1/me", null, next).bodyAsJsonObject();
    assertEquals(List.of("client", "provider"), me.getJsonArray("roles").getList());
    assertEquals(1, events("identity.roles_changed", id));
  }

  @Test
  void loginAttemptsAreLimitedPerClientAddress() {
    try (TestApp strict = TestApp.start("openapi.yaml", Map.of("BOOKWELL_LOGIN_ATTEMPTS_PER_MINUTE", "3"))) {
      String email = uniqueEmail();
      Wait.clearOfMinuteEnd();
      for (int i = 0; i < 3; i++) {
        assertEquals(401, loginStatus(strict, email, PASSWORD));
      }
      var limited = strict.call(HttpMethod.POST, "/v1/auth/login",
          new JsonObject().put("email", email).put("password", PASSWORD), null);
      assertEquals(429, limited.statusCode());
      assertEquals("https://bookwell.dev/problems/too-many-requests", limited.bodyAsJsonObject().getString("type"));
    }
  }

  private static io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> refresh(String token) {
    return app.call(HttpMethod.POST, "/v1/auth/refresh", new JsonObject().put("refreshToken", token), null);
  }

  private static int events(String type, UUID userId) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT).where(eventsOf(type, userId)))).value1();
  }

  /** The account's events of {@code type}. */
  private static org.jooq.Condition eventsOf(String type, UUID userId) {
    return OUTBOX_EVENT.TYPE.eq(type).and(OUTBOX_EVENT.AGGREGATE_ID.eq(userId.toString()));
  }

  /**
   * How long the latest lockout lasts, in seconds: its end less the time of its event, both written by the locking
   * transaction (one {@code now()}), so the figure is exact however slow the test runs.
   */
  private static double lockout(UUID id) {
    return secondsOfLockout(id, DSL.field(Sql.DSL.select(DSL.max(OUTBOX_EVENT.OCCURRED_AT)).from(OUTBOX_EVENT)
        .where(eventsOf("identity.account_locked", id))));
  }

  /** Sleeps until the account's lockout has ended, by the database's clock. */
  private static void waitOutLockout(UUID id) throws InterruptedException {
    Thread.sleep(Math.max(0, (long) (secondsOfLockout(id, DSL.currentOffsetDateTime()) * 1000)) + 200);
  }

  /** The account's {@code locked_until} less {@code since}, in seconds. */
  private static double secondsOfLockout(UUID id, org.jooq.Field<java.time.OffsetDateTime> since) {
    var row = Wait.on(app.db.fetchOne(Sql.DSL.select(DSL.field("extract(epoch from ({0} - {1}))", Double.class,
        APP_USER.LOCKED_UNTIL, since)).from(APP_USER).where(APP_USER.ID.eq(id))));
    assertFalse(row.value1() == null, "locked");
    return row.value1();
  }
}
