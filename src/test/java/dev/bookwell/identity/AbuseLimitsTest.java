package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.IDEMPOTENCY_KEY;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.Bookwell;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an anonymous client can make the service do is limited per client, in PostgreSQL: registrations,
 * password resets and guest holds per minute, guest seats per email and slot, and parallel password guesses.
 * The test client is a trusted proxy here, so each test speaks for a client of its own through X-Forwarded-For.
 */
class AbuseLimitsTest {

  /** Accounts and organizations for the tests are made through this instance, without the low limits. */
  static TestApp setup;
  static TestApp app;

  @BeforeAll
  static void start() {
    setup = TestApp.start();
    app = TestApp.start(Bookwell.CONTRACT, Map.of(
        "BOOKWELL_TRUSTED_PROXIES", "127.0.0.1/32, ::1/128",
        "BOOKWELL_REGISTRATIONS_PER_MINUTE", "3",
        "BOOKWELL_PASSWORD_RESETS_PER_MINUTE", "2",
        "BOOKWELL_GUEST_HOLDS_PER_MINUTE", "3",
        "BOOKWELL_GUEST_SEATS_PER_SLOT", "4",
        "BOOKWELL_LOCKOUT_BASE", "10m"), setup.database);
  }

  @AfterAll
  static void stop() {
    app.close();
    setup.close();
  }

