package dev.bookwell.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.support.TestApp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** Accounts and logins over the real HTTP API, for the identity tests. */
public final class IdentityFixture {

  public static final String PASSWORD = "correct horse battery";

  private IdentityFixture() {
  }

  public static String uniqueEmail() {
    return "user-" + UUID.randomUUID() + "@example.org";
  }

  public static UUID register(TestApp app, String email) {
    var response = app.call(HttpMethod.POST, "/v1/auth/register",
        new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Test User"), null);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return UUID.fromString(response.bodyAsJsonObject().getString("id"));
  }

  /** Logs in and returns the token pair. */
  public static JsonObject login(TestApp app, String email, String password) {
    var response = app.call(HttpMethod.POST, "/v1/auth/login",
        new JsonObject().put("email", email).put("password", password), null);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  /**
   * What the notification sender gets for a reset or an invitation: the narrow bus call, by the id the event
   * carries (events never carry the token).
   */
  public static JsonObject delivery(TestApp app, String kind, String id) {
    return dev.bookwell.support.Wait.on(IdentityClient.deliveryToken(app.vertx.eventBus(), kind,
        java.util.UUID.fromString(id)));
  }

  /** The payload of the newest outbox event of {@code type} about {@code aggregateId}. */
  public static JsonObject lastEvent(TestApp app, String type, Object aggregateId) {
    var event = dev.bookwell.support.Wait.on(app.db.fetchOne(dev.bookwell.platform.db.Sql.DSL
        .select(dev.bookwell.db.Tables.OUTBOX_EVENT.PAYLOAD).from(dev.bookwell.db.Tables.OUTBOX_EVENT)
        .where(dev.bookwell.db.Tables.OUTBOX_EVENT.TYPE.eq(type))
        .and(dev.bookwell.db.Tables.OUTBOX_EVENT.AGGREGATE_ID.eq(String.valueOf(aggregateId)))
        .orderBy(dev.bookwell.db.Tables.OUTBOX_EVENT.SEQ.desc()).limit(1)));
    return new JsonObject(event.value1().data());
  }

  /** {@code inviter} invites {@code email} to the organization; gives the invitation's token (as mailed). */
  public static String invite(TestApp app, String organizationId, String inviter, String email, JsonObject role) {
    var invited = app.call(HttpMethod.POST, "/v1/organizations/" + organizationId + "/invitations",
        role.copy().put("email", email), inviter);
    assertEquals(201, invited.statusCode(), invited.bodyAsString());
    return delivery(app, "invitation", invited.bodyAsJsonObject().getString("id")).getString("token");
  }

  public static JsonObject accept(TestApp app, String invitationToken, String accessToken) {
    var accepted = app.call(HttpMethod.POST, "/v1/invitations/accept",
        new JsonObject().put("token", invitationToken), accessToken);
    assertEquals(200, accepted.statusCode(), accepted.bodyAsString());
    return accepted.bodyAsJsonObject();
  }

  /** A new organization; its creator becomes the owner. */
  public static String organization(TestApp app, String ownerToken) {
    var created = app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Org " + UUID.randomUUID()).put("timezone", "Europe/London").put("currency", "EUR"), ownerToken);
    assertEquals(201, created.statusCode(), created.bodyAsString());
    return created.bodyAsJsonObject().getString("id");
  }

  public static int loginStatus(TestApp app, String email, String password) {
    return app.call(HttpMethod.POST, "/v1/auth/login",
        new JsonObject().put("email", email).put("password", password), null).statusCode();
  }
}
