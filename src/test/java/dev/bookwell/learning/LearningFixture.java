package dev.bookwell.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Courses built over HTTP for the learning tests. */
final class LearningFixture {

  final TestApp app;
  final World world;

  LearningFixture(TestApp app, World world) {
    this.app = app;
    this.world = world;
  }

  JsonObject call(HttpMethod method, String path, JsonObject body, String token, int expected) {
    var response = app.call(method, path, body, token);
    assertEquals(expected, response.statusCode(), method + " " + path + ": " + response.bodyAsString());
    return response.bodyAsString() == null || response.bodyAsString().isEmpty() ? new JsonObject()
        : response.bodyAsJsonObject();
  }

  /** A draft course of the world's organization. */
  String course(String title, String kind, JsonObject more) {
    return call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/courses", more.copy()
        .put("title", title).put("kind", kind).put("slug", "c-" + java.util.UUID.randomUUID()), world.owner, 201)
        .getString("id");
  }

  String section(String course) {
    return call(HttpMethod.POST, "/v1/courses/" + course + "/sections", new JsonObject().put("title", "Part"),
        world.owner, 201).getString("id");
  }

  String lesson(String course, String section, String kind, JsonObject more) {
    return call(HttpMethod.POST, "/v1/courses/" + course + "/sections/" + section + "/lessons", more.copy()
        .put("title", kind + " lesson").put("kind", kind), world.owner, 201).getString("id");
  }

  void publish(String course) {
    call(HttpMethod.POST, "/v1/courses/" + course + "/publish", null, world.owner, 200);
  }

  /** A quiz: a single choice (b correct), a true/false (false) and a short answer ("twenty"). */
  JsonObject quiz(String lesson, JsonObject settings) {
    return call(HttpMethod.PUT, "/v1/lessons/" + lesson + "/quiz", settings.copy().put("questions", new JsonArray()
        .add(new JsonObject().put("kind", "single_choice").put("prompt", "Pick b")
            .put("options", new JsonArray().add("a").add("b").add("c")).put("correct", new JsonArray().add(1)))
        .add(new JsonObject().put("kind", "true_false").put("prompt", "Ice on burns?").put("correct", false))
        .add(new JsonObject().put("kind", "short_answer").put("prompt", "Minutes of cooling?")
            .put("accepted", new JsonArray().add("twenty").add("20")))), world.owner, 200);
  }

  /** The right answers to {@link #quiz}, keyed by the attempt's question ids. */
  static JsonObject rightAnswers(JsonObject attempt) {
    var answers = new JsonObject();
    for (Object q : attempt.getJsonArray("questions")) {
      var question = (JsonObject) q;
      switch (question.getString("kind")) {
        case "single_choice" -> answers.put(question.getString("id"), "b");
        case "true_false" -> answers.put(question.getString("id"), false);
        default -> answers.put(question.getString("id"), "  Twenty! ");
      }
    }
    return answers;
  }

  String enroll(String course, String token) {
    return call(HttpMethod.POST, "/v1/courses/" + course + "/enrollments", null, token, 201).getString("id");
  }
}