  @Test
  void registrationsPerClientAreLimitedAndTheForwardedClientIsOnlyBelievedFromATrustedProxy() {
    Wait.clearOfMinuteEnd();
    for (int i = 0; i < 3; i++) {
      // what a client writes at the left of X-Forwarded-For is never believed: the rightmost hop is the client
      assertEquals(201, register("10.9.9." + i + ", 203.0.113.7").statusCode());
    }
    var refused = register("10.9.9.9, 203.0.113.7");
    String email = refusedEmail;
    assertTooMany(refused);
    assertEquals(201, register("203.0.113.8").statusCode(), "another client has its own count");
    assertEquals(0, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(APP_USER).where(APP_USER.EMAIL.eq(email))))
        .value1(), "the refused registration made no account");

    try (var direct = TestApp.start(Bookwell.CONTRACT, Map.of("BOOKWELL_REGISTRATIONS_PER_MINUTE", "2"))) {
      Wait.clearOfMinuteEnd();
      for (int i = 0; i < 2; i++) {
        assertEquals(201, register(direct, "198.51.100." + i).statusCode());
      }
      assertTooMany(register(direct, "198.51.100.77"));  // the peer is not a trusted proxy: the header is ignored
    }
  }

  @Test
  void passwordResetRequestsPerClientAreLimited() {
    String email = IdentityFixture.uniqueEmail();
    UUID user = IdentityFixture.register(setup, email);
    Wait.clearOfMinuteEnd();
    for (int i = 0; i < 2; i++) {
      assertEquals(202, reset(email, "203.0.113.20").statusCode());
    }
    assertTooMany(reset(email, "203.0.113.20"));
    assertEquals(2, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
        .where(OUTBOX_EVENT.TYPE.eq("identity.password_reset_requested"))
        .and(OUTBOX_EVENT.AGGREGATE_ID.eq(user.toString())))).value1(), "no reset past the limit");
  }

  @Test
  void guestHoldsAreLimitedPerClientAndPerEmailAndSlotEvenConcurrently() {
    var world = new World(setup, "UTC");
    String course = world.service(new JsonObject().put("priceMinor", 0).put("seatsPerSlot", 50));
    String slot = world.session(course, world.providerId, at(2), 50);
    var hoarder = new JsonObject().put("name", "Hoarder").put("email", "Hoarder@Example.org");

    var holds = new ArrayList<Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < 10; i++) {  // ten clients, one seat each, one email: the cap holds under concurrency
      holds.add(guestHold(slot, 1, hoarder, "198.51.100." + (10 + i)));
    }
    Wait.on(Future.join(holds));
    long held = holds.stream().filter(h -> h.result().statusCode() == 201).count();
    holds.stream().filter(h -> h.result().statusCode() != 201).forEach(h -> {
      assertEquals(422, h.result().statusCode(), h.result().bodyAsString());
      assertEquals("https://bookwell.dev/problems/guest-limit", h.result().bodyAsJsonObject().getString("type"));
    });
    assertEquals(4, held, "BOOKWELL_GUEST_SEATS_PER_SLOT");
    assertEquals(4, Wait.on(app.db.fetchOne(Sql.DSL.select(DSL.sum(BOOKING.SEATS)).from(BOOKING)
        .where(BOOKING.SLOT_ID.eq(UUID.fromString(slot)))
        .and(DSL.lower(DSL.field("{0} ->> 'email'", String.class, BOOKING.GUEST)).eq("hoarder@example.org"))))
        .value1().intValue());

    var other = new JsonObject().put("name", "Other").put("email", "other@example.org");
    Wait.clearOfMinuteEnd();  // four holds in one minute
    for (int i = 0; i < 3; i++) {
      assertEquals(201, Wait.on(guestHold(slot, 1, other.copy().put("email", "guest" + i + "@example.org"),
          "198.51.100.99")).statusCode());
    }
    assertTooMany(Wait.on(guestHold(slot, 1, other, "198.51.100.99")));
  }

  @Test
  void aGuestTokenIsNeverStoredYetAReplayGivesItAgain() {
    var world = new World(setup, "UTC");
    String service = world.service(new JsonObject().put("priceMinor", 0).put("seatsPerSlot", 5));
    String slot = world.session(service, world.providerId, at(3), 5);
    var body = new JsonObject().put("slotId", slot)
        .put("guest", new JsonObject().put("name", "Guest").put("email", "replay@example.org"));
    var first = app.client.post("/v1/bookings").putHeader("Idempotency-Key", "guest-key")
        .putHeader("X-Forwarded-For", "198.51.100.200");
    var one = Wait.on(first.sendJsonObject(body));
    var two = Wait.on(first.sendJsonObject(body));
    assertEquals(201, one.statusCode(), one.bodyAsString());
    String token = one.bodyAsJsonObject().getString("accessToken");
    assertEquals(token, two.bodyAsJsonObject().getString("accessToken"), "the replay gives the same capability");
    var stored = Wait.on(app.db.fetchOne(Sql.DSL.select(IDEMPOTENCY_KEY.RESPONSE_BODY).from(IDEMPOTENCY_KEY)
        .where(IDEMPOTENCY_KEY.KEY.eq("guest-key")))).value1().data();
    assertFalse(stored.contains(token), "the stored reply holds no token: " + stored);
    var read = Wait.on(app.client.get("/v1/bookings/" + one.bodyAsJsonObject().getString("id"))
        .putHeader("X-Booking-Token", token).send());
    assertEquals(200, read.statusCode(), "the token works");
  }

  /** Parallel guesses: the account locks after five counted failures, and every guess in flight then is refused. */
  @Test
  void parallelGuessesGetNoMoreTriesThanTheThreshold() {
    String email = IdentityFixture.uniqueEmail();
    UUID user = IdentityFixture.register(setup, email);
    var guesses = new ArrayList<Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < 30; i++) {
      guesses.add(app.client.post("/v1/auth/login").putHeader("X-Forwarded-For", "192.0.2." + (i % 5))
          .sendJsonObject(new JsonObject().put("email", email).put("password", "guess number " + i)));
    }
    Wait.on(Future.join(guesses));
    guesses.forEach(g -> assertEquals(401, g.result().statusCode()));
    assertEquals(5, failures(user, "wrong_password"), "exactly the threshold of guesses was judged");
    assertEquals(25, failures(user, "locked"));
    assertEquals(401, IdentityFixture.loginStatus(app, email, IdentityFixture.PASSWORD), "and it stays locked");
  }

  private static int failures(UUID user, String reason) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
        .where(OUTBOX_EVENT.TYPE.eq("identity.login_failed")).and(OUTBOX_EVENT.AGGREGATE_ID.eq(user.toString()))
        .and(DSL.field("{0} ->> 'reason'", String.class, OUTBOX_EVENT.PAYLOAD).eq(reason)))).value1();
  }

  private static String refusedEmail;

  private static HttpResponse<Buffer> register(String forwardedFor) {
    return register(app, forwardedFor);
  }

  private static HttpResponse<Buffer> register(TestApp target, String forwardedFor) {
    refusedEmail = IdentityFixture.uniqueEmail();
    return Wait.on(target.client.post("/v1/auth/register").putHeader("X-Forwarded-For", forwardedFor)
        .sendJsonObject(new JsonObject().put("email", refusedEmail).put("password", IdentityFixture.PASSWORD)
            .put("name", "Someone")));
  }

  private static HttpResponse<Buffer> reset(String email, String forwardedFor) {
    return Wait.on(app.client.post("/v1/auth/password-reset").putHeader("X-Forwarded-For", forwardedFor)
        .sendJsonObject(new JsonObject().put("email", email)));
  }

  private static Future<HttpResponse<Buffer>> guestHold(String slot, int seats, JsonObject guest, String client) {
    return app.client.post("/v1/bookings").putHeader("X-Forwarded-For", client)
        .sendJsonObject(new JsonObject().put("slotId", slot).put("seats", seats).put("guest", guest));
  }

  private static void assertTooMany(HttpResponse<Buffer> response) {
    assertEquals(429, response.statusCode(), response.bodyAsString());
    assertEquals("application/problem+json", response.getHeader("Content-Type"));
    int retryAfter = Integer.parseInt(response.getHeader("Retry-After"));
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
  }
}
