package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static dev.bookwell.db.Tables.PASSWORD_RESET;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.api.Problem.FieldError;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Password reset: a single-use token, stored hashed, valid 30 minutes, handed to the notifications area as an
 * event. Confirming sets the new password, clears any lockout and revokes every session.
 */
final class PasswordResets {

  static final Duration TOKEN_LIFETIME = Duration.ofMinutes(30);

  private final Db db;
  private final Passwords passwords;
  private final int perMinute;
  private final byte[] tokenKey;

  /** {@code perMinute}: reset requests one client address may make a minute (each may send an email). */
  PasswordResets(Db db, Passwords passwords, int perMinute, byte[] tokenKey) {
    this.tokenKey = tokenKey;
    this.db = db;
    this.passwords = passwords;
    this.perMinute = perMinute;
  }

  /** POST /v1/auth/password-reset: always 202, whether or not the email has an account. */
  Future<ApiReply> request(ApiRequest request) {
    String email = Account.normalizeEmail(request.bodyObject().getString("email"));
    UUID id = UUID.randomUUID();
    return RateLimits.hit(db, "password-reset", request.headers().getString("client-address"), perMinute,
            "password reset requests from this address")
        .compose(x -> Account.byEmail(db, email)).compose(found -> {
      if (found.isEmpty() || !found.get().usable()) {
        return Future.succeededFuture();
      }
      Account account = found.get();
      return db.transaction(tx -> tx.fetchOne(Sql.DSL.insertInto(PASSWORD_RESET)
              .set(PASSWORD_RESET.ID, id)
              .set(PASSWORD_RESET.TOKEN_HASH, SecretTokens.digest(token(tokenKey, id)))
              .set(PASSWORD_RESET.USER_ID, account.id())
              .set(PASSWORD_RESET.EXPIRES_AT, SqlTime.nowPlus(TOKEN_LIFETIME))
              .returning(PASSWORD_RESET.EXPIRES_AT))
          .compose(Audit.after(tx, request, reset -> Audit.Entry.of(null, "security.password_reset_requested",
              "user", account.id())))
          .compose(reset -> Outbox.append(tx, "identity.password_reset_requested", "user", account.id(),
              new JsonObject()
                  .put("resetId", id.toString())
                  .put("userId", account.id().toString())
                  .put("expiresAt", reset.getExpiresAt().toString()))));
    }).map(x -> new ApiReply(202, new JsonObject().put("status", "accepted"), new JsonObject()));
  }

  /** POST /v1/auth/password-reset/confirm */
  Future<ApiReply> confirm(ApiRequest request) {
    byte[] tokenHash = SecretTokens.digest(request.bodyObject().getString("token"));
    String password = request.bodyObject().getString("password");
    return db.fetchOptional(Sql.DSL.select(PASSWORD_RESET.USER_ID, APP_USER.EMAIL)
            .from(PASSWORD_RESET).join(APP_USER).on(APP_USER.ID.eq(PASSWORD_RESET.USER_ID))
            .where(PASSWORD_RESET.TOKEN_HASH.eq(tokenHash))
            .and(PASSWORD_RESET.USED_AT.isNull())
            .and(PASSWORD_RESET.EXPIRES_AT.gt(SqlTime.now())))
        .compose(found -> {
          if (found.isEmpty()) {
            throw invalidToken();
          }
          var userId = found.get().value1();
          Passwords.checkPolicy(password, found.get().value2());
          return passwords.hash(password).compose(hash -> db.transaction(tx -> tx.update(Sql.DSL
                  .update(PASSWORD_RESET).set(PASSWORD_RESET.USED_AT, SqlTime.now())
                  .where(PASSWORD_RESET.TOKEN_HASH.eq(tokenHash)).and(PASSWORD_RESET.USED_AT.isNull()))
              .compose(claimed -> {
                if (claimed == 0) {
                  throw invalidToken();  // used by a concurrent confirmation
                }
                return tx.update(Sql.DSL.update(APP_USER)
                    .set(APP_USER.PASSWORD_HASH, hash)
                    .set(APP_USER.FAILED_LOGINS, 0)
                    .set(APP_USER.LOCKOUTS, 0)
                    .setNull(APP_USER.LOCKED_UNTIL)
                    .set(APP_USER.UPDATED_AT, SqlTime.now())
                    .where(APP_USER.ID.eq(userId)));
              })
              // the account's other links end with this one: an older link in someone else's hands must not set
              // the password again (and end the sessions) after its owner reset it
              .compose(x -> tx.update(Sql.DSL.update(PASSWORD_RESET).set(PASSWORD_RESET.USED_AT, SqlTime.now())
                  .where(PASSWORD_RESET.USER_ID.eq(userId)).and(PASSWORD_RESET.USED_AT.isNull())))
              .compose(x -> Sessions.revokeAll(tx, userId, "password-reset"))
              .compose(x -> Audit.record(tx, request, userId, Audit.Entry.of(null,
                  "security.password_reset_completed", "user", userId)))
              .compose(x -> Outbox.append(tx, "identity.password_reset_completed", "user", userId,
                  new JsonObject().put("userId", userId.toString())))));
        })
        .map(x -> ApiReply.noContent());
  }

  /** The reset's token; the event carries only the id, and the sender asks for the token by it. */
  static String token(byte[] tokenKey, UUID resetId) {
    return SecretTokens.derive(tokenKey, "password-reset", resetId);
  }

  private static RuntimeException invalidToken() {
    return new Problem(Problem.TYPE_BASE + "invalid-reset-token", "Invalid reset token", 400,
        "The reset token is unknown, expired or already used; request a new one.",
        List.of(new FieldError("body", "token", "is not valid"))).toException();
  }
}
