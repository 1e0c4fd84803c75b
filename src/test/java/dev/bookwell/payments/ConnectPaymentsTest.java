package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.FakeStripe;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stripe Connect: each organization is paid into its own connected account, through the real stripe-java client
 * against the fake Stripe, which honours Stripe-Account. Organization A's money never touches B's account.
 */
class ConnectPaymentsTest {

  static final String SECRET = "whsec_connect";
  static FakeStripe stripe;
  static TestApp app;
  static World a;
  static World b;

  @BeforeAll
  static void start() {
    stripe = new FakeStripe();
    app = TestApp.start("openapi.yaml", Map.of("STRIPE_SECRET_KEY", "sk_test_bookwell",
        "STRIPE_API_BASE", stripe.apiBase(), "STRIPE_WEBHOOK_SECRET", SECRET, "BOOKWELL_APPLICATION_FEE_BPS", "1000"));
    a = new World(app, "UTC");
    b = new World(app, "UTC");
    stripe.connect("acct_B1", b.organizationId);
    stripe.connect("acct_Stray", null);
  }

  @AfterAll
  static void stop() {
    app.close();
    stripe.close();
  }

  private static String accountPath(World world) {
    return "/v1/organizations/" + world.organizationId + "/payment-account";
  }

  @Test
  void eachOrganizationIsPaidIntoItsOwnAccount() {
    // A onboards: the platform makes A's account (naming A) and gives a link to finish it with Stripe
    var onboarded = World.ok(app.call(HttpMethod.POST, accountPath(a) + "/onboarding", null, a.owner));
    String acctA = onboarded.getString("stripeAccountId");
    assertTrue(onboarded.getString("onboardingUrl").endsWith(acctA));
    assertEquals(acctA, World.ok(app.call(HttpMethod.POST, accountPath(a) + "/onboarding", null, a.owner))
        .getString("stripeAccountId"), "asked again: the same account, a fresh link");
    // B connects an account made for B
    World.ok(app.call(HttpMethod.PUT, accountPath(b), new JsonObject().put("stripeAccountId", "acct_B1"), b.owner));

    // B's owner cannot see or change A's account, nor take it over
    assertEquals(404, app.call(HttpMethod.GET, accountPath(a), null, b.owner).statusCode());
    assertEquals(404, app.call(HttpMethod.PUT, accountPath(a), new JsonObject().put("stripeAccountId", "acct_B1"),
        b.owner).statusCode());
    assertEquals(404, app.call(HttpMethod.DELETE, accountPath(a), null, b.owner).statusCode());
    assertEquals(404, app.call(HttpMethod.POST, accountPath(a) + "/onboarding", null, b.owner).statusCode(),
        "nor onboard it (its link would let them fill A's account)");
    assertEquals(400, app.call(HttpMethod.PUT, "/v1/admin/organizations/" + b.organizationId + "/application-fee",
        new JsonObject().put("bps", 9999), a.admin).statusCode());
    assertEquals(422, app.call(HttpMethod.PUT, accountPath(b), new JsonObject().put("stripeAccountId", acctA),
        b.owner).statusCode(), "A's account is not B's to connect, though payers can see its id");
    assertEquals(422, app.call(HttpMethod.PUT, accountPath(b), new JsonObject().put("stripeAccountId", "acct_Stray"),
        b.owner).statusCode(), "an account made for nobody in particular");
    assertEquals(422, app.call(HttpMethod.PUT, accountPath(b), new JsonObject().put("stripeAccountId", "acct_Nope"),
        b.owner).statusCode(), "Stripe does not know it");
    assertEquals(400, app.call(HttpMethod.PUT, accountPath(b), new JsonObject().put("stripeAccountId", "pk_live_x"),
        b.owner).statusCode());
    assertEquals(403, app.call(HttpMethod.PUT, "/v1/admin/organizations/" + b.organizationId + "/application-fee",
        new JsonObject().put("bps", 0), b.owner).statusCode(), "the fee is the platform's to set");
    assertEquals(acctA, World.ok(app.call(HttpMethod.GET, accountPath(a), null, a.owner))
        .getString("stripeAccountId"), "nothing changed for A");
    var fee = World.ok(app.call(HttpMethod.PUT, "/v1/admin/organizations/" + b.organizationId + "/application-fee",
        new JsonObject().put("bps", 500), a.admin));
    assertEquals(500, fee.getInteger("applicationFeeBps"));

    var atA = hold(a, 4500);
    var atB = hold(b, 2499);
    String intentA = atA.getJsonObject("payment").getString("intentId");
    String intentB = atB.getJsonObject("payment").getString("intentId");
    assertEquals(acctA, stripe.accountOf(intentA));
    assertEquals("acct_B1", stripe.accountOf(intentB));
    assertEquals(450L, stripe.intent(intentA).getLong("application_fee_amount"), "the platform default, 10%");
    assertEquals(124L, stripe.intent(intentB).getLong("application_fee_amount"),
        "B's own fee, 5 % of 24.99 rounded down");

    // an event about A's intent that claims to come from B's account moves nothing
    var forged = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentA), SECRET, now(),
        com.stripe.Stripe.API_VERSION, "acct_B1");
    assertEquals(200, post(forged).statusCode());
    assertEquals("requires_payment", paymentStatus(atA));

    assertEquals(acctA, atA.getJsonObject("payment").getString("stripeAccountId"), "the payer's Stripe.js needs it");
    // nor does an event naming no account (the platform's own) move A's payment
    var platformEvent = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentA), SECRET,
        now());
    assertEquals("ignored", post(platformEvent).bodyAsJsonObject().getString("outcome"));
    assertEquals("requires_payment", paymentStatus(atA));
    for (var paid : List.of(new String[] {intentA, acctA}, new String[] {intentB, "acct_B1"})) {
      var event = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(paid[0]), SECRET, now(),
          com.stripe.Stripe.API_VERSION, paid[1]);
      assertEquals(200, post(event).statusCode());
    }
    Eventually.until("both captured", () -> "captured".equals(paymentStatus(atA))
        && "captured".equals(paymentStatus(atB)));
    World.ok(app.call(HttpMethod.POST, "/v1/bookings/" + atB.getString("id") + "/cancel", null, b.owner));
    Eventually.until("B refunded", () -> "refunded".equals(paymentStatus(atB)));

    var movementsOfA = stripe.movements.stream().filter(m -> m.contains(intentA)).toList();
    var movementsOfB = stripe.movements.stream().filter(m -> m.contains(intentB)).toList();
    assertEquals(List.of(acctA + " create " + intentA + " 4500", acctA + " capture " + intentA + " 4500"),
        movementsOfA);
    assertEquals(List.of("acct_B1 create " + intentB + " 2499", "acct_B1 capture " + intentB + " 2499",
        "acct_B1 refund " + intentB + " 2499"), movementsOfB);

    // disconnected: new payments are the platform's, with no fee
    World.ok(app.call(HttpMethod.DELETE, accountPath(a), null, a.owner));
    String later = hold(a, 4500).getJsonObject("payment").getString("intentId");
    assertEquals("platform", stripe.accountOf(later));
    assertEquals(null, stripe.intent(later).getLong("application_fee_amount"));
  }

  private static JsonObject hold(World world, long price) {
    String service = world.service(new JsonObject().put("name", "Paid " + price).put("priceMinor", price)
        .put("seatsPerSlot", 2));
    var response = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject()
        .put("slotId", world.session(service, world.providerId, at(3), 2))
        .put("guest", new JsonObject().put("name", "Payer").put("email", UUID.randomUUID() + "@example.org")), null);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  private static io.vertx.ext.web.client.HttpResponse<Buffer> post(FakeStripe.SignedEvent event) {
    return Wait.on(app.client.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json")
        .putHeader("Stripe-Signature", event.signature()).sendBuffer(Buffer.buffer(event.payload())));
  }

  private static String paymentStatus(JsonObject booking) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(PAYMENT.STATUS).from(PAYMENT)
        .where(PAYMENT.BOOKING_ID.eq(UUID.fromString(booking.getString("id")))))).value1().getLiteral();
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }
}
