package dev.bookwell.platform.db;

import static dev.bookwell.db.Tables.IDEMPOTENCY_KEY;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.db.Tables.PASSWORD_RESET;
import static dev.bookwell.db.Tables.USER_SESSION;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.identity.IdentityVerticle;
import dev.bookwell.platform.HousekeepingVerticle;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Wait;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.UUID;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/** What grows without end is purged after its window, in batches, and nothing younger is touched. */
class RetentionTest extends AppTest {

  @Test
  void oldPublishedEventsExpiredKeysAndEndedSessionsGoTheRestStays() {
    var old = SqlTime.nowPlus(Duration.ofDays(-40));
    var insert = Sql.DSL.insertInto(OUTBOX_EVENT, OUTBOX_EVENT.TYPE, OUTBOX_EVENT.AGGREGATE_TYPE,
        OUTBOX_EVENT.AGGREGATE_ID, OUTBOX_EVENT.PAYLOAD, OUTBOX_EVENT.PUBLISHED_AT);
    for (int i = 0; i < 2_500; i++) {  // more than two batches
      insert = insert.values(DSL.val("test.purged"), DSL.val("test"), DSL.val("old"), DSL.val(JSONB.valueOf("{}")),
          old);
    }
    Wait.on(app.db.update(insert));
    Wait.on(app.db.update(Sql.DSL.insertInto(OUTBOX_EVENT, OUTBOX_EVENT.TYPE, OUTBOX_EVENT.AGGREGATE_TYPE,
            OUTBOX_EVENT.AGGREGATE_ID, OUTBOX_EVENT.PAYLOAD)
        .values("test.unpublished", "test", "old", JSONB.valueOf("{}"))));
    Wait.on(app.db.update(Sql.DSL.insertInto(IDEMPOTENCY_KEY, IDEMPOTENCY_KEY.SCOPE, IDEMPOTENCY_KEY.KEY,
            IDEMPOTENCY_KEY.REQUEST_HASH, IDEMPOTENCY_KEY.EXPIRES_AT)
        .values(DSL.val("test"), DSL.val("expired"), DSL.val("h"), SqlTime.nowPlus(Duration.ofHours(-1)))
        .values(DSL.val("test"), DSL.val("live"), DSL.val("h"), SqlTime.nowPlus(Duration.ofHours(1)))));

    String email = IdentityFixture.uniqueEmail();
    UUID user = IdentityFixture.register(app, email);
    IdentityFixture.login(app, email, IdentityFixture.PASSWORD);  // a live session
    Wait.on(app.db.update(Sql.DSL.insertInto(USER_SESSION, USER_SESSION.USER_ID, USER_SESSION.EXPIRES_AT,
            USER_SESSION.REVOKED_AT)
        .values(DSL.val(user), SqlTime.nowPlus(Duration.ofDays(-35)), SqlTime.nowPlus(Duration.ofDays(-39)))));
    Wait.on(app.db.update(Sql.DSL.insertInto(PASSWORD_RESET, PASSWORD_RESET.TOKEN_HASH, PASSWORD_RESET.USER_ID,
            PASSWORD_RESET.EXPIRES_AT)
        .values(DSL.val(new byte[] {1, 2, 3}), DSL.val(user), SqlTime.nowPlus(Duration.ofDays(-31)))
        .values(DSL.val(new byte[] {4, 5, 6}), DSL.val(user), SqlTime.nowPlus(Duration.ofMinutes(30)))));

    var rules = new ArrayList<>(HousekeepingVerticle.rules(Duration.ofDays(30)));
    rules.addAll(IdentityVerticle.retentionRules(Duration.ofDays(30)));
    int deleted = Wait.on(Retention.purge(app.db, rules));

    assertEquals(0, count(OUTBOX_EVENT, OUTBOX_EVENT.TYPE.eq("test.purged")));
    assertEquals(1, count(OUTBOX_EVENT, OUTBOX_EVENT.TYPE.eq("test.unpublished")), "never before it is published");
    assertEquals(1, count(IDEMPOTENCY_KEY, IDEMPOTENCY_KEY.SCOPE.eq("test")), "the live key stays");
    assertEquals(1, count(USER_SESSION, USER_SESSION.USER_ID.eq(user)), "the live session stays");
    assertEquals(1, count(PASSWORD_RESET, PASSWORD_RESET.USER_ID.eq(user)), "the fresh reset stays");
    assertEquals(2_500 + 1 + 1 + 1, deleted, new JsonObject().put("deleted", deleted).encode());
  }

  private static int count(org.jooq.Table<?> table, org.jooq.Condition where) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(table).where(where))).value1();
  }
}
