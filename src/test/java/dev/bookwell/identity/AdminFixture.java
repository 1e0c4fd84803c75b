package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;

import dev.bookwell.db.enums.PlatformRole;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import java.util.UUID;

/** A platform admin for tests: registered through the API, promoted in the database. */
public final class AdminFixture {

  private AdminFixture() {
  }

  public static String adminToken(TestApp app) {
    String email = IdentityFixture.uniqueEmail();
    UUID id = IdentityFixture.register(app, email);
    Wait.on(app.db.update(Sql.DSL.update(APP_USER)
        .set(APP_USER.ROLES, new PlatformRole[] {PlatformRole.admin}).where(APP_USER.ID.eq(id))));
    return IdentityFixture.login(app, email, IdentityFixture.PASSWORD).getString("accessToken");
  }
}
