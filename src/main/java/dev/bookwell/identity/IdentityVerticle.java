package dev.bookwell.identity;

import static dev.bookwell.db.Tables.ORGANIZATION_INVITATION;
import static dev.bookwell.db.Tables.PASSWORD_RESET;
import static dev.bookwell.db.Tables.REFRESH_TOKEN;
import static dev.bookwell.db.Tables.USER_SESSION;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.PlatformRole;
import dev.bookwell.DemoAccounts;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.auth.Jwt;
import dev.bookwell.platform.db.Retention;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jooq.Field;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity area: accounts, sessions, password resets, memberships, and the authorization answer every other
 * area relies on. Deployed once; password hashing runs on its own worker pool, in parallel.
 */
public final class IdentityVerticle extends VerticleBase {

  public static final String API = "identity.api";
  private static final Logger LOG = LoggerFactory.getLogger(IdentityVerticle.class);

  private final Platform platform;
  private WorkerExecutor passwordWorkers;
  private long cleanupTimer = -1;

  public IdentityVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var config = platform.config().identity();
    var db = platform.db();
    passwordWorkers = vertx.createSharedWorkerExecutor("bookwell-passwords",
        Math.max(2, Runtime.getRuntime().availableProcessors()));
    var passwords = new Passwords(new PasswordHasher(config), passwordWorkers);
    var sessions = new Sessions(db, new AccessTokens(Jwt.signer(vertx, platform.jwtKeys(), config), config), config);
    var login = new Login(db, passwords, sessions, config);
    var limits = platform.config().limits();
    var registration = new Registration(db, passwords, limits.registrationsPerMinute());
    byte[] tokenKey = platform.jwtKeys().tokenKey();
    var resets = new PasswordResets(db, passwords, limits.passwordResetsPerMinute(), tokenKey);
    var members = new Members(db);
    var profiles = new Profiles(db);
    var invitations = new Invitations(db, members, tokenKey);
    var deliveryTokens = new DeliveryTokens(db, tokenKey);

    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.ofEntries(
        Map.entry("registerUser", registration::register),
        Map.entry("login", login::login),
        Map.entry("refreshSession", sessions::refresh),
        Map.entry("logout", sessions::logout),
        Map.entry("listSessions", sessions::list),
        Map.entry("endSession", sessions::endOne),
        Map.entry("requestPasswordReset", resets::request),
        Map.entry("confirmPasswordReset", resets::confirm),
        Map.entry("getMe", profiles::me),
        Map.entry("patchMe", profiles::patchMe),
        Map.entry("deleteMe", profiles::deleteMe),
        Map.entry("deactivateUser", profiles::deactivate),
        Map.entry("reactivateUser", profiles::reactivate),
        Map.entry("purgeUser", profiles::purge),
        Map.entry("setUserRoles", profiles::setRoles),
        Map.entry("putMember", members::put),
        Map.entry("removeMember", members::remove),
        Map.entry("listMembers", members::list),
        Map.entry("getMember", members::get),
        Map.entry("listMyOrganizations", members::mine),
        Map.entry("inviteMember", invitations::invite),
        Map.entry("listInvitations", invitations::list),
        Map.entry("getInvitation", invitations::get),
        Map.entry("revokeInvitation", invitations::revoke),
        Map.entry("acceptInvitation", invitations::accept));
    ApiConsumer.register(vertx.eventBus(), API, operations);

    vertx.eventBus().<JsonObject>localConsumer(IdentityClient.AUTHORIZE, message -> ApiConsumer.answer(message, () -> {
      JsonObject question = message.body();
      Caller caller = Caller.fromJson(question.getJsonObject("caller"));
      UUID organizationId = UUID.fromString(question.getString("organizationId"));
      return (question.getBoolean("owner", false) ? Authorization.isOwner(db, caller, organizationId)
          : Authorization.allowed(db, caller, organizationId, OrgPermission.valueOf(question.getString("permission"))))
          .map(allowed -> new JsonObject().put("allowed", allowed));
    }));
    vertx.eventBus().<JsonObject>localConsumer(IdentityClient.GRANT_OWNER, message -> ApiConsumer.answer(message,
        () -> members.grantOwner(UUID.fromString(message.body().getString("organizationId")),
            UUID.fromString(message.body().getString("userId"))).map(new JsonObject())));
    vertx.eventBus().<JsonObject>localConsumer(IdentityClient.DELIVERY_TOKEN, message -> ApiConsumer.answer(message,
        () -> deliveryTokens.answer(message.body())));
    vertx.eventBus().<JsonObject>localConsumer(IdentityClient.CONTACT, message -> ApiConsumer.answer(message,
        () -> deliveryTokens.contact(UUID.fromString(message.body().getString("userId")))));
    vertx.eventBus().<JsonObject>localConsumer(IdentityClient.STAFF, message -> ApiConsumer.answer(message,
        () -> deliveryTokens.staff(UUID.fromString(message.body().getString("organizationId")),
            OrgPermission.valueOf(message.body().getString("permission")))));

    cleanupTimer = Retention.schedule(vertx, db, limits.purgeInterval(), retentionRules(limits.retention()));
    return bootstrap(registration);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(cleanupTimer);
    return passwordWorkers.close();
  }

  /**
   * What identity keeps only for a while: sessions (and their refresh tokens) that ended or expired, resets and
   * invitations that were used or expired, each once the retention has passed, so the audit window stays.
   */
  public static List<Retention.Rule> retentionRules(Duration retention) {
    Supplier<Field<OffsetDateTime>> before = () -> SqlTime.nowPlus(retention.negated());
    // Rotated refresh tokens first, so a session's delete cascades to few rows.
    return List.of(
        new Retention.Rule("refresh_token", REFRESH_TOKEN, () -> REFRESH_TOKEN.ROTATED_AT.lt(before.get())),
        new Retention.Rule("user_session", USER_SESSION, () -> USER_SESSION.REVOKED_AT.lt(before.get())
            .or(USER_SESSION.EXPIRES_AT.lt(before.get()))),
        new Retention.Rule("password_reset", PASSWORD_RESET, () -> PASSWORD_RESET.EXPIRES_AT.lt(before.get())),
        new Retention.Rule("organization_invitation", ORGANIZATION_INVITATION,
            () -> ORGANIZATION_INVITATION.EXPIRES_AT.lt(before.get())
                .or(ORGANIZATION_INVITATION.ACCEPTED_AT.lt(before.get()))));
  }

  /** The configured first admin, and in demo mode the demo accounts, each created only if absent. */
  private Future<Void> bootstrap(Registration registration) {
    var config = platform.config();
    Future<?> chain = Future.succeededFuture();
    if (config.identity().adminEmail().isPresent() && config.identity().adminPassword().isPresent()) {
      String email = Account.normalizeEmail(config.identity().adminEmail().get());
      String password = config.identity().adminPassword().get();
      Passwords.checkPolicy(password, email);
      chain = chain.compose(x -> registration.createIfAbsent(new Registration.NewAccount(null, email, password,
          "Administrator", null, "UTC", new PlatformRole[] {PlatformRole.admin})));
    }
    if (config.demoData()) {
      for (var demo : DemoAccounts.ALL) {
        chain = chain.compose(x -> registration.createIfAbsent(new Registration.NewAccount(demo.id(), demo.email(),
            DemoAccounts.PASSWORD, demo.name(), null, "Europe/London",
            new PlatformRole[] {PlatformRole.valueOf(demo.role())})));
      }
    }
    return chain.mapEmpty();
  }
}
