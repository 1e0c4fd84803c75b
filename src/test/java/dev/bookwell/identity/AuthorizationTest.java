package dev.bookwell.identity;

import static dev.bookwell.identity.IdentityFixture.PASSWORD;
import static dev.bookwell.identity.IdentityFixture.login;
import static dev.bookwell.identity.IdentityFixture.register;
import static dev.bookwell.identity.IdentityFixture.uniqueEmail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Organization roles and permissions, over HTTP and through the bus API other areas use. */
class AuthorizationTest {

  static TestApp app;
  static String admin;
  UUID organization;
  UUID owner;
  String ownerToken;
  UUID staff;
  String staffToken;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    admin = AdminFixture.adminToken(app);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @BeforeEach
  void organizationWithOwnerAndStaff() {
    String ownerEmail = uniqueEmail();
    owner = register(app, ownerEmail);
    ownerToken = login(app, ownerEmail, PASSWORD).getString("accessToken");
    organization = UUID.fromString(IdentityFixture.organization(app, ownerToken));
    String staffEmail = uniqueEmail();
    staff = register(app, staffEmail);
    staffToken = login(app, staffEmail, PASSWORD).getString("accessToken");
    IdentityFixture.accept(app, IdentityFixture.invite(app, organization.toString(), ownerToken, staffEmail,
        new JsonObject().put("role", "staff")), staffToken);
  }

  @Test
  void staffWithoutThePermissionIsDenied() {
    var denied = app.call(HttpMethod.GET, members(), null, staffToken);
    assertEquals(403, denied.statusCode());
    assertEquals("https://bookwell.dev/problems/forbidden", denied.bodyAsJsonObject().getString("type"));
    assertEquals(403, putMember(staffToken, UUID.randomUUID(), new JsonObject().put("role", "staff")).statusCode());

    var listed = app.call(HttpMethod.GET, members(), null, ownerToken);
    assertEquals(200, listed.statusCode());
    assertEquals(2, listed.bodyAsJsonObject().getJsonArray("items").size());
  }

  @Test
  void explicitPermissionsAreWhatCounts() {
    var granted = putMember(ownerToken, staff,
        new JsonObject().put("role", "staff").put("permissions", List.of("manage_staff")));
    assertEquals(200, granted.statusCode(), granted.bodyAsString());
    assertEquals(200, app.call(HttpMethod.GET, members(), null, staffToken).statusCode());

    assertAllowed(staff, OrgPermission.manage_staff, true);
    assertAllowed(staff, OrgPermission.manage_bookings, false);
    assertAllowed(owner, OrgPermission.manage_billing, true);
    assertAllowed(UUID.randomUUID(), OrgPermission.view_reports, false);
  }

  @Test
  void otherAreasGetAForbiddenProblemFromTheBusApi() {
    var caller = new Caller(staff, List.of("client"), null);
    var failure = Wait.failureOf(
        IdentityClient.require(app.vertx.eventBus(), caller, organization, OrgPermission.manage_billing));
    assertEquals(403, ((ProblemException) failure).problem().status());
    Wait.on(IdentityClient.require(app.vertx.eventBus(), caller, organization, OrgPermission.manage_bookings));
    var platformAdmin = new Caller(UUID.randomUUID(), List.of("admin"), null);
    Wait.on(IdentityClient.require(app.vertx.eventBus(), platformAdmin, organization, OrgPermission.manage_billing));
  }

  @Test
  void onlyAnOwnerMakesAnOwnerAndTheLastOwnerStays() {
    putMember(ownerToken, staff, new JsonObject().put("role", "admin"));
    var adminMakesOwner = putMember(staffToken, UUID.randomUUID(), new JsonObject().put("role", "owner"));
    assertEquals(403, adminMakesOwner.statusCode(), "an org admin cannot create owners");

    var lastOwner = app.call(HttpMethod.DELETE, members() + "/" + owner, null, ownerToken);
    assertEquals(409, lastOwner.statusCode());
    assertEquals("https://bookwell.dev/problems/last-owner", lastOwner.bodyAsJsonObject().getString("type"));
    var demote = putMember(ownerToken, owner, new JsonObject().put("role", "staff"));
    assertEquals(409, demote.statusCode());
  }

