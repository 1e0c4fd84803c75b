package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static dev.bookwell.db.Tables.ORGANIZATION_INVITATION;
import static dev.bookwell.db.Tables.ORGANIZATION_MEMBER;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.OrgRole;
import dev.bookwell.db.enums.PlatformRole;
import dev.bookwell.db.tables.records.OrganizationInvitationRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.EmailAddresses;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.api.Problem.FieldError;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jooq.impl.DSL;

/**
 * Invitations by email: a member with {@code manage_staff} invites an address with a role and permissions they
 * hold themselves; the event {@code identity.invitation_created} names the invitation, the notification sender asks
 * {@link DeliveryTokens} for its token, and the person accepts while signed in with that email.
 */
final class Invitations {

  static final Duration LIFETIME = Duration.ofDays(7);

  private final Db db;
  private final Members members;
  private final byte[] tokenKey;

  Invitations(Db db, Members members, byte[] tokenKey) {
    this.db = db;
    this.members = members;
    this.tokenKey = tokenKey;
  }

  /** The invitation's token; the event carries only the id, and the sender asks for the token by it. */
  static String token(byte[] tokenKey, UUID invitationId) {
    return SecretTokens.derive(tokenKey, "invitation", invitationId);
  }

  /** POST /v1/organizations/{organizationId}/invitations {email, role, permissions?} */
  Future<ApiReply> invite(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject body = request.bodyObject();
    String email = EmailAddresses.require(Account.normalizeEmail(body.getString("email")), "email");
    OrgRole role = OrgRole.valueOf(body.getString("role"));
    OrgPermission[] permissions = Members.permissions(role, body.getJsonArray("permissions"));
    UUID id = UUID.randomUUID();
    return members.requireManager(caller, organizationId, role)
        .compose(x -> Members.requireHeld(db, caller, organizationId, Authorization.permissionSet(permissions)))
        // each is a mail its address cannot unsubscribe from, queued with every organization's mail (counted
        // inside the create, so a retry with its Idempotency-Key gets its answer again, not a 429)
        .compose(x -> Idempotency.once(db, request, tx -> RateLimits.hit(tx, "invitation", organizationId.toString(),
                PER_MINUTE, "invitations from this organization")
            .compose(y -> fewOpen(tx, organizationId, email)).compose(y ->
            tx.fetchOne(Sql.DSL.insertInto(ORGANIZATION_INVITATION)
                .set(ORGANIZATION_INVITATION.ID, id)
                .set(ORGANIZATION_INVITATION.TOKEN_HASH, SecretTokens.digest(token(tokenKey, id)))
                .set(ORGANIZATION_INVITATION.ORGANIZATION_ID, organizationId)
                .set(ORGANIZATION_INVITATION.EMAIL, email)
                .set(ORGANIZATION_INVITATION.ROLE, role)
                .set(ORGANIZATION_INVITATION.PERMISSIONS, permissions)
                .set(ORGANIZATION_INVITATION.INVITED_BY, caller.userId())
                .set(ORGANIZATION_INVITATION.EXPIRES_AT, SqlTime.nowPlus(LIFETIME))
                .returning(ORGANIZATION_INVITATION.ID, ORGANIZATION_INVITATION.EXPIRES_AT))
            .compose(Audit.after(tx, request, invitation -> Audit.Entry.of(organizationId, "member.invited",
                "invitation", id).after(new JsonObject().put("email", email).put("role", role.getLiteral())
                    .put("permissions", new io.vertx.core.json.JsonArray(java.util.Arrays.stream(permissions)
                        .map(OrgPermission::getLiteral).toList())))))
            .compose(invitation -> Outbox.append(tx, "identity.invitation_created", "organization", organizationId,
                    new JsonObject()
                        .put("invitationId", invitation.getId().toString())
                        .put("organizationId", organizationId.toString())
                        .put("role", role.getLiteral())
                        .put("invitedBy", caller.userId().toString())
                        .put("expiresAt", invitation.getExpiresAt().toString()))
                .map(ApiReply.created(new JsonObject()
                    .put("id", invitation.getId().toString())
                    .put("email", email)
                    .put("role", role.getLiteral())
                    .put("expiresAt", invitation.getExpiresAt().toString()),
                    "/v1/organizations/" + organizationId + "/invitations/" + invitation.getId()))))));
  }

  /** Invitations an organization may send a minute (429 past it). */
  static final int PER_MINUTE = 20;

  /** Open invitations an address may have to one organization (two accepted together merge: see {@link #join}). */
  static final int OPEN_PER_ADDRESS = 3;

  /** 409 while the address has {@link #OPEN_PER_ADDRESS} open invitations to the organization. */
  private static Future<Void> fewOpen(Sql tx, UUID organizationId, String email) {
    return Locks.belowCap(tx, "invitations:" + organizationId + ":" + email, Sql.DSL.selectCount()
            .from(ORGANIZATION_INVITATION).where(ORGANIZATION_INVITATION.ORGANIZATION_ID.eq(organizationId))
            .and(ORGANIZATION_INVITATION.EMAIL.eq(email)).and(open()), OPEN_PER_ADDRESS,
        () -> Problem.of("already-invited", 409, "Already invited", "This address has " + OPEN_PER_ADDRESS
            + " open invitations; revoke one to send another.").toException());
  }

