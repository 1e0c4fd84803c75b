package dev.bookwell.identity;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.config.Config;
import dev.bookwell.support.Wait;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {

  final PasswordHasher hasher = new PasswordHasher(Config.from(Map.of("BOOKWELL_ARGON2_MEMORY_KIB", "1024",
      "BOOKWELL_ARGON2_ITERATIONS", "1")).identity());

  @Test
  void hashesAreSaltedPhcStringsThatVerify() {
    String first = hasher.hash("correct horse battery");
    String second = hasher.hash("correct horse battery");
    assertTrue(first.startsWith("$argon2id$v=19$m=1024,t=1,p=1$"), first);
    assertNotEquals(first, second, "salted");
    assertTrue(hasher.verify("correct horse battery", first));
    assertFalse(hasher.verify("correct horse batterY", first));
    assertFalse(hasher.verify("correct horse battery", "$2a$10$not-argon"));
  }

  @Test
  void hashesMadeWithOtherParametersStillVerify() {
    var stronger = new PasswordHasher(Config.from(Map.of("BOOKWELL_ARGON2_MEMORY_KIB", "2048",
        "BOOKWELL_ARGON2_ITERATIONS", "2")).identity());
    assertTrue(hasher.verify("correct horse battery", stronger.hash("correct horse battery")));
  }

  @Test
  void refusesToRunOnAnEventLoop() {
    Vertx vertx = Vertx.vertx();
    try {
      Promise<Throwable> outcome = Promise.promise();
      vertx.runOnContext(v -> {
        try {
          hasher.hash("correct horse battery");
          outcome.complete(null);
        } catch (IllegalStateException e) {
          outcome.complete(e);
        }
      });
      assertInstanceOf(IllegalStateException.class, Wait.on(outcome.future()));
    } finally {
      Wait.on(vertx.close());
    }
  }
}
