package dev.bookwell.scheduling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.identity.AdminFixture;
import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;

/** An organization with an owner, an active provider and a venue, built through the real API. */
public final class World {

  public final TestApp app;
  public final String admin;
  public final String owner;
  public final String providerToken;
  public final String organizationId;
  public final String providerId;
  public final String venueId;

  public World(TestApp app, String timezone) {
    this.app = app;
    this.admin = AdminFixture.adminToken(app);
    this.owner = userToken();
    this.organizationId = created(app.call(HttpMethod.POST, "/v1/organizations", new JsonObject()
        .put("kind", "clinic").put("name", "Clinic").put("timezone", timezone).put("currency", "EUR"), owner));
    this.providerToken = userToken();
    this.providerId = newActiveProvider(providerToken, timezone, List.of("cardiology"), List.of("en", "de"));
    this.venueId = created(app.call(HttpMethod.POST, "/v1/organizations/" + organizationId + "/venues",
        new JsonObject().put("name", "Room 1").put("capacity", 20), owner));
  }

  public String userToken() {
    String email = IdentityFixture.uniqueEmail();
    IdentityFixture.register(app, email);
    return IdentityFixture.login(app, email, IdentityFixture.PASSWORD).getString("accessToken");
  }

  /** Registers a provider profile, approves, activates and links it to the organization. */
  public String newActiveProvider(String token, String timezone, List<String> specialties, List<String> languages) {
    String id = created(app.call(HttpMethod.POST, "/v1/providers", new JsonObject().put("displayName", "Dr " + token
        .substring(token.length() - 6)).put("timezone", timezone).put("specialties", specialties)
        .put("languages", languages), token));
    ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/approve", new JsonObject(), admin));
    ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/activate", null, token));
    link(id, token);
    return id;
  }

  /** The organization asks the provider to work for it; the provider accepts. */
  public void link(String providerId, String providerToken) {
    assertEquals(202, app.call(HttpMethod.POST, "/v1/organizations/" + organizationId + "/providers/" + providerId,
        null, owner).statusCode());
    ok(app.call(HttpMethod.POST, "/v1/providers/" + providerId + "/organizations/" + organizationId + "/accept",
        null, providerToken));
  }

  public String service(JsonObject fields) {
    return created(app.call(HttpMethod.POST, "/v1/organizations/" + organizationId + "/services",
        new JsonObject().put("name", "Consultation").put("durationMinutes", 30).put("priceMinor", 5000)
            .mergeIn(fields), owner));
  }

  public JsonObject weekly(String provider, String token, String start, String end, String serviceId, String venue) {
    var rules = new JsonArray();
    for (int day = 1; day <= 7; day++) {
      var rule = new JsonObject().put("weekday", day).put("start", start).put("end", end)
          .put("serviceIds", List.of(serviceId));
      if (venue != null) {
        rule.put("venueId", venue);
      }
      rules.add(rule);
    }
    return app.call(HttpMethod.PUT, "/v1/providers/" + provider + "/availability",
        new JsonObject().put("organizationId", organizationId).put("rules", rules), token).bodyAsJsonObject();
  }

  /** A one-off session; gives the slot id. */
  public String session(String serviceId, String provider, java.time.OffsetDateTime at, int capacity) {
    return created(app.call(HttpMethod.POST, "/v1/organizations/" + organizationId + "/sessions",
        new JsonObject().put("serviceId", serviceId).put("providerId", provider).put("startsAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at))
            .put("capacity", capacity), owner));
  }

  public JsonObject search(String query) {
    var response = app.call(HttpMethod.GET, "/v1/slots?" + query, null, null);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  /** The start of the hour, {@code days} from now, in UTC: a time every test's slots can sit at. */
  public static java.time.OffsetDateTime at(int days) {
    return java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).plusDays(days)
        .truncatedTo(java.time.temporal.ChronoUnit.HOURS);
  }

  public static String created(HttpResponse<Buffer> response) {
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getString("id");
  }

  public static JsonObject ok(HttpResponse<Buffer> response) {
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }
}
