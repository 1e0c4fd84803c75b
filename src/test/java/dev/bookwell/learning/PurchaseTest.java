package dev.bookwell.learning;

import static dev.bookwell.db.Tables.COURSE_ORDER;
import static dev.bookwell.db.Tables.ENROLLMENT;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.Eventually;
import dev.bookwell.support.FakeStripe;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Buying a priced course through the real stripe-java client against the local fake Stripe and signed webhooks:
 * enrolled once whatever the webhooks' number and order, the money taken once; withdrawn in the refund window,
 * refunded.
 */
class PurchaseTest {

  static final String SECRET = "whsec_learning";
  static FakeStripe stripe;
  static TestApp app;
  static World world;
  static LearningFixture learning;

  @BeforeAll
  static void start() {
    stripe = new FakeStripe();
    app = TestApp.start("openapi.yaml", Map.of("STRIPE_SECRET_KEY", "sk_test_bookwell",
        "STRIPE_API_BASE", stripe.apiBase(), "STRIPE_WEBHOOK_SECRET", SECRET));
    world = new World(app, "UTC");
    learning = new LearningFixture(app, world);
  }

  @AfterAll
  static void stop() {
    app.close();
    stripe.close();
  }

  @Test
  void duplicateAndReorderedWebhooksEnrollTheBuyerOnceAndAWithdrawalInTimeIsRefunded() {
    String course = learning.course("Advanced wound care", "self_paced", new JsonObject().put("priceMinor", 3000)
        .put("currency", "EUR"));
    learning.lesson(course, learning.section(course), "text", new JsonObject());
    learning.publish(course);
    String buyer = world.userToken();
    learning.call(HttpMethod.POST, "/v1/courses/" + course + "/enrollments", null, buyer, 402);

    var order = learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", null, buyer, 201);
    assertEquals(order.getString("id"), learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", null,
        buyer, 201).getString("id"), "buying again before paying is the same order");
    String intentId = order.getJsonObject("payment").getString("intentId");
    assertNotNull(order.getJsonObject("payment").getString("clientSecret"));
    assertEquals(3000L, stripe.intent(intentId).getLong("amount"));

