package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.PROVIDER_DOCUMENT;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Provider requirements: documents uploaded, sniffed, reviewed; approval, working somewhere and bookability gated. */
class RequirementTest {

  static final byte[] PDF = "%PDF-1.4\n% a licence\n%%EOF\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13};
  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start(dev.bookwell.Bookwell.CONTRACT, Map.of("BOOKWELL_MAIL_POLL_INTERVAL", "200ms"));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static JsonObject upload(String provider, String token, String type, byte[] content, LocalDate expires,
                                   int expected) {
    var body = new JsonObject().put("requirementTypeId", type).put("fileName", "licence.pdf")
        .put("content", Base64.getEncoder().encodeToString(content));
    if (expires != null) {
      body.put("expiresOn", expires.toString());
    }
    var response = app.call(HttpMethod.POST, "/v1/providers/" + provider + "/documents", body, token);
    assertEquals(expected, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  @Test
  void requirementsGateApprovalWorkAndBookability() {
    var world = new World(app, "UTC");  // its provider was approved before any requirement existed
    String licence = World.created(app.call(HttpMethod.POST, "/v1/requirement-types", new JsonObject()
        .put("name", "Medical licence").put("expires", true), world.admin));
    assertEquals(403, app.call(HttpMethod.POST, "/v1/requirement-types", new JsonObject().put("name", "Mine")
        .put("expires", false), world.owner).statusCode(), "platform types are the platform admins'");
    String dbs = World.created(app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId
        + "/requirement-types", new JsonObject().put("name", "Background check").put("expires", false), world.owner));

    String token = world.userToken();
    String provider = World.created(app.call(HttpMethod.POST, "/v1/providers", new JsonObject()
        .put("displayName", "Dr New").put("timezone", "UTC"), token));
    var refused = app.call(HttpMethod.POST, "/v1/providers/" + provider + "/approve", new JsonObject(), world.admin);
    assertEquals(409, refused.statusCode());
    assertEquals("https://bookwell.dev/problems/requirements-unmet", refused.bodyAsJsonObject().getString("type"));

    upload(provider, token, licence, "MZ not a pdf".getBytes(), LocalDate.now().plusYears(1), 422);
    upload(provider, token, licence, PDF, null, 400);
    upload(provider, world.userToken(), licence, PDF, LocalDate.now().plusYears(1), 404);
    String document = upload(provider, token, licence, PDF, LocalDate.now().plusYears(1), 201).getString("id");

    // only the provider and the type's reviewers (platform admins) read it
    String content = "/v1/documents/" + document + "/content";
    assertEquals(404, app.call(HttpMethod.GET, content, null, world.owner).statusCode());
    assertEquals(404, app.call(HttpMethod.GET, content, null, world.userToken()).statusCode());
    var file = Wait.on(app.client.get(content).putHeader("Authorization", "Bearer " + world.admin).send());
    assertEquals(200, file.statusCode());
    assertEquals("application/pdf", file.getHeader("Content-Type"));
    assertArrayEquals(PDF, file.body().getBytes());
    assertEquals(403, app.call(HttpMethod.POST, "/v1/documents/" + document + "/review", new JsonObject()
        .put("decision", "approved"), world.owner).statusCode(), "an organization does not review platform types");
    World.ok(app.call(HttpMethod.POST, "/v1/documents/" + document + "/review", new JsonObject()
        .put("decision", "approved"), world.admin));
    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + provider + "/approve", new JsonObject(), world.admin));
    World.ok(app.call(HttpMethod.POST, "/v1/providers/" + provider + "/activate", null, token));

