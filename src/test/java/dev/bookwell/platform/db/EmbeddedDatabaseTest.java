package dev.bookwell.platform.db;

import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.support.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import dev.bookwell.platform.outbox.Outbox;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo database: migrated on start, and its data still there after a restart on the same directory. */
class EmbeddedDatabaseTest {

  @Test
  void dataSurvivesARestart(@TempDir Path dataDir) {
    Vertx vertx = Vertx.vertx();
    try {
      try (var first = EmbeddedDatabase.start(dataDir)) {
        first.migrate();
        var db = new Db(first.createPool(vertx, 2));
        Wait.on(db.transaction(tx -> Outbox.append(tx, "demo.kept", "demo", 1, new JsonObject())));
        Wait.on(db.pool().close());
      }
      try (var second = EmbeddedDatabase.start(dataDir)) {
        second.migrate();  // already applied: a no-op
        var db = new Db(second.createPool(vertx, 2));
        var count = Wait.on(db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
            .where(OUTBOX_EVENT.TYPE.eq("demo.kept")))).value1();
        assertEquals(1, count);
        Wait.on(db.pool().close());
      }
    } finally {
      Wait.on(vertx.close());
    }
  }
}
