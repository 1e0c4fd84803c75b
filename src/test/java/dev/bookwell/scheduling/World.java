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
final class World {

  final TestApp app;
  final String admin;
  final String owner;
  final String providerToken;
  final String organizationId;
  final String providerId;
  final String venueId;

  World(TestApp app, String timezone) {
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

  String userToken() {
    String email = IdentityFixture.uniqueEmail();
    IdentityFixture.register(app, email);
    return IdentityFixture.login(app, email, IdentityFixture.PASSWORD).getString("accessToken");
  }

  /** Registers a provider profile, approves, activates and links it to the organization. */
  String newActiveProvider(String token, String timezone, List<String> specialties, List<String> languages) {
    String id = created(app.call(HttpMethod.POST, "/v1/providers", new JsonObject().put("displayName", "Dr " + token
        .substring(token.length() - 6)).put("timezone", timezone).put("specialties", specialties)
        .put("languages", languages), token));
    ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/approve", new JsonObject(), admin));
    ok(app.call(HttpMethod.POST, "/v1/providers/" + id + "/activate", null, token));
    assertEquals(204, app.call(HttpMethod.POST, "/v1/organizations/" + organizationId + "/providers/" + id, null,
        owner).statusCode());
    return id;
  }

  String service(JsonObject fields) {
    return created(app.call(HttpMethod.POST, "/v1/organizations/" + organizationId + "/services",
        new JsonObject().put("name", "Consultation").put("durationMinutes", 30).put("priceMinor", 5000)
            .mergeIn(fields), owner));
  }

  JsonObject weekly(String provider, String token, String start, String end, String serviceId, String venue) {
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

  JsonObject search(String query) {
    var response = app.call(HttpMethod.GET, "/v1/slots?" + query, null, null);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  static String created(HttpResponse<Buffer> response) {
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getString("id");
  }

  static JsonObject ok(HttpResponse<Buffer> response) {
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }
}
