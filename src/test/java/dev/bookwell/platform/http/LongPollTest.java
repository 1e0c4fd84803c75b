package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.outbox.Outbox;
import dev.bookwell.support.Wait;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The parts of long polling below HTTP: the Prefer header's wait, and the bounded registry of waiters. */
class LongPollTest {

  @Test
  void theWaitPreferenceIsReadAsRfc7240WritesItAndCappedOrIgnoredOtherwise() {
    assertEquals(0, Preferences.waitSeconds(null, 30));
    assertEquals(10, Preferences.waitSeconds("wait=10", 30));
    assertEquals(5, Preferences.waitSeconds("respond-async, wait=5", 30));
    assertEquals(7, Preferences.waitSeconds("Wait = \"7\"; x=y", 30));
    assertEquals(30, Preferences.waitSeconds("wait=3600", 30), "longer than the edge grants: cut");
    assertEquals(0, Preferences.waitSeconds("wait=-1", 30));
    assertEquals(0, Preferences.waitSeconds("wait=soon", 30));
    assertEquals(0, Preferences.waitSeconds("wait=99999999999999999999", 30));
    assertEquals(0, Preferences.waitSeconds("return=minimal", 30));
  }

  @Test
  void aWaiterIsWokenByAnEventAboutItsAggregateAndTheRegistryIsBounded() {
    Vertx vertx = Vertx.vertx();
    try {
      var woken = Promise.<String>promise();
      var late = Promise.<String>promise();
      var context = vertx.getOrCreateContext();
      var registered = Promise.<ChangeWaits>promise();
      context.runOnContext(x -> {
        var changes = new ChangeWaits(vertx, 2);
        var booking = changes.watch("booking-1");
        var other = changes.watch("booking-2");
        assertNotNull(booking);
        assertNotNull(other);
        assertNull(changes.watch("booking-3"), "full: the third is answered at once");
        booking.then(30_000, () -> woken.complete("event"));
        other.then(50, () -> late.complete("timeout"));
        registered.complete(changes);
      });
      var changes = Wait.on(registered.future());
      vertx.eventBus().publish(Outbox.ALL_EVENTS, new JsonObject(),
          new DeliveryOptions().addHeader(Outbox.AGGREGATE_HEADER, "booking-1"));
      assertEquals("event", Wait.on(woken.future(), 10));
      assertEquals("timeout", Wait.on(late.future(), 10));
      var again = Promise.<Boolean>promise();
      context.runOnContext(x -> again.complete(changes.watch("booking-3") != null));
      assertTrue(Wait.on(again.future()), "the woken and the timed-out waiters left room");
    } finally {
      Wait.on(vertx.close());
    }
  }
}
