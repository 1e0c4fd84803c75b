package dev.bookwell.audit;

import static dev.bookwell.db.Tables.AUDIT_ENTRY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/** The audit trail over HTTP: written with each change, read by the organization's admins and platform admins only. */
class AuditTrailTest extends AppTest {

  private static List<JsonObject> entries(String path, String token) {
    return World.ok(app.call(HttpMethod.GET, path, null, token)).getJsonArray("items").stream()
        .map(JsonObject.class::cast).toList();
  }

  @Test
  void staffChangesAreRecordedWithWhoWhereAndBeforeAfter() {
    var world = new World(app, "UTC");
    String service = world.service(new JsonObject().put("priceMinor", 5000));
    World.ok(app.call(HttpMethod.PATCH, "/v1/services/" + service, new JsonObject().put("priceMinor", 7000),
        world.owner));
    assertEquals(204, Wait.on(app.client.delete("/v1/services/" + service)
        .putHeader("Authorization", "Bearer " + world.owner).putHeader("User-Agent", "=cmd|' /C calc'!A0").send())
        .statusCode());

    String base = "/v1/organizations/" + world.organizationId + "/audit";
    var services = entries(base + "?action=service", world.owner);
    assertEquals(List.of("service.deleted", "service.updated", "service.created"),
        services.stream().map(e -> e.getString("action")).toList(), "newest first, service actions only");
    var updated = services.get(1);
    assertEquals(5000, updated.getJsonObject("before").getJsonObject("price").getInteger("amountMinor"));
    assertEquals(7000, updated.getJsonObject("after").getJsonObject("price").getInteger("amountMinor"));
    assertEquals(service, updated.getString("entityId"));
    assertEquals("127.0.0.1", updated.getString("clientAddress"));
    assertNotNull(updated.getString("actorId"));

    // keyset pages of one walk the same entries
    var walked = new ArrayList<String>();
    String cursor = null;
    do {
      var page = World.ok(app.call(HttpMethod.GET, base + "?action=service&limit=1"
          + (cursor == null ? "" : "&cursor=" + cursor), null, world.owner));
      page.getJsonArray("items").forEach(e -> walked.add(((JsonObject) e).getString("id")));
      cursor = page.getString("nextCursor");
    } while (cursor != null);
    assertEquals(services.stream().map(e -> e.getString("id")).toList(), walked);

    // CSV: RFC 4180, and a user agent written as a formula is defused
    var csv = Wait.on(app.client.get(base + "?action=service&format=csv")
        .putHeader("Authorization", "Bearer " + world.owner).send());
    assertEquals(200, csv.statusCode(), csv.bodyAsString());
    assertTrue(csv.getHeader("Content-Type").startsWith("text/csv"));
    assertTrue(csv.bodyAsString().contains("\r\n"), "CRLF line ends");
    List<CSVRecord> rows;
    try {
      rows = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
          .parse(new StringReader(csv.bodyAsString())).getRecords();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertEquals(3, rows.size());
    assertEquals("service.deleted", rows.get(0).get("action"));
    assertEquals("'=cmd|' /C calc'!A0", rows.get(0).get("userAgent"));
    assertEquals(7000, new JsonObject(rows.get(1).get("after")).getJsonObject("price").getInteger("amountMinor"),
        "JSON survives quoting");
  }

  @Test
  void aStrangerOrganizationCannotReadTheTrailAndPlatformAdminsSeeSecurityEvents() {
    var world = new World(app, "UTC");
    world.service(new JsonObject());
    String attacker = world.userToken();
    String rival = World.created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject().put("kind", "clinic")
        .put("name", "Rival").put("timezone", "UTC").put("currency", "EUR"), attacker));
    assertEquals(403, app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/audit", null, attacker)
        .statusCode());
    assertEquals(403, app.call(HttpMethod.GET, "/v1/admin/audit", null, attacker).statusCode());
    assertEquals(403, app.call(HttpMethod.GET, "/v1/admin/audit?organizationId=" + world.organizationId, null,
        attacker).statusCode());
    // the rival's own trail has its own creation and nothing of the victim
    var own = entries("/v1/organizations/" + rival + "/audit", attacker);
    assertTrue(own.stream().allMatch(e -> rival.equals(e.getString("organizationId"))));
    assertTrue(own.stream().anyMatch(e -> e.getString("action").equals("organization.created")));
    // staff without manage_staff do not read it either: the provider works there but administers nothing
    assertEquals(403, app.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/audit", null,
        world.providerToken).statusCode());

    // security events: a failed and a successful login, seen by platform admins
    String email = IdentityFixture.uniqueEmail();
    IdentityFixture.register(app, email);
    assertEquals(401, app.call(HttpMethod.POST, "/v1/auth/login", new JsonObject().put("email", email)
        .put("password", "wrong-password-123"), null).statusCode());
    IdentityFixture.login(app, email, IdentityFixture.PASSWORD);
    var security = entries("/v1/admin/audit?action=security&limit=50", world.admin);
    assertTrue(security.stream().anyMatch(e -> e.getString("action").equals("security.login_failed")
        && email.equals(e.getJsonObject("after").getString("email"))));
    assertTrue(security.stream().anyMatch(e -> e.getString("action").equals("security.login_succeeded")));
    var victims = entries("/v1/admin/audit?organizationId=" + world.organizationId, world.admin);
    assertFalse(victims.isEmpty());
    assertTrue(victims.stream().allMatch(e -> world.organizationId.equals(e.getString("organizationId"))));
  }

  @Test
  void theTrailIsAppendOnlyEvenForTheDatabaseUser() {
    var world = new World(app, "UTC");
    world.service(new JsonObject());
    UUID id = UUID.fromString(entries("/v1/organizations/" + world.organizationId + "/audit?limit=1", world.owner)
        .get(0).getString("id"));
    assertThrows(Exception.class, () -> Wait.on(app.db.update(Sql.DSL.update(AUDIT_ENTRY)
        .set(AUDIT_ENTRY.ACTION, "service.nothing").where(AUDIT_ENTRY.ID.eq(id)))));
    assertThrows(Exception.class, () -> Wait.on(app.db.update(Sql.DSL.deleteFrom(AUDIT_ENTRY)
        .where(AUDIT_ENTRY.ID.eq(id)))));
    assertEquals(1, Wait.on(app.db.fetch(Sql.DSL.selectFrom(AUDIT_ENTRY).where(AUDIT_ENTRY.ID.eq(id)))).size());
  }
}
