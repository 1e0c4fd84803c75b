package dev.bookwell.identity;

import static dev.bookwell.db.Tables.ORGANIZATION_MEMBER;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.OrgRole;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/**
 * The one answer to "may this caller do P on organization O", for every area. Platform admins may do anything;
 * an organization's owners hold every permission; admins and staff hold the permissions on their membership.
 * Other areas ask over the bus ({@link IdentityClient#require}); they never read the membership table.
 */
final class Authorization {

  private Authorization() {
  }

  /** Whether the caller owns the organization (platform admins count as owners). */
  static Future<Boolean> isOwner(Sql sql, Caller caller, UUID organizationId) {
    if (caller.isAdmin()) {
      return Future.succeededFuture(true);
    }
    return sql.fetchOptional(Sql.DSL.selectOne().from(ORGANIZATION_MEMBER)
            .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(organizationId))
            .and(ORGANIZATION_MEMBER.USER_ID.eq(caller.userId())).and(ORGANIZATION_MEMBER.ROLE.eq(OrgRole.owner)))
        .map(found -> found.isPresent());
  }

  /** The check itself, run by the identity area. */
  static Future<Boolean> allowed(Sql sql, Caller caller, UUID organizationId, OrgPermission permission) {
    return held(sql, caller, organizationId).map(held -> held.contains(permission));
  }

  /** Every permission the caller holds in the organization: all of them for platform admins and owners. */
  static Future<Set<OrgPermission>> held(Sql sql, Caller caller, UUID organizationId) {
    if (caller.isAdmin()) {
      return Future.succeededFuture(EnumSet.allOf(OrgPermission.class));
    }
    return sql.fetchOptional(Sql.DSL.select(ORGANIZATION_MEMBER.ROLE, ORGANIZATION_MEMBER.PERMISSIONS)
            .from(ORGANIZATION_MEMBER)
            .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(organizationId))
            .and(ORGANIZATION_MEMBER.USER_ID.eq(caller.userId())))
        .map(found -> found.map(m -> m.value1() == OrgRole.owner ? EnumSet.allOf(OrgPermission.class)
                : permissionSet(m.value2()))
            .orElse(EnumSet.noneOf(OrgPermission.class)));
  }

  /** The same rule as {@link #held} for a member row in SQL: owners hold every permission, others what they list. */
  static org.jooq.Condition holds(OrgPermission permission) {
    return ORGANIZATION_MEMBER.ROLE.eq(OrgRole.owner)
        .or(org.jooq.impl.DSL.val(permission).eq(org.jooq.impl.DSL.any(ORGANIZATION_MEMBER.PERMISSIONS)));
  }

  static Set<OrgPermission> permissionSet(OrgPermission[] permissions) {
    var set = EnumSet.noneOf(OrgPermission.class);
    set.addAll(Arrays.asList(permissions));
    return set;
  }

  /** What a role holds when no permissions are given explicitly. */
  static OrgPermission[] defaultPermissions(OrgRole role) {
    return switch (role) {
      case owner -> OrgPermission.values();
      case admin -> Arrays.stream(OrgPermission.values())
          .filter(p -> p != OrgPermission.manage_billing).toArray(OrgPermission[]::new);
      case staff -> new OrgPermission[] {OrgPermission.manage_bookings};
    };
  }
}
