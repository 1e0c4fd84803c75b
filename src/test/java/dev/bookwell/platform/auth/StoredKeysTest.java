package dev.bookwell.platform.auth;

import static dev.bookwell.db.Tables.SIGNING_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.TestDatabase;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signing keys kept in the database for a cluster: nodes racing at boot make one key; a rotation publishes the new
 * key before it signs and keeps the old one verifying while its tokens may live; private keys are sealed.
 */
class StoredKeysTest {

  static final String SECRET = "a-secret-key-of-at-least-32-characters!";
  static final Config.Identity IDENTITY = Config.from(Map.of()).identity();

  static Vertx vertx;
  static Db db;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    db = new Db(TestDatabase.fresh().createPool(vertx, 8, 64, Duration.ofSeconds(10), Duration.ZERO));
  }

  @AfterAll
  static void stop() {
    Wait.on(vertx.close());
  }

  static StoredKeys node(String secret, Duration rotation) {
    // tokens live 2 s and may come 2 s late; a new key verifies 2 s before it signs (seconds, not less: two nodes'
    // reloads must fall inside one such step even on a busy machine)
    return new StoredKeys(db, new Config.Keys("database", Optional.of(secret), rotation, List.of()),
        Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2));
  }

  @Test
  void nodesRacingAtBootMakeOneSealedKeyAndRotationNeverStrandsAToken() throws Exception {
    // eight nodes boot at once on an empty table: one key, the same for all
    var booting = new ArrayList<Future<JwtKeys>>();
    for (int i = 0; i < 8; i++) {
      booting.add(JwtKeys.stored(node(SECRET, Duration.ofSeconds(6)), new byte[32]));
    }
    Wait.on(Future.all(booting));
    var rows = Wait.on(db.fetch(Sql.DSL.selectFrom(SIGNING_KEY)));
    assertEquals(1, rows.size());
    String first = rows.get(0).getKid();
    booting.forEach(keys -> assertEquals(first, keys.result().ring().signing().kid()));
    // sealed: neither the PEM nor its base64 body is in the row
    String sealed = new String(rows.get(0).getSealedPrivate(), StandardCharsets.ISO_8859_1);
    String body = booting.get(0).result().ring().signing().privatePem().lines().skip(1).findFirst().orElseThrow();
    assertFalse(sealed.contains("PRIVATE KEY") || sealed.contains(body));
    assertEquals(JwtKeys.kidOf(rows.get(0).getPublicPem()), first);

    JwtKeys a = booting.get(0).result();
    JwtKeys b = booting.get(1).result();
    Supplier<JWTAuth> signA = Jwt.signer(vertx, a, IDENTITY);
    Supplier<JWTAuth> verifyB = Jwt.verifier(vertx, b, IDENTITY);
    String old = signA.get().generateToken(new JsonObject().put("sub", "someone"), Jwt.options(IDENTITY));
    assertEquals(first, kid(old));
    assertTrue(verifies(verifyB, old));

    Thread.sleep(6_200);  // past the rotation: the next reload makes a new key, which only verifies at first
    Wait.on(a.refresh());
    Wait.on(b.refresh());
    assertEquals(2, Wait.on(db.fetch(Sql.DSL.selectFrom(SIGNING_KEY))).size());
    assertEquals(first, a.ring().signing().kid());
    String next = a.ring().verifying().stream().map(JwtKeys.Key::kid).filter(k -> !k.equals(first)).findFirst()
        .orElseThrow();
    assertEquals(List.of(first, next), b.ring().verifying().stream().map(JwtKeys.Key::kid).toList());

    Thread.sleep(2_400);  // published long enough: the new key signs, the old one still verifies its tokens
    Wait.on(a.refresh());
    Wait.on(b.refresh());
    String fresh = signA.get().generateToken(new JsonObject().put("sub", "someone"), Jwt.options(IDENTITY));
    assertEquals(next, kid(fresh));
    assertTrue(verifies(verifyB, fresh));
    assertTrue(verifies(verifyB, old), "a token of the old key verifies while it may be alive");

    Thread.sleep(4_400);  // the old key's last token has expired (2 s) and its lateness passed (2 s)
    Wait.on(b.refresh());
    assertFalse(verifies(verifyB, old));
    assertTrue(verifies(verifyB, fresh));
    assertNotEquals(first, next);
  }

  @Test
  void aWrongSecretStopsTheBootWithAClearReason() {
    Wait.on(node(SECRET, Duration.ofDays(30)).ring());  // a key exists
    int before = Wait.on(db.fetch(Sql.DSL.selectFrom(SIGNING_KEY))).size();
    // even with a rotation due, a node with the wrong secret adds no key the others could not open
    Throwable failure = Wait.failureOf(node("another-secret-key-of-at-least-32-chars", Duration.ofMillis(1)).ring());
    assertTrue(failure.getMessage().contains("BOOKWELL_SECRET_KEY"), failure.toString());
    assertEquals(before, Wait.on(db.fetch(Sql.DSL.selectFrom(SIGNING_KEY))).size());
  }

  @Test
  void aKeyWrittenWithoutTheSecretIsNeverTrusted() {
    var node = node(SECRET, Duration.ofDays(30));
    Wait.on(node.ring());
    // someone who can write the table but has no secret adds a public key of their own, newest of all
    String foreign = JwtKeys.newKey().publicPem();
    Wait.on(db.update(Sql.DSL.insertInto(SIGNING_KEY).set(SIGNING_KEY.KID, JwtKeys.kidOf(foreign))
        .set(SIGNING_KEY.PUBLIC_PEM, foreign).set(SIGNING_KEY.SEALED_PRIVATE, new byte[64])
        .set(SIGNING_KEY.CREATED_AT, java.time.OffsetDateTime.now().minusSeconds(30))));
    var ring = Wait.on(node.ring());
    assertTrue(ring.verifying().stream().noneMatch(k -> k.kid().equals(JwtKeys.kidOf(foreign))), ring.toString());
    assertNotEquals(JwtKeys.kidOf(foreign), ring.signing().kid());
  }

  static String kid(String token) {
    String header = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
        StandardCharsets.UTF_8);
    return new JsonObject(header).getString("kid");
  }

  static boolean verifies(Supplier<JWTAuth> verifier, String token) {
    try {
      Wait.on(verifier.get().authenticate(new TokenCredentials(token)));
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
