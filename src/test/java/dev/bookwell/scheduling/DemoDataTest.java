package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.SLOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.identity.IdentityFixture;
import dev.bookwell.DemoAccounts;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The embedded default run has something bookable right away. */
class DemoDataTest {

  @Test
  void clinicDoctorsAndAFirstAidCourseAreBookable() {
    try (TestApp app = TestApp.start("openapi.yaml", Map.of("BOOKWELL_DEMO_DATA", "true"))) {
      var clinic = World.ok(app.call(HttpMethod.GET, "/v1/slots?limit=200&organizationId=" + DemoData.CLINIC,
          null, null)).getJsonArray("items");
      assertTrue(clinic.size() > 20, "consultations in the next two weeks: " + clinic.size());
      assertEquals(2, clinic.stream().map(i -> ((JsonObject) i).getString("providerId")).distinct().count());
      assertEquals(new JsonObject().put("amountMinor", 4500).put("currency", "GBP"),
          clinic.getJsonObject(0).getJsonObject("price"));

      var course = World.ok(app.call(HttpMethod.GET, "/v1/slots?serviceId=" + DemoData.FIRST_AID, null, null))
          .getJsonArray("items");
      assertEquals(1, course.size());
      assertEquals(12, course.getJsonObject(0).getInteger("seatsAvailable"));

      String admin = IdentityFixture.login(app, DemoAccounts.ADMIN.email(), DemoAccounts.PASSWORD)
          .getString("accessToken");
      assertEquals(200, app.call(HttpMethod.GET, "/v1/organizations/" + DemoData.CLINIC + "/members", null, admin)
          .statusCode(), "the demo admin owns the clinic");

      // the learning side: a free self-paced course with a quiz, and the classroom course on the first-aid sessions
      var courses = World.ok(app.call(HttpMethod.GET, "/v1/courses?organizationId=" + DemoData.TRAINING_CENTRE,
          null, null)).getJsonArray("items");
      assertEquals(2, courses.size(), courses.encode());
      var classroom = World.ok(app.call(HttpMethod.GET, "/v1/courses?kind=classroom&hasUpcomingSession=true",
          null, null)).getJsonArray("items").getJsonObject(0);
      assertEquals(DemoData.FIRST_AID.toString(), classroom.getString("serviceId"));
      assertEquals(3, classroom.getInteger("validityYears"));
      String selfPaced = courses.stream().map(JsonObject.class::cast)
          .filter(c -> c.getString("kind").equals("self_paced")).findFirst().orElseThrow().getString("id");
      var outline = World.ok(app.call(HttpMethod.GET, "/v1/courses/" + selfPaced, null, null));
      assertEquals(java.util.List.of("video", "text", "quiz"), outline.getJsonArray("sections").getJsonObject(0)
          .getJsonArray("lessons").stream().map(l -> ((JsonObject) l).getString("kind")).toList());

      int slots = Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SLOT))).value1();
      Wait.on(app.vertx.deployVerticle(new SchedulingVerticle(new Platform(app.config, app.db, TestApp.KEYS, null))));
      assertEquals(slots, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SLOT))).value1(), "seeded once");
    }
  }
}