  /**
   * Whether the inviter still stands behind the invitation: an account that can sign in and, unless a platform
   * admin, a member who may invite to its role and holds every permission it grants. Checked when it is accepted,
   * so no way of lowering someone (removed, given fewer permissions, account closed or deactivated, or racing the
   * invitation's creation) leaves what they sent usable.
   */
  private static Future<Boolean> inviterStands(Sql tx, OrganizationInvitationRecord invitation) {
    return tx.fetchOptional(Sql.DSL.select(APP_USER.ROLES, ORGANIZATION_MEMBER.ROLE, ORGANIZATION_MEMBER.PERMISSIONS)
            .from(APP_USER).leftJoin(ORGANIZATION_MEMBER).on(ORGANIZATION_MEMBER.USER_ID.eq(APP_USER.ID)
                .and(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(invitation.getOrganizationId())))
            .where(APP_USER.ID.eq(invitation.getInvitedBy())).and(APP_USER.DELETED_AT.isNull())
            .and(APP_USER.DEACTIVATED_AT.isNull()))
        .map(found -> found.filter(inviter -> java.util.Arrays.asList(inviter.value1()).contains(PlatformRole.admin)
            || inviter.value2() == OrgRole.owner
            || inviter.value2() != null && invitation.getRole() != OrgRole.owner && Authorization
                .permissionSet(inviter.value3()).containsAll(java.util.EnumSet.of(OrgPermission.manage_staff,
                    invitation.getPermissions())))
            .isPresent());
  }

  /**
   * Revokes the open invitations {@code userId} sent to the organization: they were removed, or lost a permission,
   * so these no longer show as open (accepting would refuse them anyway: {@link #inviterStands}).
   */
  static Future<Integer> revokeSentBy(Sql tx, UUID organizationId, UUID userId) {
    return tx.update(Sql.DSL.update(ORGANIZATION_INVITATION).set(ORGANIZATION_INVITATION.REVOKED_AT, SqlTime.now())
        .where(ORGANIZATION_INVITATION.ORGANIZATION_ID.eq(organizationId))
        .and(ORGANIZATION_INVITATION.INVITED_BY.eq(userId)).and(open()));
  }

  /**
   * Joins the organization, or for an existing member merges the invitation into the membership: the higher role
   * and every permission of both. Accepting never lowers anyone (an owner accepting a staff invitation stays owner).
   * The merge is one upsert computed from the row as it is at that moment (org_role orders owner < admin < staff),
   * so two invitations accepted at once both count.
   */
  private static Future<JsonObject> join(Sql tx, OrganizationInvitationRecord invitation, UUID userId) {
    var merged = DSL.field("array(select distinct p from unnest({0} || {1}) p order by p)",
        ORGANIZATION_MEMBER.PERMISSIONS.getDataType(), ORGANIZATION_MEMBER.PERMISSIONS,
        DSL.excluded(ORGANIZATION_MEMBER.PERMISSIONS));
    return tx.fetchOne(Sql.DSL.insertInto(ORGANIZATION_MEMBER)
            .set(ORGANIZATION_MEMBER.ORGANIZATION_ID, invitation.getOrganizationId())
            .set(ORGANIZATION_MEMBER.USER_ID, userId)
            .set(ORGANIZATION_MEMBER.ROLE, invitation.getRole())
            .set(ORGANIZATION_MEMBER.PERMISSIONS, invitation.getPermissions())
            .onConflict(ORGANIZATION_MEMBER.ORGANIZATION_ID, ORGANIZATION_MEMBER.USER_ID).doUpdate()
            .set(ORGANIZATION_MEMBER.ROLE, DSL.least(ORGANIZATION_MEMBER.ROLE, DSL.excluded(ORGANIZATION_MEMBER.ROLE)))
            .set(ORGANIZATION_MEMBER.PERMISSIONS, merged)
            .set(ORGANIZATION_MEMBER.UPDATED_AT, SqlTime.now())
            .returning(ORGANIZATION_MEMBER.ROLE, ORGANIZATION_MEMBER.PERMISSIONS))
        .map(member -> Members.memberJson(userId, member.getRole(), member.getPermissions()));
  }

  /** Not accepted, not revoked, not expired: an invitation that can still be accepted (and delivered). */
  static org.jooq.Condition open() {
    return ORGANIZATION_INVITATION.ACCEPTED_AT.isNull().and(ORGANIZATION_INVITATION.REVOKED_AT.isNull())
        .and(ORGANIZATION_INVITATION.EXPIRES_AT.gt(SqlTime.now()));
  }

  /** GET /v1/organizations/{organizationId}/invitations (manage_staff): the open ones, newest first. */
  Future<ApiReply> list(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    return members.requireStaffManager(request.requireCaller(), organizationId)
        .compose(x -> db.fetch(Sql.DSL.selectFrom(ORGANIZATION_INVITATION)
            .where(ORGANIZATION_INVITATION.ORGANIZATION_ID.eq(organizationId)).and(open())
            .orderBy(ORGANIZATION_INVITATION.CREATED_AT.desc(), ORGANIZATION_INVITATION.ID).limit(500)))
        .map(rows -> {
          var items = new io.vertx.core.json.JsonArray();
          rows.forEach(r -> items.add(json(r)));
          return ApiReply.ok(new JsonObject().put("items", items));
        });
  }

