package dev.bookwell.platform.outbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.support.Plans;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A consumer's read probes {@code consumed_event} by key for each candidate event, whatever the statistics say. Here
 * they were taken when the consumer had handled 10 events among 5,000 of another's, as in a first busy hour: then
 * it handles 5,000 more, and 200 new events wait. An anti-join planned from those statistics read the consumer's
 * rows into memory and compared each event with each of them (1,000,000 comparisons here).
 */
class OutboxPlanTest {

  private static final String EVENTS = "insert into outbox_event (type, aggregate_type, aggregate_id, payload)"
      + " select 'test.happened', 'test', '%s' || n, '{}' from generate_series(1, %d) n";

  @Test
  void aConsumersReadProbesEachEventWhateverTheStatisticsSay() {
    try (var loaded = Plans.load(List.of(
        EVENTS.formatted("a", 5_010),
        "insert into consumed_event (consumer, event_id) select 'other', id from outbox_event where seq > 10",
        "insert into consumed_event (consumer, event_id) select 'plan', id from outbox_event where seq <= 10",
        "analyze outbox_event",
        "analyze consumed_event",
        EVENTS.formatted("b", 5_000),
        "insert into consumed_event (consumer, event_id) select 'plan', id from outbox_event where seq > 10"
            + " on conflict do nothing",
        "insert into consumer_floor (consumer, seq) values ('plan', 10010)",
        EVENTS.formatted("c", 200)))) {
      var consumer = new OutboxConsumer(loaded.db(), "plan", List.of("test.happened"), Duration.ofDays(1), 100);
      String plan = Plans.explain(loaded.db(), consumer.batchQuery(false));
      var removed = Pattern.compile("Rows Removed by Join Filter: (\\d+)").matcher(plan);
      while (removed.find()) {
        assertTrue(Long.parseLong(removed.group(1)) < 1_000, "no event compared with every handled one:\n" + plan);
      }
      assertTrue(plan.contains("Index Only Scan using notification_event_pkey on consumed_event")
          || plan.contains("Index Scan using notification_event_pkey on consumed_event"), plan);
    }
  }
}
