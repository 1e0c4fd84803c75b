package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static dev.bookwell.db.Tables.ORGANIZATION_MEMBER;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.OrgRole;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.jooq.Record2;
import org.jooq.impl.DSL;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Organization memberships: who is owner, admin or staff, with which permissions. Managing members needs
 * {@code manage_staff}; making or unmaking an owner needs to be an owner (or a platform admin).
 */
final class Members {

  private final Db db;

  Members(Db db) {
    this.db = db;
  }

  /**
   * PUT /v1/organizations/{organizationId}/members/{userId} {role, permissions?}: changes an existing member.
   * Nobody joins without consent: adding someone is an invitation. Nobody grants or takes away a permission they
   * do not hold themselves, and only an owner makes or unmakes an owner.
   */
  Future<ApiReply> put(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    UUID userId = UUID.fromString(request.path().getString("userId"));
    OrgRole role = OrgRole.valueOf(request.bodyObject().getString("role"));
    OrgPermission[] permissions = permissions(role, request.bodyObject().getJsonArray("permissions"));

    return requireManager(caller, organizationId, role)
        .compose(x -> db.transaction(tx -> lockOwners(tx, organizationId)
            .compose(y -> membership(tx, organizationId, userId))
            .compose(previous -> {
              if (previous.isEmpty()) {
                throw Problem.notFound("User " + userId + " is not a member; invite them instead.").toException();
              }
              var changed = EnumSet.copyOf(Authorization.permissionSet(previous.get().value2()));
              changed.addAll(Arrays.asList(permissions));
              changed.removeAll(intersection(previous.get().value2(), permissions));
              boolean lowered = !Arrays.asList(permissions).containsAll(Arrays.asList(previous.get().value2()))
                  || role.ordinal() > previous.get().value1().ordinal();
              return requireHeld(tx, caller, organizationId, changed)
                  .compose(y -> previous.get().value1() == OrgRole.owner && role != OrgRole.owner
                      ? requireOwner(tx, caller, organizationId).compose(z -> requireAnotherOwner(tx, organizationId,
                          userId))
                      : Future.succeededFuture())
                  .compose(y -> lowered ? Invitations.revokeSentBy(tx, organizationId, userId)
                      : Future.succeededFuture())
                  .map(y -> memberJson(userId, previous.get().value1(), previous.get().value2()));
            })
            .compose(before -> tx.update(Sql.DSL.update(ORGANIZATION_MEMBER)
                .set(ORGANIZATION_MEMBER.ROLE, role)
                .set(ORGANIZATION_MEMBER.PERMISSIONS, permissions)
                .set(ORGANIZATION_MEMBER.UPDATED_AT, SqlTime.now())
                .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(organizationId))
                .and(ORGANIZATION_MEMBER.USER_ID.eq(userId)))
                .compose(y -> Audit.record(tx, request, Audit.Entry.of(organizationId, "member.role_changed", "user",
                    userId).before(before).after(memberJson(userId, role, permissions)))))
            .compose(x2 -> Outbox.append(tx, "identity.membership_changed", "organization", organizationId,
                memberJson(userId, role, permissions).put("organizationId", organizationId.toString())
                    .put("changedBy", caller.userId().toString())))))
        .map(x -> ApiReply.ok(memberJson(userId, role, permissions)));
  }

  /** The creator of a new organization becomes its owner (idempotent). */
  Future<Void> grantOwner(UUID organizationId, UUID userId) {
    return db.transaction(tx -> tx.update(Sql.DSL.insertInto(ORGANIZATION_MEMBER)
            .set(ORGANIZATION_MEMBER.ORGANIZATION_ID, organizationId)
            .set(ORGANIZATION_MEMBER.USER_ID, userId)
            .set(ORGANIZATION_MEMBER.ROLE, OrgRole.owner)
            .set(ORGANIZATION_MEMBER.PERMISSIONS, Authorization.defaultPermissions(OrgRole.owner))
            .onConflictDoNothing())
        .compose(inserted -> inserted == 0 ? Future.succeededFuture()
            : Outbox.append(tx, "identity.membership_changed", "organization", organizationId,
                memberJson(userId, OrgRole.owner, Authorization.defaultPermissions(OrgRole.owner))
                    .put("organizationId", organizationId.toString()).put("changedBy", userId.toString()))
                .mapEmpty()));
  }

  /** DELETE /v1/organizations/{organizationId}/members/{userId} */
  Future<ApiReply> remove(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    UUID userId = UUID.fromString(request.path().getString("userId"));
    return Authorization.allowed(db, caller, organizationId, OrgPermission.manage_staff)
        .compose(allowed -> allowed ? Future.succeededFuture() : forbidden())
        .compose(x -> db.transaction(tx -> lockOwners(tx, organizationId)
            .compose(y -> membership(tx, organizationId, userId))
            .compose(previous -> {
              var member = previous.orElseThrow(() -> Problem.notFound("No such member.").toException());
              // taking every permission away: only someone who holds them all may
              return requireHeld(tx, caller, organizationId, Authorization.permissionSet(member.value2()))
                  .compose(y -> member.value1() == OrgRole.owner ? requireOwner(tx, caller, organizationId)
                      .compose(z -> requireAnotherOwner(tx, organizationId, userId)) : Future.succeededFuture())
                  .map(y -> memberJson(userId, member.value1(), member.value2()));
            })
            .compose(before -> tx.update(Sql.DSL.deleteFrom(ORGANIZATION_MEMBER)
                .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(organizationId))
                .and(ORGANIZATION_MEMBER.USER_ID.eq(userId)))
                .compose(y -> Invitations.revokeSentBy(tx, organizationId, userId))
                .compose(y -> Audit.record(tx, request, Audit.Entry.of(organizationId, "member.removed", "user",
                    userId).before(before))))
            .compose(x2 -> Outbox.append(tx, "identity.membership_removed", "organization", organizationId,
                new JsonObject().put("organizationId", organizationId.toString()).put("userId", userId.toString())
                    .put("changedBy", caller.userId().toString())))))
        .map(x -> ApiReply.noContent());
  }

  /** GET /v1/organizations/{organizationId}/members/{userId}: staff managers, and every member about themselves. */
  Future<ApiReply> get(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    UUID userId = UUID.fromString(request.path().getString("userId"));
    return (caller.userId().equals(userId) ? Future.<Void>succeededFuture()
            : requireStaffManager(caller, organizationId))
        .compose(x -> db.fetchOptional(Sql.DSL.select(ORGANIZATION_MEMBER.ROLE, ORGANIZATION_MEMBER.PERMISSIONS,
                APP_USER.NAME, APP_USER.EMAIL)
            .from(ORGANIZATION_MEMBER).join(APP_USER).on(APP_USER.ID.eq(ORGANIZATION_MEMBER.USER_ID))
            .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(organizationId))
            .and(ORGANIZATION_MEMBER.USER_ID.eq(userId))))
        .map(found -> {
          var m = found.orElseThrow(() -> Problem.notFound("No member " + userId + ".").toException());
          return ApiReply.ok(memberJson(userId, m.value1(), m.value2()).put("name", m.value3())
              .put("email", m.value4()));
        });
  }

  /** GET /v1/me/organizations: the caller's memberships (organization, role, permissions), oldest first. */
  Future<ApiReply> mine(ApiRequest request) {
    Caller caller = request.requireCaller();
    return db.fetch(Sql.DSL.select(ORGANIZATION_MEMBER.ORGANIZATION_ID, ORGANIZATION_MEMBER.ROLE,
                ORGANIZATION_MEMBER.PERMISSIONS).from(ORGANIZATION_MEMBER)
            .where(ORGANIZATION_MEMBER.USER_ID.eq(caller.userId()))
            .orderBy(ORGANIZATION_MEMBER.CREATED_AT, ORGANIZATION_MEMBER.ORGANIZATION_ID).limit(1000))
        .map(rows -> {
          var items = new JsonArray();
          rows.forEach(r -> items.add(memberJson(caller.userId(), r.value2(), r.value3())
              .put("organizationId", r.value1().toString())));
          return ApiReply.ok(new JsonObject().put("items", items));
        });
  }

  /** GET /v1/organizations/{organizationId}/members */
  Future<ApiReply> list(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    return requireStaffManager(caller, organizationId)
        .compose(x -> db.fetch(Sql.DSL.select(ORGANIZATION_MEMBER.USER_ID, ORGANIZATION_MEMBER.ROLE,
                ORGANIZATION_MEMBER.PERMISSIONS, APP_USER.NAME, APP_USER.EMAIL)
            .from(ORGANIZATION_MEMBER).join(APP_USER).on(APP_USER.ID.eq(ORGANIZATION_MEMBER.USER_ID))
            .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(organizationId))
            .orderBy(ORGANIZATION_MEMBER.CREATED_AT).limit(MAX_LISTED)))
        .map(rows -> {
          var items = new JsonArray();
          rows.forEach(r -> items.add(memberJson(r.value1(), r.value2(), r.value3())
              .put("name", r.value4()).put("email", r.value5())));
          return ApiReply.ok(new JsonObject().put("items", items));
        });
  }

  /** The permissions given explicitly, or the role's defaults. */
  static OrgPermission[] permissions(OrgRole role, JsonArray given) {
    return given == null ? Authorization.defaultPermissions(role)
        : given.stream().map(p -> OrgPermission.valueOf((String) p)).distinct().toArray(OrgPermission[]::new);
  }

  /** manage_staff is needed to change members; granting ownership also needs to be an owner. */
  /** Members listed at most (a clinic's staff is far fewer; the bound keeps one request's work bounded). */
  static final int MAX_LISTED = 1000;

  /** 403 unless the caller holds manage_staff in the organization. */
  Future<Void> requireStaffManager(Caller caller, UUID organizationId) {
    return Authorization.allowed(db, caller, organizationId, OrgPermission.manage_staff)
        .compose(allowed -> allowed ? Future.<Void>succeededFuture() : forbidden());
  }

  Future<Void> requireManager(Caller caller, UUID organizationId, OrgRole grantedRole) {
    return Authorization.allowed(db, caller, organizationId, OrgPermission.manage_staff)
        .compose(allowed -> allowed ? Future.succeededFuture() : forbidden())
        .compose(x -> grantedRole == OrgRole.owner ? requireOwner(db, caller, organizationId)
            : Future.succeededFuture());
  }

  /** Nobody grants (or takes away) a permission they do not hold themselves. */
  static Future<Void> requireHeld(Sql sql, Caller caller, UUID organizationId, Set<OrgPermission> granted) {
    return Authorization.held(sql, caller, organizationId).compose(held -> {
      var missing = granted.stream().filter(p -> !held.contains(p)).map(OrgPermission::getLiteral).sorted().toList();
      return missing.isEmpty() ? Future.<Void>succeededFuture()
          : Future.failedFuture(Problem.forbidden("You cannot grant or take away permissions you do not hold: "
              + String.join(", ", missing) + ".").toException());
    });
  }

  /**
   * Locks the organization's owner rows, in one order, before a change that could remove an owner: two owners
   * demoting each other at once then run one after the other, and the second finds itself the last owner.
   */
  private static Future<Void> lockOwners(Sql tx, UUID organizationId) {
    return tx.fetch(Sql.DSL.select(ORGANIZATION_MEMBER.USER_ID).from(ORGANIZATION_MEMBER)
            .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(organizationId))
            .and(ORGANIZATION_MEMBER.ROLE.eq(OrgRole.owner))
            .orderBy(ORGANIZATION_MEMBER.USER_ID).forUpdate())
        .mapEmpty();
  }

  private static Future<Optional<Record2<OrgRole, OrgPermission[]>>> membership(Sql sql, UUID organizationId,
                                                                                UUID userId) {
    return sql.fetchOptional(Sql.DSL.select(ORGANIZATION_MEMBER.ROLE, ORGANIZATION_MEMBER.PERMISSIONS)
        .from(ORGANIZATION_MEMBER)
        .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(organizationId))
        .and(ORGANIZATION_MEMBER.USER_ID.eq(userId)).forUpdate());
  }

  private static Set<OrgPermission> intersection(OrgPermission[] a, OrgPermission[] b) {
    var both = Authorization.permissionSet(a);
    both.retainAll(Arrays.asList(b));
    return both;
  }

  private static Future<Void> requireOwner(Sql sql, Caller caller, UUID organizationId) {
    if (caller.isAdmin()) {
      return Future.succeededFuture();
    }
    return currentRole(sql, organizationId, caller.userId()).compose(role -> role == OrgRole.owner
        ? Future.succeededFuture()
        : Future.failedFuture(Problem.forbidden("Only an owner can grant or take away ownership.").toException()));
  }

  /** An organization never loses its last owner. */
  private static Future<Void> requireAnotherOwner(Sql tx, UUID organizationId, UUID leaving) {
    return tx.fetchOne(Sql.DSL.select(DSL.field(anotherOwner(DSL.val(organizationId), leaving))))
        .compose(found -> found.value1() ? Future.<Void>succeededFuture()
            : Future.failedFuture(lastOwner("An organization must keep at least one owner.")));
  }

  /**
   * Another owner than {@code leaving} who can still sign in: a deleted or deactivated account counted, so an
   * organization could be left to owners nobody can be.
   */
  private static org.jooq.Condition anotherOwner(org.jooq.Field<UUID> organizationId, UUID leaving) {
    var other = ORGANIZATION_MEMBER.as("other_owner");
    return DSL.exists(Sql.DSL.selectOne().from(other).join(APP_USER).on(APP_USER.ID.eq(other.USER_ID))
        .where(other.ORGANIZATION_ID.eq(organizationId)).and(other.ROLE.eq(OrgRole.owner))
        .and(other.USER_ID.ne(leaving)).and(APP_USER.DELETED_AT.isNull()).and(APP_USER.DEACTIVATED_AT.isNull()));
  }

  /**
   * 409 last-owner while {@code userId} is the last owner of an organization others belong to: deleting their
   * account would leave those members with nobody who may make an owner or rename or delete it. In the deletion's
   * transaction, after locking the owner rows of each organization they own (in one order, as {@link #lockOwners}):
   * two owners deleting their accounts at once run one after the other, and the second finds itself the last.
   */
  static Future<Void> requireNotLastOwner(Sql tx, UUID userId) {
    var others = ORGANIZATION_MEMBER.as("others");
    var mine = ORGANIZATION_MEMBER.as("mine");
    return tx.fetch(Sql.DSL.select(ORGANIZATION_MEMBER.USER_ID).from(ORGANIZATION_MEMBER)
            .where(ORGANIZATION_MEMBER.ROLE.eq(OrgRole.owner)).and(ORGANIZATION_MEMBER.ORGANIZATION_ID.in(
                Sql.DSL.select(mine.ORGANIZATION_ID).from(mine).where(mine.USER_ID.eq(userId))
                    .and(mine.ROLE.eq(OrgRole.owner))))
            .orderBy(ORGANIZATION_MEMBER.ORGANIZATION_ID, ORGANIZATION_MEMBER.USER_ID).forUpdate())
        .compose(locked -> tx.fetchOptional(Sql.DSL.select(ORGANIZATION_MEMBER.ORGANIZATION_ID)
            .from(ORGANIZATION_MEMBER)
            .where(ORGANIZATION_MEMBER.USER_ID.eq(userId)).and(ORGANIZATION_MEMBER.ROLE.eq(OrgRole.owner))
            .andExists(Sql.DSL.selectOne().from(others).where(others.ORGANIZATION_ID
                .eq(ORGANIZATION_MEMBER.ORGANIZATION_ID)).and(others.USER_ID.ne(userId)))
            .andNot(anotherOwner(ORGANIZATION_MEMBER.ORGANIZATION_ID, userId)).limit(1)))
        .map(found -> {
          if (found.isPresent()) {
            throw lastOwner("You are the last owner of organization " + found.get().value1()
                + ", which has other members: make one of them owner first.");
          }
          return null;
        });
  }

  private static RuntimeException lastOwner(String detail) {
    return Problem.of("last-owner", 409, "Last owner", detail).toException();
  }

  private static Future<OrgRole> currentRole(Sql sql, UUID organizationId, UUID userId) {
    return sql.fetchOptional(Sql.DSL.select(ORGANIZATION_MEMBER.ROLE).from(ORGANIZATION_MEMBER)
            .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(organizationId))
            .and(ORGANIZATION_MEMBER.USER_ID.eq(userId)))
        .map(found -> found.map(r -> r.value1()).orElse(null));
  }

  private static <T> Future<T> forbidden() {
    return Future.failedFuture(Problem.forbidden("You need the manage_staff permission in this organization.")
        .toException());
  }

  static JsonObject memberJson(UUID userId, OrgRole role, OrgPermission[] permissions) {
    return new JsonObject().put("userId", userId.toString()).put("role", role.getLiteral())
        .put("permissions", new JsonArray(Arrays.stream(permissions).map(OrgPermission::getLiteral).toList()));
  }

}
