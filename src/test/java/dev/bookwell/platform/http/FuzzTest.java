package dev.bookwell.platform.http;

import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.Bookwell;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.openapi.contract.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A few thousand requests generated from the contract itself: every operation, with real and foreign ids, junk in
 * the path and query, and bodies built from each operation's own properties filled with wrong types, boundary
 * numbers, NUL characters, unpaired surrogates, huge strings and nested junk, signed in as nobody, a client, an
 * owner or an admin. Nothing may answer 5xx, and every 4xx must be a problem+json.
 */
class FuzzTest extends AppTest {

  static final int PER_OPERATION = 40;
  static World world;
  static List<String> tokens;
  static List<String> ids;
  static JsonObject raw;

  @BeforeAll
  static void start() {
    world = new World(app, "UTC");
    String service = world.service(new JsonObject().put("priceMinor", 2500).put("seatsPerSlot", 5));
    String slot = world.session(service, world.providerId, at(3), 5);
    String client = world.userToken();
    String booking = app.call(io.vertx.core.http.HttpMethod.POST, "/v1/bookings",
        new JsonObject().put("slotId", slot), client).bodyAsJsonObject().getString("id");
    tokens = java.util.Arrays.asList(null, client, world.owner, world.admin, "not-a-token");
    // the learning side too: a published course with a quiz lesson, an enrollment and an attempt
    var M = io.vertx.core.http.HttpMethod.POST;
    String course = app.call(M, "/v1/organizations/" + world.organizationId + "/courses", new JsonObject()
        .put("title", "Fuzzed").put("kind", "self_paced").put("slug", "fuzzed"), world.owner).bodyAsJsonObject()
        .getString("id");
    String section = app.call(M, "/v1/courses/" + course + "/sections", new JsonObject().put("title", "S"),
        world.owner).bodyAsJsonObject().getString("id");
    String lesson = app.call(M, "/v1/courses/" + course + "/sections/" + section + "/lessons", new JsonObject()
        .put("title", "Q").put("kind", "quiz"), world.owner).bodyAsJsonObject().getString("id");
    app.call(io.vertx.core.http.HttpMethod.PUT, "/v1/lessons/" + lesson + "/quiz", new JsonObject().put("questions",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("kind", "true_false").put("prompt", "?")
            .put("correct", true))), world.owner);
    app.call(M, "/v1/courses/" + course + "/publish", null, world.owner);
    String enrollment = app.call(M, "/v1/courses/" + course + "/enrollments", null, client).bodyAsJsonObject()
        .getString("id");
    String attempt = app.call(M, "/v1/lessons/" + lesson + "/attempts", null, client).bodyAsJsonObject()
        .getString("id");
    ids = List.of(world.organizationId, world.providerId, world.venueId, service, slot, booking, course, section,
        lesson, enrollment, attempt, UUID.randomUUID().toString());
    raw = Wait.on(Contract.load(app.vertx, Bookwell.CONTRACT)).parsed().getRawContract();
  }

  @Test
  void noGeneratedRequestGetsA5xxAndEvery4xxIsAProblem() {
    var contract = Wait.on(Contract.load(app.vertx, Bookwell.CONTRACT)).parsed();
    var random = new Random(20261202);
    var failures = new ArrayList<String>();
    int sent = 0;
    for (Operation operation : contract.operations()) {
      if (operation.getOperationId().equals("getMetrics")) {
        continue;
      }
      var batch = new ArrayList<Future<HttpResponse<Buffer>>>();
      var described = new ArrayList<String>();
      for (int i = 0; i < PER_OPERATION; i++) {
        String path = path(operation.getOpenAPIPath(), random) + query(operation, random);
        Object body = body(operation, random);
        var request = app.client.request(operation.getHttpMethod(), path);
        String token = tokens.get(random.nextInt(tokens.size()));
        if (token != null) {
          request.putHeader("Authorization", "Bearer " + token);
        }
        request.putHeader("Idempotency-Key", random.nextInt(3) == 0 ? "k" + random.nextInt(5) : "key-" + i);
        String text = operation.getHttpMethod() + " " + path + " " + (body == null ? "" : body.toString());
        described.add(text.length() > 200 ? text.substring(0, 200) + "..." : text);
        batch.add(body == null ? request.send() : body instanceof JsonObject json ? request.sendJsonObject(json)
            : request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.toString())));
      }
      Wait.on(Future.join(batch));
      for (int i = 0; i < batch.size(); i++) {
        sent++;
        var result = batch.get(i);
        if (result.failed()) {
          failures.add("no answer: " + described.get(i) + " " + result.cause());
          continue;
        }
        var response = result.result();
        int status = response.statusCode();
        if (status >= 500) {
          failures.add(status + " " + described.get(i));
        } else if (status >= 400 && !String.valueOf(response.getHeader("Content-Type")).startsWith(
            "application/problem+json")) {
          failures.add(status + " without problem+json: " + described.get(i));
        }
      }
    }
    assertTrue(sent > 2_000, "sent " + sent);
    assertEquals(List.of(), failures.stream().limit(20).toList(), failures.size() + " of " + sent + " failed");
  }

  /** The path with each {param} a real id, a foreign id, or junk (malformed percent-encoding included). */
  private static String path(String template, Random random) {
    var out = new StringBuilder();
    for (String part : template.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      out.append('/').append(part.startsWith("{") ? pick(random, ids.get(random.nextInt(ids.size())), "%ZZ",
          "not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00", "x".repeat(300), "%F0%28%8C%BC") : part);
    }
    return out.toString();
  }

  private static String query(Operation operation, Random random) {
    var out = new StringBuilder();
    for (var parameter : operation.getParameters()) {
      if (parameter.getIn().name().equalsIgnoreCase("query") && random.nextBoolean()) {
        out.append(out.isEmpty() ? '?' : '&').append(parameter.getName()).append('=').append(pick(random,
            ids.get(random.nextInt(ids.size())), "%ZZ", "-1", "0", "99999999999999999999", "abc", "2026-13-45",
            "2026-12-24T10:00:00Z", "%00", "true", ""));
      }
    }
    return out.toString();
  }

  /** A body from the operation's own properties, or raw junk; null when the operation takes none. */
  private static Object body(Operation operation, Random random) {
    var model = operation.getOpenAPIModel();
    var schema = resolve(model.getJsonObject("requestBody", new JsonObject()).getJsonObject("content",
        new JsonObject()).getJsonObject("application/json", new JsonObject()).getJsonObject("schema"));
    if (schema == null && random.nextInt(4) != 0) {
      return null;
    }
    switch (random.nextInt(8)) {
      case 0:
        return pick(random, "{", "[]", "\"text\"", "null", "{\"a\":", "\uFEFF{}", "{\"a\":1}".repeat(3), "12");
      default:
        return object(schema, random, 0);
    }
  }

  private static JsonObject object(JsonObject schema, Random random, int depth) {
    var json = new JsonObject();
    var properties = schema == null ? new JsonObject() : schema.getJsonObject("properties", new JsonObject());
    for (String name : properties.fieldNames()) {
      if (random.nextInt(5) != 0) {
        json.put(name, value(resolve(properties.getJsonObject(name)), random, depth));
      }
    }
    if (random.nextInt(6) == 0) {
      json.put("unexpected" + random.nextInt(3), value(null, random, depth));
    }
    return json;
  }

  private static Object value(JsonObject schema, Random random, int depth) {
    String type = schema == null ? null : String.valueOf(schema.getValue("type"));
    int roll = random.nextInt(10);
    if (roll < 4 && schema != null) {  // something of the right type, at the edges
      if (type.contains("integer")) {
        return pick(random, 0L, 1L, -1L, 100L, 10_000L, Long.MAX_VALUE, Integer.MAX_VALUE + 1L, 99_999_999L);
      }
      if (type.contains("boolean")) {
        return random.nextBoolean();
      }
      if (type.contains("array")) {
        var array = new JsonArray();
        for (int i = random.nextInt(4); i > 0; i--) {
          array.add(depth < 2 ? value(resolve(schema.getJsonObject("items")), random, depth + 1) : "x");
        }
        return array;
      }
      if (type.contains("object")) {
        return depth < 2 ? object(schema, random, depth + 1) : new JsonObject();
      }
      if (schema.containsKey("enum")) {
        return schema.getJsonArray("enum").getValue(random.nextInt(schema.getJsonArray("enum").size()));
      }
      return pick(random, ids.get(random.nextInt(ids.size())), "09:00", "23:59", "2026-12-24",
          at(2).toString(), "Europe/London", "a@b.co", "EUR", "correct horse battery");
    }
    return pick(random, "", "nul\u0000in the middle", "half \ud800 a pair", "x".repeat(5_000), "%ZZ",
        "'; drop table booking; --", -1, 3.5, 1e300, Long.MIN_VALUE, true, null, new JsonArray().add(1),
        new JsonObject().put("nested", new JsonObject().put("deeper", "\u0000")), "9999-99-99T99:99:99Z",
        "25:61", "Mars/Olympus_Mons", "ZZZZ", "\uD83D\uDE00 emoji");
  }

  private static JsonObject resolve(JsonObject schema) {
    if (schema != null && schema.getString("$ref") != null) {
      var ref = schema.getString("$ref").substring(2).split("/");
      JsonObject target = raw;
      for (String part : ref) {
        target = target.getJsonObject(part);
      }
      return target;
    }
    return schema;
  }

  @SafeVarargs
  private static <T> T pick(Random random, T... choices) {
    return choices[random.nextInt(choices.length)];
  }
}
