package dev.bookwell.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.AppTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import dev.bookwell.support.Wait;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every resource's life over HTTP: created (its Location answers 200), read, listed, changed with JSON merge and
 * If-Match, removed; ETags for cheap polling; and an attacker's organization changes nothing of the victim's.
 */
class ResourceLifeTest extends AppTest {

  static World world;
  static String attacker;

  @BeforeAll
  static void setUp() {
    world = new World(app, "UTC");
    attacker = world.userToken();
    IdentityFixture.organization(app, attacker);
  }

  @Test
  void aVenueLivesItsWholeLife() {
    var created = app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/venues",
        new JsonObject().put("name", "Studio").put("capacity", 12).put("address", "1 Main St"), world.owner);
    assertEquals(201, created.statusCode(), created.bodyAsString());
    String location = created.getHeader("Location");
    var read = get(location, null);
    assertEquals(200, read.statusCode(), "Location answers: " + location);
    String etag = read.getHeader("ETag");
    assertNotNull(etag);
    assertEquals(304, conditionalGet(location, etag).statusCode(), "unchanged: nothing to send");

    var listed = get("/v1/organizations/" + world.organizationId + "/venues?limit=100", null).bodyAsJsonObject();
    assertTrue(listed.getJsonArray("items").stream().anyMatch(v -> ((JsonObject) v).getString("name")
        .equals("Studio")));

    var patched = patch(location, new JsonObject().put("capacity", 14), world.owner, etag);
    assertEquals(200, patched.statusCode(), patched.bodyAsString());
    assertEquals(14, patched.bodyAsJsonObject().getInteger("capacity"));
    assertEquals("1 Main St", patched.bodyAsJsonObject().getString("address"), "absent fields stay");
    var stale = patch(location, new JsonObject().put("capacity", 99), world.owner, etag);
    assertEquals(412, stale.statusCode(), "a write based on an old read never lands");
    assertEquals(14, get(location, null).bodyAsJsonObject().getInteger("capacity"));
    assertEquals(200, conditionalGet(location, etag).statusCode(), "changed: the new version is sent");