  /** GET /v1/organizations/{organizationId}/invitations/{invitationId} (manage_staff): any, open or not. */
  Future<ApiReply> get(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    UUID id = UUID.fromString(request.path().getString("invitationId"));
    return members.requireStaffManager(request.requireCaller(), organizationId)
        .compose(x -> db.fetchOptional(Sql.DSL.selectFrom(ORGANIZATION_INVITATION)
            .where(ORGANIZATION_INVITATION.ID.eq(id)).and(ORGANIZATION_INVITATION.ORGANIZATION_ID.eq(organizationId))))
        .map(found -> ApiReply.ok(json(found.orElseThrow(() -> Problem.notFound("No invitation " + id + ".")
            .toException()))));
  }

  /** DELETE /v1/organizations/{organizationId}/invitations/{invitationId} (manage_staff): it can no longer be used. */
  Future<ApiReply> revoke(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    UUID id = UUID.fromString(request.path().getString("invitationId"));
    return members.requireStaffManager(request.requireCaller(), organizationId)
        .compose(x -> db.transaction(tx -> tx.update(Sql.DSL.update(ORGANIZATION_INVITATION)
                .set(ORGANIZATION_INVITATION.REVOKED_AT, SqlTime.now())
                .where(ORGANIZATION_INVITATION.ID.eq(id))
                .and(ORGANIZATION_INVITATION.ORGANIZATION_ID.eq(organizationId)).and(open()))
            .compose(revoked -> {
              if (revoked == 0) {
                throw Problem.notFound("No open invitation " + id + ".").toException();
              }
              return Audit.record(tx, request, Audit.Entry.of(organizationId, "member.invitation_revoked",
                  "invitation", id));
            })))
        .map(x -> ApiReply.noContent());
  }

  private static RuntimeException invalidInvitation() {
    return new Problem(Problem.TYPE_BASE + "invalid-invitation", "Invalid invitation", 400,
        "The invitation is unknown, expired, already accepted, or its inviter may no longer invite.",
        List.of(new FieldError("body", "token", "is not valid"))).toException();
  }

  private static JsonObject json(OrganizationInvitationRecord r) {
    return new JsonObject()
        .put("id", r.getId().toString())
        .put("organizationId", r.getOrganizationId().toString())
        .put("email", r.getEmail())
        .put("role", r.getRole().getLiteral())
        .put("permissions", new io.vertx.core.json.JsonArray(java.util.Arrays.stream(r.getPermissions())
            .map(OrgPermission::getLiteral).toList()))
        .put("expiresAt", r.getExpiresAt().toInstant().toString());
  }

  /** POST /v1/invitations/accept {token}: the caller joins, if signed in with the invited email. */
  Future<ApiReply> accept(ApiRequest request) {
    Caller caller = request.requireCaller();
    byte[] tokenHash = SecretTokens.digest(request.bodyObject().getString("token"));
    return db.transaction(tx -> tx.fetchOptional(Sql.DSL.selectFrom(ORGANIZATION_INVITATION)
                .where(ORGANIZATION_INVITATION.TOKEN_HASH.eq(tokenHash))
                .and(open())
                .forUpdate())
            .compose(found -> {
              var invitation = found.orElseThrow(Invitations::invalidInvitation);
              return tx.fetchOne(Sql.DSL.select(APP_USER.EMAIL).from(APP_USER).where(APP_USER.ID.eq(caller.userId())))
                  .compose(user -> {
                    if (!user.value1().equals(invitation.getEmail())) {
                      throw Problem.forbidden("This invitation is for another email address.").toException();
                    }
                    return inviterStands(tx, invitation);
                  })
                  .compose(stands -> {
                    if (!stands) {
                      throw invalidInvitation();
                    }
                    return join(tx, invitation, caller.userId());
                  })
                  .compose(member -> tx.update(Sql.DSL.update(ORGANIZATION_INVITATION)
                          .set(ORGANIZATION_INVITATION.ACCEPTED_AT, SqlTime.now())
                          .set(ORGANIZATION_INVITATION.ACCEPTED_BY, caller.userId())
                          .where(ORGANIZATION_INVITATION.ID.eq(invitation.getId())))
                      .compose(x -> Audit.record(tx, request, Audit.Entry.of(invitation.getOrganizationId(),
                          "member.joined", "user", caller.userId()).after(member.copy())))
                      .compose(x -> Outbox.append(tx, "identity.membership_changed", "organization",
                          invitation.getOrganizationId(), member.copy()
                              .put("organizationId", invitation.getOrganizationId().toString())
                              .put("changedBy", invitation.getInvitedBy().toString())
                              .put("invitationId", invitation.getId().toString())))
                      .map(x -> member.put("organizationId", invitation.getOrganizationId().toString())));
            }))
        .map(ApiReply::ok);
  }
}
