package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.identity.IdentityFixture.PASSWORD;
import static dev.bookwell.identity.IdentityFixture.register;
import static dev.bookwell.identity.IdentityFixture.uniqueEmail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Logins racing with production Argon2 parameters. The hasher refuses to run on an event loop (it throws), so
 * any hashing there would turn into 500s; every answer being right shows it all ran on the worker pool.
 */
class ConcurrentLoginTest {

  @Test
  void concurrentLoginsAllSucceedWithHashingOffTheEventLoop() {
    try (TestApp app = TestApp.start("openapi.yaml", Map.of(
        "BOOKWELL_ARGON2_MEMORY_KIB", "19456", "BOOKWELL_ARGON2_ITERATIONS", "2"))) {
      String email = uniqueEmail();
      register(app, email);
      var logins = new ArrayList<Future<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>>();
      for (int i = 0; i < 40; i++) {
        logins.add(app.callAsync(HttpMethod.POST, "/v1/auth/login",
            new JsonObject().put("email", email).put("password", PASSWORD), null));
      }
      Wait.on(Future.all(logins));
      for (var login : logins) {
        assertEquals(200, login.result().statusCode(), login.result().bodyAsString());
      }
      var sessions = new java.util.HashSet<String>();
      logins.forEach(l -> sessions.add(l.result().bodyAsJsonObject().getString("sessionId")));
      assertEquals(40, sessions.size(), "one session per login");
    }
  }

  @Test
  void concurrentWrongPasswordsLockTheAccountAndCountEveryFailure() {
    try (TestApp app = TestApp.start()) {
      String email = uniqueEmail();
      UUID id = register(app, email);
      var attempts = new ArrayList<Future<?>>();
      for (int i = 0; i < 23; i++) {
        attempts.add(app.callAsync(HttpMethod.POST, "/v1/auth/login",
            new JsonObject().put("email", email).put("password", "wrong password!"), null));
      }
      Wait.on(Future.all(attempts));

      var user = Wait.on(app.db.fetchOne(Sql.DSL.select(APP_USER.FAILED_LOGINS, APP_USER.LOCKOUTS,
          APP_USER.LOCKED_UNTIL).from(APP_USER).where(APP_USER.ID.eq(id))));
      assertTrue(user.value3() != null, "locked");
      // Attempts that found the account already locked are not counted; the counter never skips or doubles.
      int counted = user.value2() * 5 + user.value1();
      int failed = Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
          .where(OUTBOX_EVENT.TYPE.eq("identity.login_failed"))
          .and(OUTBOX_EVENT.AGGREGATE_ID.eq(id.toString()))
          .and(org.jooq.impl.DSL.field("payload->>'reason'", String.class).eq("wrong_password")))).value1();
      assertEquals(failed, counted);
      assertEquals(23, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
          .where(OUTBOX_EVENT.TYPE.eq("identity.login_failed"))
          .and(OUTBOX_EVENT.AGGREGATE_ID.eq(id.toString())))).value1(), "every attempt audited");
    }
  }
}
