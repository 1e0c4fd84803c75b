package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;

import dev.bookwell.db.enums.PlatformRole;
import dev.bookwell.db.tables.records.AppUserRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.TimeZones;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlPatch;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.UUID;
import org.jooq.Field;

/**
 * The account's own view (GET and DELETE /v1/me) and the platform admin's levers: deactivate, reactivate,
 * purge a deleted account (which frees its email), and set platform roles. Every change is audited.
 */
final class Profiles {

  private final Db db;

  Profiles(Db db) {
    this.db = db;
  }

  /** GET /v1/me */
  Future<ApiReply> me(ApiRequest request) {
    Caller caller = request.requireCaller();
    return db.fetchOptional(Sql.DSL.selectFrom(APP_USER).where(APP_USER.ID.eq(caller.userId()))
            .and(APP_USER.DELETED_AT.isNull()))
        .map(found -> ApiReply.ok(toJson(found.orElseThrow(
            () -> Problem.notFound("This account no longer exists.").toException()))));
  }

  /** PATCH /v1/me {name?, phone?, timezone?, locale?}: JSON merge; the language and zone messages are written in. */
  Future<ApiReply> patchMe(ApiRequest request) {
    Caller caller = request.requireCaller();
    JsonObject body = request.bodyObject();
    String timezone = body.getString("timezone") == null ? null
        : TimeZones.require(body.getString("timezone"), "timezone");
    String name = body.getString("name") == null ? null : body.getString("name").trim();
    if (name != null && name.isEmpty()) {
      throw Problem.invalid("body", "name", "is blank").toException();
    }
    return db.fetchOptional(SqlPatch.of(APP_USER, APP_USER.ID)
            .merge(body, "name", APP_USER.NAME, name)
            .merge(body, "phone", APP_USER.PHONE, body.getString("phone"))
            .merge(body, "timezone", APP_USER.TIMEZONE, timezone)
            .merge(body, "locale", APP_USER.LOCALE, body.getString("locale"))
            .update().set(APP_USER.UPDATED_AT, SqlTime.now())
            .where(APP_USER.ID.eq(caller.userId())).and(APP_USER.DELETED_AT.isNull()).returning())
        .map(found -> ApiReply.ok(toJson(found.orElseThrow(
            () -> Problem.notFound("This account no longer exists.").toException()))));
  }

  /** DELETE /v1/me: soft delete; sessions end at once. */
  Future<ApiReply> deleteMe(ApiRequest request) {
    Caller caller = request.requireCaller();
    return change(caller, caller.userId(), APP_USER.DELETED_AT, IdentityClient.USER_DELETED, "account-deleted",
        tx -> Members.requireNotLastOwner(tx, caller.userId()));
  }

  /** POST /v1/admin/users/{userId}/deactivate */
  Future<ApiReply> deactivate(ApiRequest request) {
    Caller admin = requireAdmin(request);
    return change(admin, userId(request), APP_USER.DEACTIVATED_AT, IdentityClient.USER_DEACTIVATED,
        "account-deactivated");
  }

  /** POST /v1/admin/users/{userId}/reactivate */
  Future<ApiReply> reactivate(ApiRequest request) {
    Caller admin = requireAdmin(request);
    UUID userId = userId(request);
    return db.transaction(tx -> tx.update(Sql.DSL.update(APP_USER).setNull(APP_USER.DEACTIVATED_AT)
                .set(APP_USER.UPDATED_AT, SqlTime.now())
                .where(APP_USER.ID.eq(userId)).and(APP_USER.DELETED_AT.isNull()))
            .compose(count -> requireFound(count, userId))
            .compose(x -> audit(tx, "identity.user_reactivated", userId, admin)))
        .map(x -> ApiReply.noContent());
  }

  /** DELETE /v1/admin/users/{userId}: only a soft-deleted account can be purged; its email becomes free. */
  Future<ApiReply> purge(ApiRequest request) {
    Caller admin = requireAdmin(request);
    UUID userId = userId(request);
    return db.transaction(tx -> tx.update(Sql.DSL.deleteFrom(APP_USER)
                .where(APP_USER.ID.eq(userId)).and(APP_USER.DELETED_AT.isNotNull()))
            .compose(count -> count == 1 ? Future.succeededFuture()
                : Future.failedFuture(Problem.of("not-deleted", 409, "Account not deleted",
                    "Only an account that was deleted can be purged.").toException()))
            .compose(x -> audit(tx, "identity.user_purged", userId, admin)))
        .map(x -> ApiReply.noContent());
  }

