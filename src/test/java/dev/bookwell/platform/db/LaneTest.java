package dev.bookwell.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The background lane: steps given from several contexts run one at a time, in the order given, each on its own
 * context; one that throws, fails or gives no future frees the lane; each lane is its own.
 */
class LaneTest {

  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    Wait.on(vertx.close());
  }

  @Test
  void stepsRunOneAtATimeInOrderEachOnItsOwnContext() {
    var lane = new Lane();
    var running = new AtomicInteger();
    var most = new AtomicInteger();
    var order = new CopyOnWriteArrayList<Integer>();
    var wrongContext = new AtomicInteger();
    var steps = new ArrayList<Future<Integer>>();
    for (int i = 0; i < 7; i++) {
      int n = i;
      Context context = vertx.getOrCreateContext();  // a new event-loop context each time, off Vert.x threads
      Promise<Integer> outcome = Promise.promise();
      Promise<Void> given = Promise.promise();
      context.runOnContext(x -> {
        lane.run(() -> {
          if (Vertx.currentContext() != context) {
            wrongContext.incrementAndGet();
          }
          most.accumulateAndGet(running.incrementAndGet(), Math::max);
          order.add(n);
          return switch (n) {
            case 2 -> {
              running.decrementAndGet();
              throw new IllegalStateException("a step that throws");
            }
            case 4 -> {
              running.decrementAndGet();
              yield null;  // a step that gives no future
            }
            default -> vertx.timer(20).compose(t -> {
              running.decrementAndGet();
              return n == 3 ? Future.failedFuture("a step that fails") : Future.succeededFuture(n);
            });
          };
        }).onComplete(outcome);
        given.complete();
      });
      Wait.on(given.future());  // given one after another: the order is known
      steps.add(outcome.future());
    }
    Wait.on(Future.join(steps).otherwiseEmpty());
    assertEquals(1, most.get(), "never two steps at once");
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), order, "in the order given, past the ones that threw or failed");
    assertEquals(0, wrongContext.get(), "each on the context that gave it");
    assertEquals(List.of(true, true, false, false, false, true, true), steps.stream().map(Future::succeeded)
        .toList());
  }

  @Test
  void aLaneTakenElsewhereHoldsOnlyItsOwnSteps() {
    var taken = new Lane();
    var free = new Lane();
    Promise<Void> never = Promise.promise();
    Promise<String> behind = Promise.promise();
    Promise<String> elsewhere = Promise.promise();
    vertx.getOrCreateContext().runOnContext(x -> {
      taken.run(never::future);
      taken.run(() -> Future.succeededFuture("after")).onComplete(behind);
      free.run(() -> Future.succeededFuture("ran")).onComplete(elsewhere);
    });
    assertEquals("ran", Wait.on(elsewhere.future()));
    Wait.on(vertx.timer(50));
    assertFalse(behind.future().isComplete(), "the taken lane's next step waits");
    never.complete();
    assertEquals("after", Wait.on(behind.future()));
  }

  /** A wider lane (the searches'): never more than its width at once, the rest in order, a full queue refused. */
  @Test
  void aWideLaneRunsItsWidthAtOnceAndRefusesPastItsQueue() {
    var lane = new Lane(2, 3, java.time.Duration.ofSeconds(10));
    var running = new AtomicInteger();
    var most = new AtomicInteger();
    var order = new CopyOnWriteArrayList<Integer>();
    var gates = new ArrayList<Promise<Void>>();
    var steps = new ArrayList<Future<Integer>>();
    Promise<Void> given = Promise.promise();
    vertx.getOrCreateContext().runOnContext(x -> {
      for (int i = 0; i < 6; i++) {
        int n = i;
        Promise<Void> gate = Promise.promise();
        gates.add(gate);
        steps.add(lane.run(() -> {
          most.accumulateAndGet(running.incrementAndGet(), Math::max);
          order.add(n);
          return gate.future().map(v -> {
            running.decrementAndGet();
            return n;
          });
        }));
      }
      given.complete();
    });
    Wait.on(given.future());
    assertEquals(List.of(0, 1), order, "two at once, the other three waiting");
    var refused = steps.get(5);
    assertTrue(refused.failed() && Overload.is(refused.cause()), "the sixth found the queue full: " + refused);
    gates.forEach(Promise::tryComplete);
    Wait.on(Future.join(steps.subList(0, 5)));
    assertEquals(List.of(0, 1, 2, 3, 4), order, "the waiting ones in the order they came");
    assertEquals(2, most.get(), "never more than two at once");
    assertEquals(List.of(0, 1, 2, 3, 4), steps.subList(0, 5).stream().map(Future::result).toList());
  }

  /** A step whose turn comes after the lane's longest wait is refused, not run, and the one after it runs. */
  @Test
  void aStepThatWaitedTooLongIsRefusedAndTheNextRuns() {
    // margins of a second or more: a busy machine's pauses (GC, another process) are far shorter
    var lane = new Lane(1, 10, java.time.Duration.ofSeconds(1));
    Promise<Void> first = Promise.promise();
    var ran = new CopyOnWriteArrayList<String>();
    var late = new ArrayList<Future<String>>();
    Promise<Void> given = Promise.promise();
    vertx.getOrCreateContext().runOnContext(x -> {
      lane.run(first::future);
      late.add(lane.run(() -> {
        ran.add("late");
        return Future.succeededFuture("late");
      }));
      given.complete();
    });
    Wait.on(given.future());
    Wait.on(vertx.timer(1500));
    Promise<String> fresh = Promise.promise();
    vertx.getOrCreateContext().runOnContext(x -> lane.run(() -> {
      ran.add("fresh");
      return Future.succeededFuture("fresh");
    }).onComplete(fresh));
    Wait.on(vertx.timer(20));
    first.complete();
    assertEquals("fresh", Wait.on(fresh.future()));
    Wait.on(late.get(0).otherwiseEmpty());
    assertTrue(late.get(0).failed() && Overload.is(late.get(0).cause()), "refused: " + late.get(0));
    assertEquals(List.of("fresh"), ran, "the late step never ran");
  }

  @Test
  void aStepPastItsPatienceNoLongerHoldsTheLane() {
    var lane = new Lane(java.time.Duration.ofMillis(100));
    Promise<Void> hung = Promise.promise();
    Promise<String> next = Promise.promise();
    vertx.getOrCreateContext().runOnContext(x -> {
      lane.run(hung::future);
      lane.run(() -> Future.succeededFuture("next")).onComplete(next);
    });
    assertEquals("next", Wait.on(next.future()), "the next step started while the first still ran");
  }

  /** A step that ends after its patience does not free the lane again: the step after it still holds it. */
  @Test
  void aLateStepFreesTheLaneOnce() {
    var lane = new Lane(java.time.Duration.ofSeconds(2));
    Promise<Void> late = Promise.promise();
    Promise<Void> holding = Promise.promise();
    Promise<String> third = Promise.promise();
    var holdingStarted = new AtomicInteger();
    vertx.getOrCreateContext().runOnContext(x -> {
      lane.run(late::future);
      lane.run(() -> {
        holdingStarted.incrementAndGet();
        return holding.future();
      });
      lane.run(() -> Future.succeededFuture("third")).onComplete(third);
    });
    Wait.on(vertx.timer(3000));
    assertEquals(1, holdingStarted.get(), "the second step started past the first one's patience");
    late.complete();
    Wait.on(vertx.timer(50));  // well within the second step's patience (it started about a second ago)
    assertFalse(third.future().isComplete(), "the late first step did not free the second one's turn");
    holding.complete();
    assertEquals("third", Wait.on(third.future()));
  }
}
