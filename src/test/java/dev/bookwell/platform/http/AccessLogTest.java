package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Wait;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One access line per request, with the request id the client sent (or one made for it), echoed back. */
class AccessLogTest extends AppTest {

  @Test
  void eachRequestIsLoggedOnceWithItsIdOperationStatusAndDuration() {
    var logger = (Logger) LoggerFactory.getLogger("bookwell.access");
    var lines = new ListAppender<ILoggingEvent>();
    lines.start();
    logger.addAppender(lines);
    Level before = logger.getLevel();
    logger.setLevel(Level.INFO);
    try {
      var health = Wait.on(app.client.get("/health").putHeader("X-Request-Id", "lb-probe.42").send());
      assertEquals("lb-probe.42", health.getHeader("X-Request-Id"));
      var junk = Wait.on(app.client.get("/v1/nowhere/" + "x".repeat(50)).putHeader("X-Request-Id", "<script>")
          .send());
      String made = junk.getHeader("X-Request-Id");
      assertNotEquals("<script>", made, "an id that is not a sane token is replaced");
      assertTrue(made.matches("[0-9a-f-]{36}"), made);

      var refused = Wait.on(app.client.post("/v1/bookings").putHeader("X-Request-Id", "bad-body-1")
          .sendJsonObject(new io.vertx.core.json.JsonObject().put("slotId", 7)));
      assertEquals(400, refused.statusCode());

      // the line is written when the answer has been sent: the client may have it a moment before
      dev.bookwell.support.Eventually.until("three access lines", () -> lines.list.size() >= 3);
      var byId = lines.list.stream().collect(Collectors.toMap(AccessLogTest::requestId, e -> e, (a, b) -> a));
      assertEquals(3, lines.list.size(), "one line each");
      var third = fields(byId.get("bad-body-1"));
      assertEquals("createBooking", third.get("operation"), "a request the validation refuses has its operation");
      assertEquals("400", third.get("status"));
      var first = fields(byId.get("lb-probe.42"));
      assertEquals("getHealth", first.get("operation"));
      assertEquals("200", first.get("status"));
      assertTrue(first.containsKey("durationMs"));
      var second = fields(byId.get(made));
      assertEquals("unmatched", second.get("operation"), "the raw path is never logged");
      assertEquals("404", second.get("status"));
      assertTrue(lines.list.stream().noneMatch(e -> e.getFormattedMessage().contains("xxxxx")));
    } finally {
      logger.setLevel(before);
      logger.detachAppender(lines);
    }
  }

  @Test
  void theRequestIdFollowsTheRequestIntoEveryAreaAndLogLine() {
    var logger = (Logger) LoggerFactory.getLogger(dev.bookwell.platform.api.ApiConsumer.class);
    var lines = new ListAppender<ILoggingEvent>();
    lines.start();
    logger.addAppender(lines);
    Level before = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    var carried = new java.util.concurrent.ConcurrentHashMap<String, String>();
    io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> watch = delivery -> {
      String id = delivery.message().headers().get(dev.bookwell.platform.api.RequestIds.HEADER);
      if (id != null) {
        carried.put(delivery.message().address(), id);
      }
      delivery.next();
    };
    app.vertx.eventBus().addInboundInterceptor(watch);
    try {
      // a registration: the identity area hashes on a worker, writes, and asks nothing; then a login asks more
      String email = dev.bookwell.identity.IdentityFixture.uniqueEmail();
      var registered = Wait.on(app.client.post("/v1/auth/register").putHeader("X-Request-Id", "trace-42")
          .sendJsonObject(new io.vertx.core.json.JsonObject().put("email", email)
              .put("password", dev.bookwell.identity.IdentityFixture.PASSWORD).put("name", "Trace")));
      assertEquals(201, registered.statusCode(), registered.bodyAsString());
      dev.bookwell.support.Eventually.until("the answer's log line", () -> lines.list.stream()
          .anyMatch(e -> "trace-42".equals(e.getMDCPropertyMap().get("requestId"))));
      assertTrue(carried.containsValue("trace-42"), "the bus message carries the id: " + carried);
      var traced = lines.list.stream().filter(e -> "trace-42".equals(e.getMDCPropertyMap().get("requestId")))
          .toList();
      assertTrue(traced.stream().allMatch(e -> e.getFormattedMessage().startsWith("answered ")), traced.toString());
      // other requests' lines never carry it: the id stays with its request's context
      var other = Wait.on(app.client.get("/health").putHeader("X-Request-Id", "other-1").send());
      assertEquals(200, other.statusCode());
      assertTrue(lines.list.stream().filter(e -> !"trace-42".equals(e.getMDCPropertyMap().get("requestId")))
          .noneMatch(e -> e.getFormattedMessage().contains("trace-42")));
    } finally {
      app.vertx.eventBus().removeInboundInterceptor(watch);
      logger.setLevel(before);
      logger.detachAppender(lines);
    }
  }

  private static String requestId(ILoggingEvent event) {
    return fields(event).get("requestId");
  }

  private static Map<String, String> fields(ILoggingEvent event) {
    return event.getKeyValuePairs().stream().collect(Collectors.toMap(kv -> kv.key, kv -> String.valueOf(kv.value)));
  }
}