  /** PUT /v1/admin/users/{userId}/roles {roles} */
  Future<ApiReply> setRoles(ApiRequest request) {
    Caller admin = requireAdmin(request);
    UUID userId = userId(request);
    PlatformRole[] roles = request.bodyObject().getJsonArray("roles").stream()
        .map(r -> PlatformRole.valueOf((String) r)).distinct().toArray(PlatformRole[]::new);
    return db.transaction(tx -> tx.fetchOptional(Sql.DSL.select(APP_USER.ROLES).from(APP_USER)
                .where(APP_USER.ID.eq(userId)).forUpdate())
            .compose(before -> {
              if (before.isEmpty()) {
                throw Problem.notFound("No user " + userId + ".").toException();
              }
              return tx.update(Sql.DSL.update(APP_USER).set(APP_USER.ROLES, roles)
                      .set(APP_USER.UPDATED_AT, SqlTime.now()).where(APP_USER.ID.eq(userId)))
                  .compose(x -> Outbox.append(tx, "identity.roles_changed", "user", userId, new JsonObject()
                      .put("userId", userId.toString())
                      .put("before", literals(before.get().value1()))
                      .put("after", literals(roles))
                      .put("changedBy", admin.userId().toString())));
            }))
        .map(x -> ApiReply.ok(new JsonObject().put("userId", userId.toString()).put("roles", literals(roles))));
  }

  /** Stamps {@code column} with now() (once), revokes the sessions, audits. */
  private Future<ApiReply> change(Caller by, UUID userId, Field<java.time.OffsetDateTime> column, String event,
                                  String revokeReason) {
    return change(by, userId, column, event, revokeReason, tx -> Future.succeededFuture());
  }

  /** As above, after {@code first} in the same transaction (a check that must hold when the change commits). */
  private Future<ApiReply> change(Caller by, UUID userId, Field<java.time.OffsetDateTime> column, String event,
                                  String revokeReason, java.util.function.Function<Sql, Future<Void>> first) {
    return db.transaction(tx -> first.apply(tx).compose(y -> tx.update(Sql.DSL.update(APP_USER)
                .set(column, SqlTime.now())
                .set(APP_USER.UPDATED_AT, SqlTime.now())
                .where(APP_USER.ID.eq(userId)).and(column.isNull()).and(APP_USER.DELETED_AT.isNull()))
            .compose(count -> requireFound(count, userId))
            .compose(x -> Sessions.revokeAll(tx, userId, revokeReason))
            .compose(x -> audit(tx, event, userId, by))))
        .map(x -> ApiReply.noContent());
  }

  private static Future<Void> requireFound(int count, UUID userId) {
    return count == 1 ? Future.succeededFuture()
        : Future.failedFuture(Problem.notFound("No active user " + userId + ".").toException());
  }

  private static Future<Void> audit(Sql tx, String type, UUID userId, Caller by) {
    return Outbox.append(tx, type, "user", userId, new JsonObject()
        .put("userId", userId.toString()).put("changedBy", by.userId().toString())).mapEmpty();
  }

  private static Caller requireAdmin(ApiRequest request) {
    Caller caller = request.requireCaller();
    if (!caller.isAdmin()) {
      throw Problem.forbidden("Only a platform admin may do this.").toException();
    }
    return caller;
  }

  private static UUID userId(ApiRequest request) {
    return UUID.fromString(request.path().getString("userId"));
  }

  private static JsonArray literals(PlatformRole[] roles) {
    return new JsonArray(Arrays.stream(roles).map(PlatformRole::getLiteral).toList());
  }

  private static JsonObject toJson(AppUserRecord user) {
    return new JsonObject()
        .put("id", user.getId().toString())
        .put("email", user.getEmail())
        .put("name", user.getName())
        .put("phone", user.getPhone())
        .put("timezone", user.getTimezone())
        .put("locale", user.getLocale())
        .put("roles", literals(user.getRoles()))
        .put("createdAt", user.getCreatedAt().toString());
  }
}
