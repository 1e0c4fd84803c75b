package dev.bookwell.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.support.TestDatabase;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/** Nodes racing for a job's lease: one takes it, nobody else until it runs out, then one again. */
class LeasesTest {

  @Test
  void oneNodeAnIntervalHoldsTheLease() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // a pool per node, as in a cluster
      var nodes = new ArrayList<Db>();
      var database = TestDatabase.fresh();
      for (int i = 0; i < 3; i++) {
        nodes.add(new Db(database.createPool(vertx, 4, 64, Duration.ofSeconds(10), Duration.ZERO)));
      }
      // four seconds: the second round of takes ends well within it even on a busy machine
      assertEquals(1, winners(nodes, Duration.ofSeconds(4)), "twelve racing takes: one wins");
      assertEquals(0, winners(nodes, Duration.ofSeconds(4)), "held: nobody takes it");
      Thread.sleep(4_200);
      assertEquals(1, winners(nodes, Duration.ofMinutes(1)), "run out: one takes it again");
      assertEquals(0, winners(nodes, Duration.ofMinutes(1)));
    } finally {
      Wait.on(vertx.close());
    }
  }

  private static int winners(java.util.List<Db> nodes, Duration every) {
    var takes = new ArrayList<Future<Boolean>>();
    for (int round = 0; round < 4; round++) {
      for (Db node : nodes) {
        takes.add(Leases.take(node, "job", every));
      }
    }
    Wait.on(Future.all(takes));
    return (int) takes.stream().filter(Future::result).count();
  }
}