    // working for the organization needs its own requirement too
    assertEquals(202, app.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/providers/"
        + provider, null, world.owner).statusCode());
    String accept = "/v1/providers/" + provider + "/organizations/" + world.organizationId + "/accept";
    assertEquals(409, app.call(HttpMethod.POST, accept, null, token).statusCode());
    String check = upload(provider, token, dbs, PNG, null, 201).getString("id");
    var reviewed = World.ok(app.call(HttpMethod.POST, "/v1/documents/" + check + "/review", new JsonObject()
        .put("decision", "approved"), world.owner));
    assertEquals("approved", reviewed.getString("status"));
    World.ok(app.call(HttpMethod.POST, accept, null, token));

    // a stranger organization's reviewer sees none of it
    String rivalOwner = world.userToken();
    String rival = World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Rival").put("timezone", "UTC").put("currency", "EUR"), rivalOwner));
    assertEquals(0, World.ok(app.call(HttpMethod.GET, "/v1/providers/" + provider + "/documents?organizationId="
        + rival, null, rivalOwner)).getJsonArray("items").size());
    assertEquals(404, app.call(HttpMethod.GET, "/v1/documents/" + check + "/content", null, rivalOwner).statusCode());
    assertEquals(403, app.call(HttpMethod.POST, "/v1/documents/" + check + "/review", new JsonObject()
        .put("decision", "rejected").put("reason", "x"), rivalOwner).statusCode());
    assertEquals(2, World.ok(app.call(HttpMethod.GET, "/v1/providers/" + provider + "/documents", null, token))
        .getJsonArray("items").size());

    // the licence expires: the link lapses and its slots are not bookable; a new approved licence restores it
    String service = world.service(new JsonObject().put("priceMinor", 0).put("seatsPerSlot", 2));
    String slot = world.session(service, provider, World.at(3), 2);
    String client = world.userToken();
    Wait.on(app.db.update(Sql.DSL.update(PROVIDER_DOCUMENT).set(PROVIDER_DOCUMENT.EXPIRES_ON,
        LocalDate.now().minusDays(1)).where(PROVIDER_DOCUMENT.ID.eq(UUID.fromString(document)))));
    Eventually.until("lapsed", () -> lapsed(provider, world.organizationId));
    // 30 days before expiry the provider was warned (here at once: the document was already within them)
    Eventually.until("warned", () -> Wait.on(app.db.fetch(Sql.DSL.selectFrom(dev.bookwell.db.Tables.OUTGOING_MESSAGE)
        .where(dev.bookwell.db.Tables.OUTGOING_MESSAGE.TEMPLATE.eq("provider-requirement-expiring")))).size() >= 1);
    var hold = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot).put("seats", 1), client);
    assertEquals(422, hold.statusCode(), hold.bodyAsString());
    assertEquals("https://bookwell.dev/problems/provider-not-bookable", hold.bodyAsJsonObject().getString("type"));
    String renewed = upload(provider, token, licence, PDF, LocalDate.now().plusYears(2), 201).getString("id");
    World.ok(app.call(HttpMethod.POST, "/v1/documents/" + renewed + "/review", new JsonObject()
        .put("decision", "approved"), world.admin));
    Eventually.until("restored", () -> !lapsed(provider, world.organizationId));
    assertEquals(201, app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
        .put("seats", 1), client).statusCode());
    // requirement types created later gate new approvals and links, but never stop a provider already working
    assertEquals(false, lapsed(world.providerId, world.organizationId));
    assertEquals(409, app.call(HttpMethod.POST, "/v1/documents/" + renewed + "/review", new JsonObject()
        .put("decision", "rejected").put("reason", "late"), world.admin).statusCode(), "reviewed once");
  }

  /**
   * Racing uploads for one requirement leave one document waiting, the others 409; an organization has at most 100
   * requirement types (each one more document its providers keep).
   */
  @Test
  void oneDocumentWaitsPerRequirementHoweverUploadsRaceAndTypesAreCapped() {
    // an organization of its own (a World approves a provider, which another test's platform types may block)
    String ownerEmail = dev.bookwell.identity.IdentityFixture.uniqueEmail();
    dev.bookwell.identity.IdentityFixture.register(app, ownerEmail);
    String owner = dev.bookwell.identity.IdentityFixture.login(app, ownerEmail,
        dev.bookwell.identity.IdentityFixture.PASSWORD).getString("accessToken");
    String organization = dev.bookwell.identity.IdentityFixture.organization(app, owner);
    String types = "/v1/organizations/" + organization + "/requirement-types";
    String type = World.created(app.call(HttpMethod.POST, types, new JsonObject().put("name", "Insurance")
        .put("expires", false), owner));
    String providerEmail = dev.bookwell.identity.IdentityFixture.uniqueEmail();
    dev.bookwell.identity.IdentityFixture.register(app, providerEmail);
    String token = dev.bookwell.identity.IdentityFixture.login(app, providerEmail,
        dev.bookwell.identity.IdentityFixture.PASSWORD).getString("accessToken");
    String provider = World.created(app.call(HttpMethod.POST, "/v1/providers", new JsonObject()
        .put("displayName", "Dr Racer").put("timezone", "UTC"), token));
    var asked = app.call(HttpMethod.POST, "/v1/organizations/" + organization + "/providers/" + provider, null, owner);
    assertEquals(202, asked.statusCode(), "asked to work there, its types are the provider's: " + asked.bodyAsString());
    var body = new JsonObject().put("requirementTypeId", type).put("fileName", "policy.pdf")
        .put("content", Base64.getEncoder().encodeToString(PDF));
    var uploads = new java.util.ArrayList<io.vertx.core.Future<io.vertx.ext.web.client.HttpResponse<
        io.vertx.core.buffer.Buffer>>>();
    for (int i = 0; i < 8; i++) {
      uploads.add(app.callAsync(HttpMethod.POST, "/v1/providers/" + provider + "/documents", body, token));
    }
    dev.bookwell.support.Wait.on(io.vertx.core.Future.join(uploads));
    var statuses = uploads.stream().map(u -> u.result().statusCode()).sorted().toList();
    assertEquals(1, statuses.stream().filter(s -> s == 201).count(), statuses.toString());
    assertEquals(7, uploads.stream().filter(u -> u.result().statusCode() == 409 && u.result().bodyAsJsonObject()
        .getString("type").endsWith("/document-pending")).count(), statuses.toString());

    for (int i = 1; i < Requirements.MAX_PER_ORGANIZATION; i++) {
      assertEquals(201, app.call(HttpMethod.POST, types, new JsonObject().put("name", "Check " + i)
          .put("expires", false), owner).statusCode());
    }
    assertEquals(422, app.call(HttpMethod.POST, types, new JsonObject().put("name", "One more")
        .put("expires", false), owner).statusCode());
  }

  private static boolean lapsed(String provider, String organization) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(PROVIDER_ORGANIZATION.REQUIREMENTS_LAPSED_AT)
        .from(PROVIDER_ORGANIZATION).where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(UUID.fromString(provider)))
        .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(UUID.fromString(organization))))).value1() != null;
  }
}
