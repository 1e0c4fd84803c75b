package dev.bookwell.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.bookwell.support.Wait;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The background lane: steps given from several contexts at once run one at a time, in the order given, each on
 * its own context; one that throws or fails frees the lane; another Vert.x instance has a lane of its own.
 */
class LaneTest {

  final Vertx vertx = Vertx.vertx();
  final Vertx other = Vertx.vertx();

  @AfterEach
  void stop() {
    Wait.on(vertx.close());
    Wait.on(other.close());
  }

  @Test
  void stepsRunOneAtATimeInOrderEachOnItsOwnContext() {
    var running = new AtomicInteger();
    var most = new AtomicInteger();
    var order = new CopyOnWriteArrayList<Integer>();
    var wrongContext = new AtomicInteger();
    var steps = new ArrayList<Future<Integer>>();
    for (int i = 0; i < 6; i++) {
      int n = i;
      Context context = vertx.getOrCreateContext();  // a new event-loop context each time, off Vert.x threads
      Promise<Integer> given = Promise.promise();
      context.runOnContext(x -> Lane.background(() -> {
        if (Vertx.currentContext() != context) {
          wrongContext.incrementAndGet();
        }
        most.accumulateAndGet(running.incrementAndGet(), Math::max);
        order.add(n);
        if (n == 2) {
          running.decrementAndGet();
          throw new IllegalStateException("a step that throws");
        }
        return vertx.timer(30).<Integer>compose(t -> {
          running.decrementAndGet();
          return n == 3 ? Future.failedFuture("a step that fails") : Future.succeededFuture(n);
        });
      }).onComplete(given));
      steps.add(given.future());
    }
    Wait.on(Future.join(steps).otherwiseEmpty());
    assertEquals(1, most.get(), "never two steps at once");
    assertEquals(List.of(0, 1, 2, 3, 4, 5), order, "in the order given, past the ones that threw or failed");
    assertEquals(0, wrongContext.get(), "each on the context that gave it");
    assertEquals(4, steps.stream().filter(Future::succeeded).count());
  }

  @Test
  void anotherVertxHasALaneOfItsOwn() {
    Promise<Void> never = Promise.promise();
    vertx.getOrCreateContext().runOnContext(x -> Lane.background(never::future));  // holds this instance's lane
    Promise<String> elsewhere = Promise.promise();
    other.getOrCreateContext().runOnContext(x -> Lane.background(() -> Future.succeededFuture("ran"))
        .onComplete(elsewhere));
    assertEquals("ran", Wait.on(elsewhere.future()));
    Promise<String> behind = Promise.promise();
    vertx.getOrCreateContext().runOnContext(x -> Lane.background(() -> Future.succeededFuture("after"))
        .onComplete(behind));
    Wait.on(other.timer(50));
    assertFalse(behind.future().isComplete(), "this instance's lane is still taken");
    never.complete();
    assertEquals("after", Wait.on(behind.future()));
  }
}