  /**
   * A create retried with its Idempotency-Key names the same organization; once made, the retry grants nothing, so
   * a creator removed meanwhile does not become owner again by sending the create once more.
   */
  @Test
  void aRemovedCreatorDoesNotRegainTheOrganizationByRetryingItsCreate() {
    var create = new JsonObject().put("kind", "clinic").put("name", "Retried").put("timezone", "UTC")
        .put("currency", "EUR");
    var made = Wait.on(app.client.post("/v1/organizations").putHeader("Authorization", "Bearer " + staffToken)
        .putHeader("Idempotency-Key", "create-once").sendJsonObject(create));
    assertEquals(201, made.statusCode(), made.bodyAsString());
    organization = UUID.fromString(made.bodyAsJsonObject().getString("id"));
    String secondEmail = uniqueEmail();
    register(app, secondEmail);
    String second = login(app, secondEmail, PASSWORD).getString("accessToken");
    IdentityFixture.accept(app, IdentityFixture.invite(app, organization.toString(), staffToken, secondEmail,
        new JsonObject().put("role", "owner")), second);
    assertEquals(204, app.call(HttpMethod.DELETE, members() + "/" + staff, null, second).statusCode());

    var retried = Wait.on(app.client.post("/v1/organizations").putHeader("Authorization", "Bearer " + staffToken)
        .putHeader("Idempotency-Key", "create-once").sendJsonObject(create));
    assertEquals(201, retried.statusCode(), retried.bodyAsString());
    assertEquals(organization.toString(), retried.bodyAsJsonObject().getString("id"), "the same organization");
    assertAllowed(staff, OrgPermission.manage_staff, false);
    assertEquals(403, app.call(HttpMethod.GET, members(), null, staffToken).statusCode());
    assertEquals(1, app.call(HttpMethod.GET, members(), null, second).bodyAsJsonObject().getJsonArray("items")
        .size(), "only the owner who removed the creator");
  }

  /**
   * An address has at most three open invitations to an organization, and an invitation ends with its inviter's
   * standing: removed (or given fewer permissions), what they sent can no longer be accepted.
   */
  @Test
  void anInvitationGoesOutOnceAndEndsWithItsInvitersStanding() {
    assertEquals(200, putMember(ownerToken, staff, new JsonObject().put("role", "admin")).statusCode());
    String email = uniqueEmail();
    String token = IdentityFixture.invite(app, organization.toString(), staffToken, email,
        new JsonObject().put("role", "admin"));
    for (int more = 0; more < 2; more++) {
      IdentityFixture.invite(app, organization.toString(), ownerToken, email, new JsonObject().put("role", "staff"));
    }
    var again = app.call(HttpMethod.POST, members().replace("/members", "/invitations"), new JsonObject()
        .put("email", email).put("role", "staff"), ownerToken);
    assertEquals(409, again.statusCode(), again.bodyAsString());
    assertEquals("https://bookwell.dev/problems/already-invited", again.bodyAsJsonObject().getString("type"));

    // the removal and the check at acceptance each end it: the row is also revoked, so it is not listed as open
    assertEquals(204, app.call(HttpMethod.DELETE, members() + "/" + staff, null, ownerToken).statusCode());
    assertEquals(2, app.call(HttpMethod.GET, members().replace("/members", "/invitations"), null, ownerToken)
        .bodyAsJsonObject().getJsonArray("items").size(), "the owner's two stay open");
    register(app, email);
    var accepted = app.call(HttpMethod.POST, "/v1/invitations/accept", new JsonObject().put("token", token),
        login(app, email, PASSWORD).getString("accessToken"));
    assertEquals(400, accepted.statusCode(), "the inviter was removed: " + accepted.bodyAsString());
    assertEquals(1, app.call(HttpMethod.GET, members(), null, ownerToken).bodyAsJsonObject().getJsonArray("items")
        .size(), "nobody joined through it");

    // an inviter whose account is deactivated: nothing revoked the row, the check at acceptance refuses it
    String thirdEmail = uniqueEmail();
    UUID third = register(app, thirdEmail);
    String thirdToken = login(app, thirdEmail, PASSWORD).getString("accessToken");
    IdentityFixture.accept(app, IdentityFixture.invite(app, organization.toString(), ownerToken, thirdEmail,
        new JsonObject().put("role", "admin")), thirdToken);
    String laterEmail = uniqueEmail();
    String later = IdentityFixture.invite(app, organization.toString(), thirdToken, laterEmail,
        new JsonObject().put("role", "staff"));
    assertEquals(204, app.call(HttpMethod.POST, "/v1/admin/users/" + third + "/deactivate", null, admin)
        .statusCode());
    register(app, laterEmail);
    assertEquals(400, app.call(HttpMethod.POST, "/v1/invitations/accept", new JsonObject().put("token", later),
        login(app, laterEmail, PASSWORD).getString("accessToken")).statusCode());
  }

