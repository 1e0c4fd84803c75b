package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;

import dev.bookwell.db.enums.PlatformRole;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.EmailAddresses;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.api.TimeZones;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.UUID;

/** Creates accounts: self-registration, and the admin and demo accounts made at start. */
final class Registration {

  private final Db db;
  private final Passwords passwords;
  private final int perMinute;

  /** {@code perMinute}: registrations one client address may make a minute (each costs a password hash). */
  Registration(Db db, Passwords passwords, int perMinute) {
    this.db = db;
    this.passwords = passwords;
    this.perMinute = perMinute;
  }

  /** POST /v1/auth/register */
  Future<ApiReply> register(ApiRequest request) {
    JsonObject body = request.bodyObject();
    String email = Account.normalizeEmail(body.getString("email"));
    String password = body.getString("password");
    String timezone = body.getString("timezone", "UTC");
    EmailAddresses.require(email, "email");
    TimeZones.require(timezone, "timezone");
    Passwords.checkPolicy(password, email);
    var account = new NewAccount(null, email, password, body.getString("name").trim(), body.getString("phone"), timezone,
        new PlatformRole[] {PlatformRole.client});
    return RateLimits.hit(db, "register", request.headers().getString("client-address"), perMinute,
            "registrations from this address")
        .compose(x -> create(account)).map(id -> new ApiReply(201,
        new JsonObject().put("id", id.toString()).put("email", email).put("name", account.name()),
        new JsonObject().put("Location", "/v1/me")));
  }

  /** {@code id} null: the database picks one. */
  record NewAccount(UUID id, String email, String password, String name, String phone, String timezone,
                    PlatformRole[] roles) {
  }

  /** Inserts the account and its audit event; 409 when the email is taken (also by a soft-deleted account). */
  Future<UUID> create(NewAccount account) {
    return passwords.hash(account.password()).compose(hash -> db.transaction(tx -> tx.fetchOne(
            Sql.DSL.insertInto(APP_USER)
                .set(APP_USER.ID, account.id() == null ? UUID.randomUUID() : account.id())
                .set(APP_USER.EMAIL, account.email())
                .set(APP_USER.PASSWORD_HASH, hash)
                .set(APP_USER.NAME, account.name())
                .set(APP_USER.PHONE, account.phone())
                .set(APP_USER.TIMEZONE, account.timezone())
                .set(APP_USER.ROLES, account.roles())
                .returning(APP_USER.ID))
        .compose(row -> Outbox.append(tx, "identity.user_registered", "user", row.getId(),
                new JsonObject().put("userId", row.getId().toString()).put("email", account.email()))
            .map(row.getId()))))
        .recover(e -> Future.failedFuture(PgErrors.is(e, PgErrors.UNIQUE)
            ? Problem.of("email-taken", 409, "Email taken", "An account with this email exists.").toException()
            : e));
  }

  /** Creates the account unless one with that email exists; for the configured admin and the demo accounts. */
  Future<Optional<UUID>> createIfAbsent(NewAccount account) {
    return Account.byEmail(db, account.email()).compose(existing -> existing.isPresent()
        ? Future.succeededFuture(Optional.empty())
        : create(account).map(Optional::of).recover(e -> isTaken(e)
            ? Future.succeededFuture(Optional.empty())  // another instance made it first
            : Future.failedFuture(e)));
  }

  private static boolean isTaken(Throwable e) {
    return e instanceof dev.bookwell.platform.api.ProblemException p && p.problem().status() == 409;
  }


  private static RuntimeException invalid(String field, String message) {
    return Problem.invalid("body", field, message).toException();
  }
}
