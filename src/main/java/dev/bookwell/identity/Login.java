package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static dev.bookwell.db.Tables.LOGIN_THROTTLE;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.when;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * POST /v1/auth/login. An unknown email, a wrong password, a locked or inactive account all get the same 401
 * after the same amount of hashing work, so the answer reveals nothing about which accounts exist.
 * After {@code lockoutThreshold} failures in a row the account locks, each lockout twice as long as the last.
 */
final class Login {

  private static final Duration MAX_LOCK = Duration.ofHours(24);

  private final Db db;
  private final Passwords passwords;
  private final Sessions sessions;
  private final Config.Identity config;

  Login(Db db, Passwords passwords, Sessions sessions, Config.Identity config) {
    this.db = db;
    this.passwords = passwords;
    this.sessions = sessions;
    this.config = config;
  }

  Future<ApiReply> login(ApiRequest request) {
    String email = Account.normalizeEmail(request.bodyObject().getString("email"));
    String password = request.bodyObject().getString("password");
    String address = request.headers().getString("client-address", "unknown");

    return throttle(address)
        .compose(x -> Account.byEmail(db, email))
        .compose(found -> {
          if (found.isEmpty()) {
            return passwords.verifyDecoy(password).compose(x -> refuse(email, null, "unknown_email"));
          }
          Account account = found.get();
          return passwords.verify(password, account.passwordHash()).compose(matches -> {
            if (!account.usable()) {
              return refuse(email, account, "inactive");
            }
            if (account.locked()) {
              return refuse(email, account, "locked");
            }
            if (!matches) {
              return recordFailure(account).compose(x -> refuse(email, account, "wrong_password"));
            }
            return sessions.open(account, request).map(ApiReply::ok);
          });
        });
  }

  /** Counts the attempt for this address in the current minute; 429 past the limit. */
  private Future<Void> throttle(String address) {
    Field<java.time.OffsetDateTime> minute =
        DSL.field("date_trunc('minute', now())", SQLDataType.TIMESTAMPWITHTIMEZONE);
    return db.fetchOne(Sql.DSL.insertInto(LOGIN_THROTTLE)
            .columns(LOGIN_THROTTLE.CLIENT_ADDRESS, LOGIN_THROTTLE.WINDOW_START, LOGIN_THROTTLE.ATTEMPTS)
            .values(DSL.val(address), minute, inline(1))
            .onConflict(LOGIN_THROTTLE.CLIENT_ADDRESS, LOGIN_THROTTLE.WINDOW_START)
            .doUpdate().set(LOGIN_THROTTLE.ATTEMPTS, LOGIN_THROTTLE.ATTEMPTS.plus(1))
            .returning(LOGIN_THROTTLE.ATTEMPTS))
        .compose(row -> row.getAttempts() > config.loginAttemptsPerMinute()
            ? Future.failedFuture(Problem.of("too-many-requests", 429, "Too many login attempts",
                "Too many login attempts from this address; wait a minute.").toException())
            : Future.succeededFuture());
  }

  /** Deletes throttle windows older than ten minutes; run periodically. */
  Future<Integer> forgetOldAttempts() {
    return db.update(Sql.DSL.deleteFrom(LOGIN_THROTTLE)
        .where(LOGIN_THROTTLE.WINDOW_START.lt(SqlTime.nowPlus(Duration.ofMinutes(-10)))));
  }

  /** One more failure; on reaching the threshold, lock (audited) and start counting again. */
  private Future<Void> recordFailure(Account account) {
    Field<Integer> failures = APP_USER.FAILED_LOGINS.plus(1);
    var reachesThreshold = failures.ge(config.lockoutThreshold());
    return db.transaction(tx -> tx.fetchOne(Sql.DSL.update(APP_USER)
            .set(APP_USER.FAILED_LOGINS, when(reachesThreshold, inline(0)).otherwise(failures))
            .set(APP_USER.LOCKOUTS, when(reachesThreshold, APP_USER.LOCKOUTS.plus(1)).otherwise(APP_USER.LOCKOUTS))
            .set(APP_USER.LOCKED_UNTIL, when(reachesThreshold, SqlTime.nowPlus(lockDuration(account)))
                .otherwise(APP_USER.LOCKED_UNTIL))
            .where(APP_USER.ID.eq(account.id()))
            .returning(APP_USER.LOCKOUTS, APP_USER.LOCKED_UNTIL))
        .compose(row -> row.getLockouts() > account.lockouts()
            ? Outbox.append(tx, "identity.account_locked", "user", account.id(), new JsonObject()
                .put("userId", account.id().toString())
                .put("lockedUntil", row.getLockedUntil().toString())).mapEmpty()
            : Future.<Void>succeededFuture()));
  }

  private Duration lockDuration(Account account) {
    Duration duration = config.lockoutBase().multipliedBy(1L << Math.min(account.lockouts(), 16));
    return duration.compareTo(MAX_LOCK) > 0 ? MAX_LOCK : duration;
  }

  /** Audits the failed attempt, then answers with the one 401 every failure shares. */
  private Future<ApiReply> refuse(String email, Account account, String reason) {
    var event = new JsonObject().put("email", email).put("reason", reason)
        .put("userId", account == null ? null : account.id().toString());
    return db.transaction(tx -> Outbox.append(tx, "identity.login_failed", "user",
            account == null ? String.valueOf(email) : account.id(), event))
        .compose(x -> Future.failedFuture(Problem.of("invalid-credentials", 401, "Invalid credentials",
            "The email or password is wrong, or the account cannot sign in right now.").toException()));
  }
}