  /**
   * Only owners who can still sign in count as another owner, and the last owner of an organization others belong
   * to cannot delete their account: the members would be left with nobody who may make an owner.
   */
  @Test
  void theLastOwnerWhoCanSignInStays() {
    String secondEmail = uniqueEmail();
    UUID second = register(app, secondEmail);
    String secondToken = login(app, secondEmail, PASSWORD).getString("accessToken");
    IdentityFixture.accept(app, IdentityFixture.invite(app, organization.toString(), ownerToken, secondEmail,
        new JsonObject().put("role", "owner")), secondToken);
    assertEquals(204, app.call(HttpMethod.DELETE, "/v1/me", null, secondToken).statusCode(), "another owner stays");

    var leaving = app.call(HttpMethod.DELETE, members() + "/" + owner, null, ownerToken);
    assertEquals(409, leaving.statusCode(), "the deleted account is no owner: " + leaving.bodyAsString());
    var deleting = app.call(HttpMethod.DELETE, "/v1/me", null, ownerToken);
    assertEquals(409, deleting.statusCode(), deleting.bodyAsString());
    assertEquals("https://bookwell.dev/problems/last-owner", deleting.bodyAsJsonObject().getString("type"));
    assertAllowed(owner, OrgPermission.manage_staff, true);
  }

  @Test
  void anInvitationIsAcceptedOnceByTheInvitedEmailOnly() {
    String invitedEmail = uniqueEmail();
    var invited = app.call(HttpMethod.POST, "/v1/organizations/" + organization + "/invitations",
        new JsonObject().put("email", invitedEmail.toUpperCase()).put("role", "staff")
            .put("permissions", List.of("manage_bookings", "view_reports")), ownerToken);
    assertEquals(201, invited.statusCode(), invited.bodyAsString());
    assertEquals(403, app.call(HttpMethod.POST, "/v1/organizations/" + organization + "/invitations",
        new JsonObject().put("email", uniqueEmail()).put("role", "staff"), staffToken).statusCode(),
        "staff without manage_staff cannot invite");

    var event = IdentityFixture.lastEvent(app, "identity.invitation_created", organization);
    assertFalse(event.encode().contains("token"), "no secret in the event: " + event.encode());
    String token = IdentityFixture.delivery(app, "invitation", event.getString("invitationId")).getString("token");

    var accept = new JsonObject().put("token", token);
    assertEquals(403, app.call(HttpMethod.POST, "/v1/invitations/accept", accept, staffToken).statusCode(),
        "another account cannot use it");
    UUID invitedUser = register(app, invitedEmail);
    String invitedToken = login(app, invitedEmail, PASSWORD).getString("accessToken");
    var accepted = app.call(HttpMethod.POST, "/v1/invitations/accept", accept, invitedToken);
    assertEquals(200, accepted.statusCode(), accepted.bodyAsString());
    assertAllowed(invitedUser, OrgPermission.view_reports, true);
    assertAllowed(invitedUser, OrgPermission.manage_staff, false);
    assertEquals(400, app.call(HttpMethod.POST, "/v1/invitations/accept", accept, invitedToken).statusCode(),
        "single use");
  }

  @Test
  void unknownUserIs404() {
    assertEquals(404, putMember(ownerToken, UUID.randomUUID(), new JsonObject().put("role", "staff")).statusCode());
  }

  private void assertAllowed(UUID user, OrgPermission permission, boolean expected) {
    var caller = new Caller(user, List.of("client"), null);
    boolean allowed = Wait.on(Authorization.allowed(app.db, caller, organization, permission));
    assertEquals(expected, allowed, user + " " + permission);
  }

  private String members() {
    return "/v1/organizations/" + organization + "/members";
  }

  private io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> putMember(String token, UUID user,
                                                                                     JsonObject body) {
    return app.call(HttpMethod.PUT, members() + "/" + user, body, token);
  }
}
