package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.outbox.Outbox;
import dev.bookwell.support.Wait;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.UUID;
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
  void aWaiterIsWokenByAChangeOfItsAggregateAndTheRegistryIsBounded() {
    Vertx vertx = Vertx.vertx();
    try {
      String booking = UUID.randomUUID().toString();
      var woken = Promise.<Boolean>promise();
      var late = Promise.<Boolean>promise();
      var context = vertx.getOrCreateContext();
      var registered = Promise.<ChangeWaits>promise();
      context.runOnContext(x -> {
        var changes = new ChangeWaits(vertx, 2 + ChangeWaits.PER_AGGREGATE);
        var first = changes.watch(booking.toUpperCase());  // a path may spell the id in capitals
        for (int i = 1; i < ChangeWaits.PER_AGGREGATE; i++) {
          assertNotNull(changes.watch(booking));
        }
        assertNull(changes.watch(booking), "as many waiters on one booking as it takes: the next answers at once");
        var other = changes.watch("booking-2");
        assertNotNull(changes.watch("booking-3"));
        assertNull(changes.watch("booking-4"), "full: answered at once");
        first.then(30_000, woken::complete);
        other.then(50, late::complete);
        registered.complete(changes);
      });
      var changes = Wait.on(registered.future());
      vertx.eventBus().publish(Outbox.CHANGES, null, new DeliveryOptions().addHeader(Outbox.AGGREGATE_HEADER,
          booking));
      assertTrue(Wait.on(woken.future(), 10), "woken by the change");
      assertFalse(Wait.on(late.future(), 10), "its time was up");
      var again = Promise.<Boolean>promise();
      context.runOnContext(x -> again.complete(changes.watch("booking-5") != null));
      assertTrue(Wait.on(again.future()), "the woken and the timed-out waiters left room");

      var drained = Promise.<Boolean>promise();
      var waiting = Promise.<Void>promise();
      context.runOnContext(x -> {
        changes.watch("booking-6").then(30_000, drained::complete);
        waiting.complete();
      });
      Wait.on(waiting.future());
      HttpVerticle.drain(vertx);
      assertFalse(Wait.on(drained.future(), 10), "a draining node answers its waiters at once, unchanged");
    } finally {
      Wait.on(vertx.close());
    }
  }
}
