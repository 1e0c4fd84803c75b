package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.when;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * POST /v1/auth/login. An unknown email, a wrong password, a locked or inactive account all get the same 401
 * after the same amount of hashing work, so the answer reveals nothing about which accounts exist.
 * After {@code lockoutThreshold} failures in a row the account locks, each lockout twice as long as the last.
 */
final class Login {

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
    String address = request.headers().getString("client-address");

    return RateLimits.hit(db, "login", address, config.loginAttemptsPerMinute(), "login attempts from this address")
        .compose(x -> Account.byEmail(db, email))
        .compose(found -> {
          if (found.isEmpty()) {
            return passwords.verifyDecoy(password).compose(x -> refuse(request, email, null, "unknown_email"));
          }
          Account account = found.get();
          return passwords.verify(password, account.passwordHash()).compose(matches -> {
            if (!account.usable()) {
              return refuse(request, email, account, "inactive");
            }
            if (!matches) {
              return countFailure(request, account).compose(counted -> refuse(request, email, account,
                  counted ? "wrong_password" : "locked"));
            }
            // Judged now, not when the attempt started: a lock that came while the hash was computed holds.
            return Account.byId(db, account.id()).compose(now -> now.isEmpty() || now.get().locked()
                ? refuse(request, email, account, "locked") : sessions.open(account, request).map(ApiReply::ok));
          });
        });
  }

  /**
   * Counts a wrong password under the account's row lock (one UPDATE), and locks the account when the count
   * reaches the threshold (audited). Gives false when the account was already locked: guesses that were in flight
   * when it locked are refused as locked, and with the success check above no attempt decided after the lock can
   * succeed, so parallel guesses get no more tries than sequential ones. A success resets the count.
   */
  private Future<Boolean> countFailure(ApiRequest request, Account account) {
    Field<Integer> failures = APP_USER.FAILED_LOGINS.plus(1);
    var reachesThreshold = failures.ge(config.lockoutThreshold());
    Field<OffsetDateTime> lockedUntil = DSL.field(
        "now() + least(make_interval(secs => {0} * power(2, least({1}, 16))), interval '24 hours')",
        SQLDataType.TIMESTAMPWITHTIMEZONE, DSL.val((double) config.lockoutBase().toSeconds()), APP_USER.LOCKOUTS);
    return db.transaction(tx -> tx.fetchOptional(Sql.DSL.update(APP_USER)
            .set(APP_USER.FAILED_LOGINS, when(reachesThreshold, inline(0)).otherwise(failures))
            .set(APP_USER.LOCKOUTS, when(reachesThreshold, APP_USER.LOCKOUTS.plus(1)).otherwise(APP_USER.LOCKOUTS))
            .set(APP_USER.LOCKED_UNTIL, when(reachesThreshold, lockedUntil).otherwise(APP_USER.LOCKED_UNTIL))
            .where(APP_USER.ID.eq(account.id()))
            .and(APP_USER.LOCKED_UNTIL.isNull().or(APP_USER.LOCKED_UNTIL.le(SqlTime.now())))
            .returning(APP_USER.FAILED_LOGINS, APP_USER.LOCKED_UNTIL))
        .compose(row -> {
          if (row.isEmpty()) {
            return Future.succeededFuture(false);
          }
          if (row.get().getFailedLogins() != 0) {
            return Future.succeededFuture(true);  // counted; only the attempt that reaches the threshold locks
          }
          var locked = new JsonObject().put("userId", account.id().toString())
              .put("lockedUntil", row.get().getLockedUntil().toString());
          return Audit.record(tx, request, account.id(), Audit.Entry.of(null, "security.account_locked", "user",
                  account.id()).after(locked))
              .compose(x -> Outbox.append(tx, "identity.account_locked", "user", account.id(), locked)).map(true);
        }));
  }

  /** Audits the failed attempt, then answers with the one 401 every failure shares. */
  private Future<ApiReply> refuse(ApiRequest request, String email, Account account, String reason) {
    var event = new JsonObject().put("email", email).put("reason", reason)
        .put("userId", account == null ? null : account.id().toString());
    return db.transaction(tx -> Audit.record(tx, request, null, Audit.Entry.of(null, "security.login_failed", "user",
                account == null ? null : account.id()).after(event))
            .compose(x -> Outbox.append(tx, "identity.login_failed", "user",
                account == null ? String.valueOf(email) : account.id(), event)))
        .compose(x -> Future.failedFuture(Problem.of("invalid-credentials", 401, "Invalid credentials",
            "The email or password is wrong, or the account cannot sign in right now.").toException()));
  }
}