    // the card is paid; Stripe sends succeeded before authorized, and each twice, all at once
    var succeeded = stripe.event("payment_intent.succeeded", stripe.pay(intentId), SECRET, now());
    var authorized = stripe.event("payment_intent.amount_capturable_updated", stripe.intent(intentId), SECRET,
        now());
    var posts = new ArrayList<Future<?>>();
    for (var event : new FakeStripe.SignedEvent[] {succeeded, authorized, succeeded, authorized}) {
      posts.add(app.client.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json")
          .putHeader("Stripe-Signature", event.signature()).sendBuffer(Buffer.buffer(event.payload())));
    }
    Wait.on(Future.all(posts));
    Eventually.until("enrolled by the purchase", () -> enrollments(buyer, course) == 1);
    var enrollment = Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(ENROLLMENT)
        .where(ENROLLMENT.COURSE_ID.eq(UUID.fromString(course)))));
    assertEquals("purchase", enrollment.getSource());
    assertEquals(UUID.fromString(order.getString("id")), enrollment.getOrderId());
    assertEquals(1, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
        .where(OUTBOX_EVENT.TYPE.eq("learning.enrolled")).and(OUTBOX_EVENT.AGGREGATE_ID
            .eq(enrollment.getId().toString())))).value1(), "enrolled once");
    assertEquals("paid", Wait.on(app.db.fetchOne(Sql.DSL.select(COURSE_ORDER.STATUS).from(COURSE_ORDER)
        .where(COURSE_ORDER.ID.eq(UUID.fromString(order.getString("id")))))).value1());
    learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", null, buyer, 409);  // enrolled already

    // withdrawn within the refund window: the money goes back in full, once
    learning.call(HttpMethod.POST, "/v1/enrollments/" + enrollment.getId() + "/withdraw", null, buyer, 200);
    Eventually.until("refunded", () -> Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(PAYMENT_LEDGER)
        .where(PAYMENT_LEDGER.BOOKING_ID.eq(UUID.fromString(order.getString("id"))))
        .and(PAYMENT_LEDGER.KIND.eq("refund")).and(PAYMENT_LEDGER.AMOUNT_MINOR.eq(3000L)))).value1() == 1);
    assertEquals("refunded", Wait.on(app.db.fetchOne(Sql.DSL.select(COURSE_ORDER.STATUS).from(COURSE_ORDER)
        .where(COURSE_ORDER.ID.eq(UUID.fromString(order.getString("id")))))).value1());
    assertTrue(stripe.captures.get() <= 1, "captured at most once: " + stripe.captures.get());
  }

  @Test
  void anOrganizationsPromoCodeAppliesToACoursePurchase() {
    String course = learning.course("Suturing online", "self_paced", new JsonObject().put("priceMinor", 3000)
        .put("currency", "EUR"));
    learning.lesson(course, learning.section(course), "text", new JsonObject());
    learning.publish(course);
    for (var code : new JsonObject[] {new JsonObject().put("code", "LEARN50").put("value", 50),
        new JsonObject().put("code", "FREECOURSE").put("value", 100),
        new JsonObject().put("code", "ALMOSTFREE").put("value", 99)}) {
      learning.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/promo-codes", code.copy()
          .put("kind", "percent").put("courses", true), world.owner, 201);
    }
    learning.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/promo-codes", new JsonObject()
        .put("code", "CONSULT100").put("kind", "percent").put("value", 100), world.owner, 201);
    String buyer = world.userToken();
    learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", new JsonObject().put("promoCode",
        "NOSUCH"), buyer, 422);
    learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", new JsonObject().put("promoCode",
        "CONSULT100"), buyer, 422);  // a bookings' code does not serve courses
    learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", new JsonObject().put("promoCode",
        "ALMOSTFREE"), buyer, 422);  // 30 cents: less than a card payment can be
    assertEquals(0, learning.call(HttpMethod.GET, "/v1/organizations/" + world.organizationId + "/promo-codes",
        null, world.owner, 200).getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("code").equals("ALMOSTFREE")).findFirst().orElseThrow().getInteger("uses"),
        "its use given back");
    var half = learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", new JsonObject()
        .put("promoCode", "learn50"), buyer, 201);
    assertEquals(1500L, half.getJsonObject("amount").getLong("amountMinor"));
    assertEquals(1500L, half.getJsonObject("discount").getLong("amountMinor"));
    assertEquals(1500L, stripe.intent(half.getJsonObject("payment").getString("intentId")).getLong("amount"));

    String other = world.userToken();
    var free = learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", new JsonObject()
        .put("promoCode", "FREECOURSE"), other, 201);
    assertEquals("paid", free.getString("status"));
    assertEquals("none", free.getJsonObject("payment").getString("status"));
    assertEquals(1, enrollments(other, course), "a code that makes it free enrolls at once");
  }

  @Test
  void anOrderLeftUnpaidEndsAndItsCodeIsGivenBack() {
    String course = learning.course("Burns in depth", "self_paced", new JsonObject().put("priceMinor", 2000)
        .put("currency", "EUR"));
    learning.lesson(course, learning.section(course), "text", new JsonObject());
    learning.publish(course);
    learning.call(HttpMethod.POST, "/v1/organizations/" + world.organizationId + "/promo-codes", new JsonObject()
        .put("code", "ONCEONLY").put("kind", "percent").put("value", 10).put("maxUses", 1).put("courses", true),
        world.owner, 201);
    String buyer = world.userToken();
    var order = learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", new JsonObject()
        .put("promoCode", "ONCEONLY"), buyer, 201);
    UUID id = UUID.fromString(order.getString("id"));
    // a day passes unpaid
    Wait.on(app.db.update(Sql.DSL.update(COURSE_ORDER).set(COURSE_ORDER.CREATED_AT,
        java.time.OffsetDateTime.now().minusDays(2)).where(COURSE_ORDER.ID.eq(id))));
    Eventually.until("ended and settled", () -> Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(COURSE_ORDER)
        .where(COURSE_ORDER.ID.eq(id)))).getReleaseAcknowledgedAt() != null);
    assertEquals("cancelled", Wait.on(app.db.fetchOne(Sql.DSL.select(COURSE_ORDER.STATUS).from(COURSE_ORDER)
        .where(COURSE_ORDER.ID.eq(id)))).value1());
    assertEquals("canceled", stripe.intent(order.getJsonObject("payment").getString("intentId")).getString("status"),
        "its intent voided");
    String other = world.userToken();
    assertEquals(1800L, learning.call(HttpMethod.POST, "/v1/courses/" + course + "/purchase", new JsonObject()
        .put("promoCode", "ONCEONLY"), other, 201).getJsonObject("amount").getLong("amountMinor"),
        "the code's one use is free again");
  }

  private static int enrollments(String token, String course) {
    return (int) learning.call(HttpMethod.GET, "/v1/me/enrollments", null, token, 200).getJsonArray("items").stream()
        .filter(e -> ((JsonObject) e).getString("courseId").equals(course)).count();
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }
}