    assertEquals(400, patch(location, new JsonObject().put("colour", "red"), world.owner, null).statusCode(),
        "an unknown field is refused, not ignored");
    assertEquals(204, app.call(HttpMethod.DELETE, location, null, world.owner).statusCode());
    assertEquals(404, get(location, null).statusCode());
  }

  @Test
  void pagesFollowTheirCursorWhateverTheNames() {
    String org = IdentityFixture.organization(app, world.owner);
    String path = "/v1/organizations/" + org + "/venues";
    for (String name : java.util.List.of("Hall\nEast", "Hall\nWest", "\u5927\u5385".repeat(100))) {
      assertEquals(201, app.call(HttpMethod.POST, path, new JsonObject().put("name", name).put("capacity", 5),
          world.owner).statusCode());
    }
    var seen = new java.util.ArrayList<String>();
    String cursor = null;
    do {
      var page = get(path + "?limit=1" + (cursor == null ? "" : "&cursor=" + cursor), null);
      assertEquals(200, page.statusCode(), page.bodyAsString());
      page.bodyAsJsonObject().getJsonArray("items").forEach(v -> seen.add(((JsonObject) v).getString("name")));
      cursor = page.bodyAsJsonObject().getString("nextCursor");
    } while (cursor != null);
    assertEquals(3, seen.size(), seen.toString());
  }

  @Test
  void anotherOrganizationChangesNothingOfTheVictims() {
    String venue = "/v1/venues/" + world.venueId;
    String service = "/v1/services/" + world.service(new JsonObject().put("name", "Victim service"));
    var venueBefore = get(venue, null).bodyAsJsonObject();
    var serviceBefore = get(service, null).bodyAsJsonObject();

    assertEquals(403, patch(venue, new JsonObject().put("name", "Pwned"), attacker, null).statusCode());
    assertEquals(403, app.call(HttpMethod.DELETE, venue, null, attacker).statusCode());
    assertEquals(403, patch(service, new JsonObject().put("priceMinor", 1), attacker, null).statusCode());
    assertEquals(403, patch("/v1/organizations/" + world.organizationId, new JsonObject().put("name", "Pwned"),
        attacker, null).statusCode());
    assertEquals(403, get("/v1/organizations/" + world.organizationId + "/promo-codes", attacker).statusCode());
    assertEquals(403, get("/v1/organizations/" + world.organizationId + "/invitations", attacker).statusCode());
    assertEquals(403, get("/v1/providers/" + world.providerId + "/availability?organizationId="
        + world.organizationId, attacker).statusCode());

    String org = "/v1/organizations/" + world.organizationId;
    var code = app.call(HttpMethod.POST, org + "/promo-codes", new JsonObject().put("code", "VICTIM5")
        .put("kind", "percent").put("value", 5), world.owner).bodyAsJsonObject();
    String codePath = org + "/promo-codes/" + code.getString("id");
    assertEquals(403, get(codePath, attacker).statusCode());
    assertEquals(403, app.call(HttpMethod.POST, codePath + "/deactivate", null, attacker).statusCode());
    assertTrue(get(codePath, world.owner).bodyAsJsonObject().getBoolean("active"), "the victim's code still works");
    var invited = app.call(HttpMethod.POST, org + "/invitations", new JsonObject()
        .put("email", IdentityFixture.uniqueEmail()).put("role", "staff"), world.owner).bodyAsJsonObject();
    String invitationPath = org + "/invitations/" + invited.getString("id");
    assertEquals(403, get(invitationPath, attacker).statusCode());
    assertEquals(403, app.call(HttpMethod.DELETE, invitationPath, null, attacker).statusCode());
    assertEquals(200, get(invitationPath, world.owner).statusCode(), "the victim's invitation stands");
    assertTrue(get(org + "/invitations", world.owner).bodyAsJsonObject().getJsonArray("items").stream()
        .anyMatch(i -> ((JsonObject) i).getString("id").equals(invited.getString("id"))));
    assertEquals(403, get("/v1/providers/" + world.providerId + "/exceptions?organizationId="
        + world.organizationId, attacker).statusCode());
    assertEquals(403, get(org + "/notification-settings", attacker).statusCode());

    assertEquals(venueBefore, get(venue, null).bodyAsJsonObject());
    assertEquals(serviceBefore, get(service, null).bodyAsJsonObject());
    assertEquals("Clinic", get("/v1/organizations/" + world.organizationId, null).bodyAsJsonObject()
        .getString("name"));
  }

  @Test
  void aNewPriceLeavesExistingBookingsOnTheirTerms() {
    String serviceId = world.service(new JsonObject().put("name", "Repriced").put("priceMinor", 4000));
    String slotId = world.session(serviceId, world.providerId, World.at(5), 3);
    String client = world.userToken();
    var booking = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slotId), client);
    assertEquals(201, booking.statusCode(), booking.bodyAsString());

    var slot = get("/v1/slots/" + slotId, null);
    assertEquals(200, slot.statusCode(), slot.bodyAsString());
    assertEquals(2, slot.bodyAsJsonObject().getInteger("seatsAvailable"));
    String slotTag = slot.getHeader("ETag");
    assertEquals(304, conditionalGet("/v1/slots/" + slotId, slotTag).statusCode());

    var repriced = patch("/v1/services/" + serviceId, new JsonObject().put("priceMinor", 9000)
        .put("cancellationPolicy", new JsonObject().put("lateRefundPercent", 50)), world.owner, null);
    assertEquals(200, repriced.statusCode(), repriced.bodyAsString());
    assertEquals(9000L, repriced.bodyAsJsonObject().getJsonObject("price").getLong("amountMinor"));
    var kept = get("/v1/bookings/" + booking.bodyAsJsonObject().getString("id"), client).bodyAsJsonObject();
    assertEquals(4000L, kept.getJsonObject("amount").getLong("total"), "the booking keeps its price");
    assertEquals(4000L, kept.getJsonObject("payment").getJsonObject("amount").getLong("amountMinor"),
        "GET shows the payment, in the one payment shape");
    assertEquals(200, conditionalGet("/v1/slots/" + slotId, slotTag).statusCode(), "the slot's price changed");
  }

  @Test
  void exceptionsAreListedAndRemovedById() {
    String serviceId = world.service(new JsonObject().put("name", "Weekly"));
    world.weekly(world.providerId, world.providerToken, "09:00", "12:00", serviceId, null);
    String day = World.at(3).toLocalDate().toString();
    var blocked = app.call(HttpMethod.POST, "/v1/providers/" + world.providerId + "/exceptions",
        new JsonObject().put("organizationId", world.organizationId).put("date", day), world.owner);
    assertEquals(200, blocked.statusCode(), blocked.bodyAsString());
    var listed = get("/v1/providers/" + world.providerId + "/exceptions?organizationId=" + world.organizationId,
        world.owner).bodyAsJsonObject().getJsonArray("items");
    var exception = listed.stream().map(e -> (JsonObject) e).filter(e -> e.getString("date").equals(day))
        .findFirst().orElseThrow();
    var rules = get("/v1/providers/" + world.providerId + "/availability?organizationId=" + world.organizationId,
        world.providerToken).bodyAsJsonObject();
    assertEquals(7, rules.getJsonArray("rules").size());

    assertEquals(403, app.call(HttpMethod.DELETE, "/v1/providers/" + world.providerId + "/exceptions/"
        + exception.getString("id"), null, attacker).statusCode());
    var removed = app.call(HttpMethod.DELETE, "/v1/providers/" + world.providerId + "/exceptions/"
        + exception.getString("id"), null, world.owner);
    assertEquals(200, removed.statusCode(), removed.bodyAsString());
    assertTrue(removed.bodyAsJsonObject().getInteger("slotsCreated") > 0, "the day's slots are back");
  }

  @Test
  void aDeactivatedPromoCodeNoLongerApplies() {
    String serviceId = world.service(new JsonObject().put("name", "Promo target"));
    String slotId = world.session(serviceId, world.providerId, World.at(6), 5);
    var code = app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/promo-codes",
        new JsonObject().put("code", "GONE10").put("kind", "percent").put("value", 10), world.owner);
    assertEquals(201, code.statusCode(), code.bodyAsString());
    assertEquals(200, get(code.getHeader("Location"), world.owner).statusCode(), "Location answers");
    var listed = get("/v1/organizations/" + world.organizationId + "/promo-codes", world.owner).bodyAsJsonObject();
    assertTrue(listed.getJsonArray("items").stream().anyMatch(c -> ((JsonObject) c).getString("code")
        .equals("GONE10")));

    var off = app.call(HttpMethod.POST, code.getHeader("Location") + "/deactivate", null, world.owner);
    assertEquals(200, off.statusCode(), off.bodyAsString());
    assertFalse(off.bodyAsJsonObject().getBoolean("active"));
    var hold = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slotId)
        .put("promoCode", "GONE10"), world.userToken());
    assertEquals(422, hold.statusCode(), hold.bodyAsString());
  }

  @Test
  void aRevokedInvitationCannotBeAccepted() {
    String email = IdentityFixture.uniqueEmail();
    String token = IdentityFixture.invite(app, world.organizationId, world.owner, email,
        new JsonObject().put("role", "staff"));
    var open = get("/v1/organizations/" + world.organizationId + "/invitations", world.owner).bodyAsJsonObject();
    assertTrue(open.getJsonArray("items").stream().allMatch(i -> get("/v1/organizations/" + world.organizationId
        + "/invitations/" + ((JsonObject) i).getString("id"), world.owner).statusCode() == 200), "each one reads");
    var invitation = open.getJsonArray("items").stream().map(i -> (JsonObject) i)
        .filter(i -> i.getString("email").equals(email)).findFirst().orElseThrow();
    assertEquals(204, app.call(HttpMethod.DELETE, "/v1/organizations/" + world.organizationId + "/invitations/"
        + invitation.getString("id"), null, world.owner).statusCode());
    IdentityFixture.register(app, email);
    String invitee = IdentityFixture.login(app, email, IdentityFixture.PASSWORD).getString("accessToken");
    var accepted = app.call(HttpMethod.POST, "/v1/invitations/accept", new JsonObject().put("token", token),
        invitee);
    assertEquals(400, accepted.statusCode(), accepted.bodyAsString());
  }

  @Test
  void createsAreRetrySafeWithAnIdempotencyKey() {
    String path = "/v1/organizations/" + world.organizationId + "/venues";
    var body = new JsonObject().put("name", "Retried room").put("capacity", 3);
    var first = post(path, body, "venue-key-1");
    var again = post(path, body, "venue-key-1");
    assertEquals(201, first.statusCode(), first.bodyAsString());
    assertEquals(201, again.statusCode(), again.bodyAsString());
    assertEquals(first.bodyAsJsonObject().getString("id"), again.bodyAsJsonObject().getString("id"));
    assertEquals("true", again.getHeader("Idempotent-Replayed"));
    assertEquals(422, post(path, body.copy().put("capacity", 4), "venue-key-1").statusCode(),
        "the same key for another request");
    long rooms = get(path + "?limit=100", null).bodyAsJsonObject().getJsonArray("items").stream()
        .filter(v -> ((JsonObject) v).getString("name").equals("Retried room")).count();
    assertEquals(1, rooms, "one venue, however often the create was retried");

    var organization = post("/v1/organizations", new JsonObject().put("kind", "clinic").put("name", "Once")
        .put("timezone", "UTC").put("currency", "EUR"), "org-key-1");
    assertEquals(organization.bodyAsJsonObject(), post("/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Once").put("timezone", "UTC").put("currency", "EUR"), "org-key-1").bodyAsJsonObject());
  }

  /**
   * An organization's time zone is a region: an offset knows no summer time, and PostgreSQL reads "+05:00" five hours
   * west, so its reports' days (marked in SQL, counted in Java) would lose bookings.
   */
  @Test
  void anOrganizationsTimeZoneIsARegionNotAnOffset() {
    for (String offset : List.of("+05:00", "UTC+05:30", "GMT+5", "Z")) {
      var refused = app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
          .put("name", "Offset").put("timezone", offset).put("currency", "EUR"), world.owner);
      assertEquals(400, refused.statusCode(), offset + ": " + refused.bodyAsString());
      assertEquals("timezone", refused.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
    }
  }

  @Test
  void anOrganizationIsRenamedByItsOwner() {
    String org = "/v1/organizations/" + world.organizationId;
    String etag = get(org, null).getHeader("ETag");
    var renamed = patch(org, new JsonObject().put("contactEmail", "desk@clinic.example"), world.owner, etag);
    assertEquals(200, renamed.statusCode(), renamed.bodyAsString());
    assertEquals("desk@clinic.example", renamed.bodyAsJsonObject().getString("contactEmail"));
    assertEquals(400, patch(org, new JsonObject().put("contactEmail", "Desk <desk@clinic.example>"), world.owner,
        renamed.getHeader("ETag")).statusCode(), "an address, as every email taken");
    assertEquals("Clinic", renamed.bodyAsJsonObject().getString("name"));
  }

  @Test
  void anOrganizationIsRemovedOnlyOnceNobodyWorksThere() {
    var other = new World(app, "UTC");
    String org = "/v1/organizations/" + other.organizationId;
    var refused = app.call(HttpMethod.DELETE, org, null, other.owner);
    assertEquals(409, refused.statusCode(), "a provider still works there");
    String clerkEmail = IdentityFixture.uniqueEmail();
    String invitation = IdentityFixture.invite(app, other.organizationId, other.owner, clerkEmail,
        new JsonObject().put("role", "staff").put("permissions", new io.vertx.core.json.JsonArray()
            .add("manage_billing")));
    IdentityFixture.register(app, clerkEmail);
    String clerk = IdentityFixture.login(app, clerkEmail, IdentityFixture.PASSWORD).getString("accessToken");
    IdentityFixture.accept(app, invitation, clerk);
    assertEquals(403, patch(org, new JsonObject().put("name", "Clerk's"), clerk, null).statusCode(),
        "billing is delegated, the organization itself is not");
    assertEquals(403, app.call(HttpMethod.DELETE, org, null, attacker).statusCode());
    assertEquals(200, app.call(HttpMethod.DELETE, org + "/providers/" + other.providerId, null, other.owner)
        .statusCode());
    assertEquals(403, app.call(HttpMethod.DELETE, org, null, clerk).statusCode());
    assertEquals(204, app.call(HttpMethod.DELETE, org, null, other.owner).statusCode());
    assertEquals(404, get(org, null).statusCode());
    assertEquals(404, app.call(HttpMethod.POST, org + "/providers/" + world.providerId, null, other.owner)
        .statusCode(), "a removed organization asks nobody to work for it");
    var mine = get("/v1/me/organizations", other.owner).bodyAsJsonObject().getJsonArray("items");
    assertTrue(mine.stream().anyMatch(m -> ((JsonObject) m).getString("organizationId")
        .equals(other.organizationId)), "memberships stay for the record");
  }

  @Test
  void membersReadThemselvesAndManagersReadEveryone() {
    String email = IdentityFixture.uniqueEmail();
    String token = IdentityFixture.invite(app, world.organizationId, world.owner, email,
        new JsonObject().put("role", "staff"));
    var userId = IdentityFixture.register(app, email);
    String staff = IdentityFixture.login(app, email, IdentityFixture.PASSWORD).getString("accessToken");
    IdentityFixture.accept(app, token, staff);
    String path = "/v1/organizations/" + world.organizationId + "/members/";
    assertEquals("staff", get(path + userId, staff).bodyAsJsonObject().getString("role"));
    assertEquals(200, get(path + userId, world.owner).statusCode());
    var ownerId = get("/v1/me", world.owner).bodyAsJsonObject().getString("id");
    assertEquals(403, get(path + ownerId, staff).statusCode(), "staff without manage_staff read only themselves");
    assertEquals(403, get(path + userId, attacker).statusCode());
  }

  @Test
  void aWeeklyRuleIsRemovedById() {
    String serviceId = world.service(new JsonObject().put("name", "Rule target"));
    var provider = world.userToken();
    String providerId = world.newActiveProvider(provider, "UTC", java.util.List.of(), java.util.List.of());
    world.weekly(providerId, provider, "13:00", "15:00", serviceId, null);
    var rules = get("/v1/providers/" + providerId + "/availability?organizationId=" + world.organizationId, provider)
        .bodyAsJsonObject().getJsonArray("rules");
    String ruleId = rules.getJsonObject(0).getString("id");
    assertEquals(403, app.call(HttpMethod.DELETE, "/v1/providers/" + providerId + "/availability/" + ruleId, null,
        attacker).statusCode());
    var removed = app.call(HttpMethod.DELETE, "/v1/providers/" + providerId + "/availability/" + ruleId, null,
        provider);
    assertEquals(200, removed.statusCode(), removed.bodyAsString());
    assertTrue(removed.bodyAsJsonObject().getInteger("slotsRemoved") > 0);
    assertEquals(6, get("/v1/providers/" + providerId + "/availability?organizationId=" + world.organizationId,
        provider).bodyAsJsonObject().getJsonArray("rules").size());
  }

  @Test
  void aProviderEditsTheirOwnProfile() {
    String path = "/v1/providers/" + world.providerId;
    String etag = get(path, null).getHeader("ETag");
    assertEquals(403, patch(path, new JsonObject().put("bio", "pwned"), attacker, null).statusCode());
    var edited = patch(path, new JsonObject().put("bio", "Twenty years of practice"), world.providerToken, etag);
    assertEquals(200, edited.statusCode(), edited.bodyAsString());
    assertEquals("Twenty years of practice", edited.bodyAsJsonObject().getString("bio"));
    assertEquals(412, patch(path, new JsonObject().put("bio", "x"), world.providerToken, etag).statusCode());
  }

  private static HttpResponse<Buffer> get(String path, String token) {
    return app.call(HttpMethod.GET, path, null, token);
  }

  private static HttpResponse<Buffer> post(String path, JsonObject body, String key) {
    return Wait.on(app.client.request(HttpMethod.POST, path).putHeader("Authorization", "Bearer " + world.owner)
        .putHeader("Idempotency-Key", key).sendJsonObject(body));
  }

  private static HttpResponse<Buffer> conditionalGet(String path, String etag) {
    return Wait.on(app.client.request(HttpMethod.GET, path).putHeader("If-None-Match", etag).send());
  }

  private static HttpResponse<Buffer> patch(String path, JsonObject body, String token, String ifMatch) {
    var request = app.client.request(HttpMethod.PATCH, path).putHeader("Authorization", "Bearer " + token);
    if (ifMatch != null) {
      request.putHeader("If-Match", ifMatch);
    }
    return Wait.on(request.sendJsonObject(body));
  }
}
