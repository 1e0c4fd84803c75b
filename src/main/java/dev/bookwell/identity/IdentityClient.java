package dev.bookwell.identity;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * How other areas reach the identity area: the only place that knows its bus addresses and message shapes.
 * Permission checks, owner grants, and the narrow delivery call of a notification sender.
 */
public final class IdentityClient {

  static final String AUTHORIZE = "identity.authorize";
  static final String GRANT_OWNER = "identity.grant-owner";
  /** Request {@code {kind: "password-reset" | "invitation", id}}; reply {@code {email, name, token, expiresAt}}. */
  static final String DELIVERY_TOKEN = "identity.delivery-token";
  /** Request {@code {userId}}; reply {@code {email, name, timezone}} of an active account, else 404. */
  static final String CONTACT = "identity.contact";
  static final String STAFF = "identity.staff";
  /** Outbox events ({@code {userId, changedBy}}): the account can no longer sign in. */
  public static final String USER_DELETED = "identity.user_deleted";
  public static final String USER_DEACTIVATED = "identity.user_deactivated";
  /** The most staff contacts one question answers. */
  public static final int STAFF_LIMIT = 200;

  private IdentityClient() {
  }

  /** Succeeds when allowed; otherwise fails with a 403 problem (401 when there is no caller). */
  public static Future<Void> require(EventBus bus, Caller caller, UUID organizationId, OrgPermission permission) {
    if (caller == null) {
      return Future.failedFuture(Problem.unauthenticated().toException());
    }
    var question = new JsonObject()
        .put("caller", caller.toJson())
        .put("organizationId", organizationId.toString())
        .put("permission", permission.getLiteral());
    return bus.<JsonObject>request(AUTHORIZE, question).compose(answer -> answer.body().getBoolean("allowed")
        ? Future.succeededFuture()
        : Future.failedFuture(Problem.forbidden("You need the " + permission.getLiteral()
            + " permission in this organization.").toException()));
  }

  /**
   * Succeeds when the caller owns the organization (or is a platform admin); otherwise 403. For what no permission
   * may be delegated: renaming or removing the organization itself.
   */
  public static Future<Void> requireOwner(EventBus bus, Caller caller, UUID organizationId) {
    if (caller == null) {
      return Future.failedFuture(Problem.unauthenticated().toException());
    }
    var question = new JsonObject().put("caller", caller.toJson()).put("organizationId", organizationId.toString())
        .put("owner", true);
    return bus.<JsonObject>request(AUTHORIZE, question).compose(answer -> answer.body().getBoolean("allowed")
        ? Future.succeededFuture()
        : Future.failedFuture(Problem.forbidden("Only an owner of this organization may do this.").toException()));
  }

  /** Makes a user the owner of a new organization; the scheduling area calls it when one is created. */
  public static Future<Void> grantOwner(EventBus bus, UUID organizationId, UUID userId) {
    return bus.request(GRANT_OWNER, new JsonObject().put("organizationId", organizationId.toString())
        .put("userId", userId.toString())).mapEmpty();
  }

  /**
   * The active members of an organization who hold {@code permission}, as contacts (as {@link #contact}, with
   * {@code userId}); at most {@link #STAFF_LIMIT}.
   */
  public static Future<JsonArray> staff(EventBus bus, UUID organizationId, OrgPermission permission) {
    return bus.<JsonObject>request(STAFF, new JsonObject().put("organizationId", organizationId.toString())
            .put("permission", permission.name()))
        .map(answer -> answer.body().getJsonArray("staff"));
  }

  /**
   * Where and how to reach an active account: {@code {userId, email, name, phone, timezone, locale}}; 404 for one
   * deleted or deactivated.
   */
  public static Future<JsonObject> contact(EventBus bus, UUID userId) {
    return bus.<JsonObject>request(CONTACT, new JsonObject().put("userId", userId.toString()))
        .map(answer -> answer.body());
  }

  /**
   * What a sender needs to deliver a password reset or an invitation ({@code kind} "password-reset" or
   * "invitation"): {@code {email, name, token, expiresAt}}, while it can still be used; 404 otherwise.
   */
  public static Future<JsonObject> deliveryToken(EventBus bus, String kind, UUID id) {
    return bus.<JsonObject>request(DELIVERY_TOKEN, new JsonObject().put("kind", kind).put("id", id.toString()))
        .map(answer -> answer.body());
  }
}
