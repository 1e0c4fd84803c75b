package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Stopping drains: a request in flight completes (database included), new connections are refused. */
class GracefulShutdownTest {

  @Test
  void requestInFlightCompletesAndNewOnesAreRefused() throws InterruptedException {
    TestApp app = TestApp.start("test-openapi.yaml", Map.of("BOOKWELL_SHUTDOWN_TIMEOUT", "5s"));
    var entered = new java.util.concurrent.CountDownLatch(1);
    // A slow area call that still needs the database after the shutdown has begun.
    ApiConsumer.register(app.vertx.eventBus(), "test.widgets", request -> {
      entered.countDown();
      Promise<Void> delay = Promise.promise();
      app.vertx.setTimer(400, t -> delay.complete());
      return delay.future()
          .compose(x -> app.db.fetchOne(Sql.DSL.selectOne()))
          .map(row -> ApiReply.ok(new JsonObject().put("id", request.path().getString("id"))));
    });

    String id = UUID.randomUUID().toString();
    var inFlight = app.client.get("/widgets/" + id).send();
    assertTrue(entered.await(10, java.util.concurrent.TimeUnit.SECONDS));
    var stopped = app.close(false);

    var response = Wait.on(inFlight);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals(id, response.bodyAsJsonObject().getString("id"));
    Wait.on(stopped);

    var refused = java.net.http.HttpClient.newHttpClient();
    var probe = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://localhost:" + app.config.httpPort() + "/health")).build();
    try {
      refused.send(probe, java.net.http.HttpResponse.BodyHandlers.ofString());
      throw new AssertionError("the server still answers after stopping");
    } catch (java.io.IOException expected) {
      // connection refused
    }
  }

  @Test
  void readinessSaysNoBeforeTheEdgeStopsAccepting() throws Exception {
    var draining = TestApp.start("openapi.yaml", Map.of("BOOKWELL_DRAIN_DELAY", "5s"));  // the two probes below fall in it
    assertEquals(200, get(draining, "/ready").statusCode());
    var stopped = draining.close(false);
    var ready = get(draining, "/ready");
    assertEquals(503, ready.statusCode(), "the load balancer takes the node out first");
    assertTrue(ready.body().contains("https://bookwell.dev/problems/draining"), ready.body());
    assertEquals(200, get(draining, "/health").statusCode(), "still serving meanwhile");
    Wait.on(stopped);
  }

  /** A fresh connection each time (as a load balancer's probe makes), outside the stopping Vert.x. */
  private static java.net.http.HttpResponse<String> get(TestApp app, String path) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + app.config.httpPort() + path)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }
}
