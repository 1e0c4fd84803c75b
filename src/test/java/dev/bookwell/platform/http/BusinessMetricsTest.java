package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.scheduling.World;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Eventually;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The business metrics beside Vert.x's: requests by operation and status, events, backlogs; and the dashboard. */
class BusinessMetricsTest extends AppTest {

  @Test
  void holdsByOutcomeEventsAndBacklogsAreScrapedAndTheDashboardUsesThem() throws Exception {
    var world = new World(app, "UTC");
    String service = world.service(new JsonObject().put("priceMinor", 0));
    String slot = world.session(service, world.providerId, World.at(2), 1);
    app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot), world.userToken());
    app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot), world.userToken());

    Eventually.until("the confirmation published", () -> scrape().contains(
        "bookwell_events_published_total{type=\"booking.confirmed\"}"));
    String metrics = scrape();
    assertTrue(metrics.matches("(?s).*bookwell_requests_total\\{operation=\"createBooking\",status=\"201\"\\} 1\\.0.*"),
        "one hold made");
    assertTrue(metrics.matches("(?s).*bookwell_requests_total\\{operation=\"createBooking\",status=\"409\"\\} 1\\.0.*"),
        "one refused: the slot was full");
    for (String gauge : new String[] {"bookwell_outbox_lag_seconds", "bookwell_notifications_backlog",
        "bookwell_webhooks_pending", "bookwell_payments_recent"}) {
      assertTrue(metrics.contains(gauge + "{"), gauge);
    }

    // every metric the dashboard queries exists
    String dashboard = Files.readString(Path.of("ops/grafana/bookwell.json"));
    Matcher used = Pattern.compile("((?:bookwell|vertx_pool)_[a-z_]+?)(_bucket|_sum|_count)?[{\\[ )]").matcher(dashboard);
    int checked = 0;
    while (used.find()) {
      assertTrue(metrics.contains(used.group(1)), "the dashboard uses " + used.group(1));
      checked++;
    }
    assertTrue(checked >= 5, "panels found: " + checked);
  }

  private static String scrape() {
    return app.call(HttpMethod.GET, "/metrics", null, null).bodyAsString();
  }
}
