package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.DemoAccounts;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The first admin from configuration, and the demo accounts of the embedded mode. */
class BootstrapTest {

  @Test
  void configuredAdminAndDemoAccountsCanSignIn() {
    try (TestApp app = TestApp.start("openapi.yaml", Map.of(
        "BOOKWELL_ADMIN_EMAIL", "Root@Example.org",
        "BOOKWELL_ADMIN_PASSWORD", "a long admin secret",
        "BOOKWELL_DEMO_DATA", "true"))) {
      String admin = IdentityFixture.login(app, "root@example.org", "a long admin secret").getString("accessToken");
      var me = app.call(HttpMethod.GET, "/v1/me", null, admin).bodyAsJsonObject();
      assertEquals(List.of("admin"), me.getJsonArray("roles").getList());

      for (var demo : DemoAccounts.ALL) {
        IdentityFixture.login(app, demo.email(), DemoAccounts.PASSWORD);
      }
      // Deploying the area again (as a restart would) creates nothing twice.
      Wait.on(app.vertx.deployVerticle(new IdentityVerticle(new dev.bookwell.platform.Platform(
          app.config, app.db, TestApp.KEYS, null))));
      assertEquals(1 + DemoAccounts.ALL.size(), Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(APP_USER))).value1());
    }
  }
}
