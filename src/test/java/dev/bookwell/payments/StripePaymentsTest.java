package dev.bookwell.payments;

import static dev.bookwell.scheduling.World.at;
import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SEAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.FakeStripe;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Payments through the real stripe-java client against a local fake Stripe, with webhooks signed exactly as
 * Stripe signs them: authorize on hold, capture once the seat is secured, nothing changed by bad signatures.
 */
class StripePaymentsTest {

  static final String OLD_SECRET = "whsec_old";
  static final String NEW_SECRET = "whsec_new";
  static FakeStripe stripe;
  static TestApp app;
  static World world;
  static String service;

  @BeforeAll
  static void start() {
    stripe = new FakeStripe();
    app = TestApp.start("openapi.yaml", Map.of("STRIPE_SECRET_KEY", "sk_test_bookwell",
        "STRIPE_API_BASE", stripe.apiBase(), "STRIPE_WEBHOOK_SECRET", OLD_SECRET + ", " + NEW_SECRET,
        "BOOKWELL_HOLD_SWEEP_INTERVAL", "1h"));
    world = new World(app, "UTC");
    service = world.service(new JsonObject().put("name", "Paid").put("priceMinor", 4500).put("seatsPerSlot", 3));
  }

  @AfterAll
  static void stop() {
    app.close();
    stripe.close();
  }

  @Test
  void authorizedPaymentConfirmsTheBookingAndIsCapturedOnce() {
    var booking = hold(world.session(service, world.providerId, at(2), 3));
    var payment = booking.getJsonObject("payment");
    String intentId = payment.getString("intentId");
    assertNotNull(payment.getString("clientSecret"));
    var intent = stripe.intent(intentId);
    assertEquals("manual", intent.getString("capture_method"));
    assertEquals(4500L, intent.getLong("amount"));
    assertEquals(booking.getString("id"), intent.getJsonObject("metadata").getString("booking_id"));

    var authorized = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId),
        NEW_SECRET, now());
    assertEquals(200, post(authorized.payload(), authorized.signature()).statusCode());

    awaitPayment(booking, "captured");
    assertEquals(null, settleAfter(intentId), "captured with the capture's move: nothing left to reconcile");
    assertEquals("confirmed", status(booking));
    assertEquals("succeeded", stripe.intent(intentId).getString("status"));
    var succeeded = stripe.event("payment_intent.succeeded", stripe.intent(intentId), OLD_SECRET, now());
    assertEquals(200, post(succeeded.payload(), succeeded.signature()).statusCode());
    var again = post(authorized.payload(), authorized.signature());
    assertEquals("duplicate", again.bodyAsJsonObject().getString("outcome"));
    assertEquals(List.of("authorization", "capture"), ledger(booking), "each movement once");
    stripeHeadersAsStripeJavaSendsThem(booking.getString("id"));
  }

  /**
   * The gateway's own HTTP client (StripeHttp) sends what stripe-java's sends, its user agents built once; without
   * stripe-java's telemetry (the capture comes after the intent's creation, whose metrics it would carry).
   */
  private void stripeHeadersAsStripeJavaSendsThem(String bookingId) {
    var create = stripe.headers.get("POST /v1/payment_intents");
    var capture = stripe.headers.get("POST /v1/payment_intents/{id}/capture");
    assertEquals("Bearer sk_test_bookwell", create.get("Authorization"));
    assertEquals("intent-" + bookingId, create.get("Idempotency-Key"));
    assertNotNull(capture.get("Idempotency-Key"));
    assertEquals(com.stripe.Stripe.API_VERSION, create.get("Stripe-Version"));
    assertEquals("application/x-www-form-urlencoded;charset=UTF-8", create.get("Content-Type"));
    assertEquals("Stripe/v1 JavaBindings/" + com.stripe.Stripe.VERSION, create.get("User-Agent"));
    var client = new JsonObject(create.get("X-Stripe-Client-User-Agent"));
    assertEquals(com.stripe.Stripe.VERSION, client.getString("bindings.version"));
    assertEquals("Java", client.getString("lang"));
    assertNotNull(client.getString("gson.version"));
    assertEquals(create.get("User-Agent"), capture.get("User-Agent"));
    assertEquals(create.get("X-Stripe-Client-User-Agent"), capture.get("X-Stripe-Client-User-Agent"));
    assertNull(capture.get("X-Stripe-Client-Telemetry"), "no metrics of the request before sent to Stripe");
  }

  /**
   * A checkout page waits for the confirmation instead of polling: its GET naming the ETag it has, with
   * {@code Prefer: wait}, is answered when the webhook's settlement confirms the booking, with the confirmed booking.
   * With nothing changing it is answered 304 once its wait is over; without an ETag the preference changes nothing.
   */
  @Test
  void aGuestWaitingOnItsBookingIsAnsweredWhenThePaymentConfirmsIt() {
    var booking = hold(world.session(service, world.providerId, at(23), 3));
    var first = read(booking, null, null);
    assertEquals(200, first.statusCode());
    String etag = first.getHeader("ETag");
    assertEquals(304, read(booking, etag, "wait=1").statusCode(), "nothing changed during the second");
    assertEquals(200, read(booking, null, "wait=30").statusCode(), "no ETag to wait on: answered at once");

    var waiting = request(booking, etag, "wait=30");
    var authorized = stripe.event("payment_intent.amount_capturable_updated",
        stripe.authorize(booking.getJsonObject("payment").getString("intentId")), NEW_SECRET, now());
    assertEquals(200, post(authorized.payload(), authorized.signature()).statusCode());
    // each answer is a change (the payment authorized, then the booking confirmed), well before the 30 s offered
    var answer = Wait.on(waiting, 20);
    for (int asks = 1; !"confirmed".equals(answer.bodyAsJsonObject().getString("status")); asks++) {
      assertEquals(200, answer.statusCode());
      assertTrue(asks < 4, "a change per answer: " + answer.bodyAsString());
      answer = Wait.on(request(booking, answer.getHeader("ETag"), "wait=30"), 20);
    }
    assertEquals(200, answer.statusCode());
  }

  /**
   * The long poll is the read it always was: the owner of another organization, waiting on the victim's booking
   * with its current ETag, is refused 404 at once (not after the wait) and the booking is as it was. A malformed
   * wait is ignored (answered at once), a tag the booking does not have is answered at once with the booking, and
   * a malformed id is a 400 problem.
   */
  @Test
  void aStrangerCannotWaitOnAnotherOrganizationsBookingAndBadInputIsAnsweredAtOnce() {
    var booking = hold(world.session(service, world.providerId, at(24), 3));
    var before = read(booking, null, null);
    String etag = before.getHeader("ETag");
    String stranger = new World(app, "UTC").owner;
    long start = System.nanoTime();
    var refused = Wait.on(app.client.get("/v1/bookings/" + booking.getString("id"))
        .putHeader("Authorization", "Bearer " + stranger).putHeader("If-None-Match", etag)
        .putHeader("Prefer", "wait=30").send(), 40);
    assertEquals(404, refused.statusCode(), refused.bodyAsString());
    assertTrue(refused.getHeader("Content-Type").startsWith("application/problem+json"));
    assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(20),
        "refused at once, not after the 30 s it offered to wait");
    var after = read(booking, null, null);
    assertEquals(before.bodyAsString(), after.bodyAsString(), "nothing changed for the victim");
    assertEquals(etag, after.getHeader("ETag"));

    assertEquals(304, read(booking, etag, "wait=soon").statusCode(), "a wait that is no number: not waited");
    assertEquals(200, read(booking, "\"not-its-tag\"", "wait=30").statusCode(), "another version: answered now");
    var malformed = Wait.on(app.client.get("/v1/bookings/not-a-uuid").putHeader("If-None-Match", etag)
        .putHeader("Prefer", "wait=30").send());
    assertEquals(400, malformed.statusCode());
    assertTrue(malformed.getHeader("Content-Type").startsWith("application/problem+json"));
  }

  private static io.vertx.core.Future<HttpResponse<Buffer>> request(JsonObject booking, String etag, String prefer) {
    var get = app.client.get("/v1/bookings/" + booking.getString("id"))
        .putHeader("X-Booking-Token", booking.getString("accessToken"));
    if (etag != null) {
      get.putHeader("If-None-Match", etag);
    }
    if (prefer != null) {
      get.putHeader("Prefer", prefer);
    }
    return get.send();
  }

  private static HttpResponse<Buffer> read(JsonObject booking, String etag, String prefer) {
    return Wait.on(request(booking, etag, prefer));
  }

  /** Captured in the Stripe dashboard, or reported out of order: payment_intent.succeeded alone secures the seat. */
  @Test
  void aPaymentCapturedOutsideBookwellSecuresTheSeatInManualMode() {
    var booking = hold(world.session(service, world.providerId, at(21), 3));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    int captures = stripe.captures.get();
    var succeeded = stripe.event("payment_intent.succeeded", stripe.pay(intentId), NEW_SECRET, now());
    assertEquals(200, post(succeeded.payload(), succeeded.signature()).statusCode());
    awaitPayment(booking, "captured");
    dev.bookwell.support.Eventually.until("confirmed", () -> "confirmed".equals(status(booking)));
    var late = stripe.event("payment_intent.amount_capturable_updated", stripe.intent(intentId), NEW_SECRET, now());
    assertEquals(200, post(late.payload(), late.signature()).statusCode());
    assertEquals(List.of("capture"), ledger(booking), "the late authorization event changes nothing");
    assertEquals(captures, stripe.captures.get(), "the money was taken in Stripe; Bookwell captures nothing");
  }

  /** An event whose amount or currency is not the booking's is recorded and never confirms anything. */
  @Test
  void anAmountOrCurrencyMismatchIsRecordedAndNeverConfirms() {
    var booking = hold(world.session(service, world.providerId, at(22), 3));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    var cheaper = stripe.event("payment_intent.amount_capturable_updated",
        stripe.authorize(intentId).put("amount", 100L), NEW_SECRET, now());
    assertEquals(200, post(cheaper.payload(), cheaper.signature()).statusCode());
    var otherCurrency = stripe.event("payment_intent.succeeded", stripe.intent(intentId).put("currency", "usd"),
        NEW_SECRET, now());
    assertEquals(200, post(otherCurrency.payload(), otherCurrency.signature()).statusCode());
    var authorizedInUsd = stripe.event("payment_intent.amount_capturable_updated",
        stripe.authorize(intentId).put("currency", "usd"), NEW_SECRET, now());
    assertEquals(200, post(authorizedInUsd.payload(), authorizedInUsd.signature()).statusCode());
    assertEquals(List.of("mismatch", "mismatch", "mismatch"), ledger(booking));
    assertEquals("requires_payment", paymentStatus(booking));
    assertEquals("held", status(booking));

    // the same currency spelled in the other case is the same currency: authorized and captured
    String currency = stripe.intent(intentId).getString("currency");
    String otherCase = currency.equals(currency.toUpperCase()) ? currency.toLowerCase() : currency.toUpperCase();
    var authorized = stripe.event("payment_intent.amount_capturable_updated",
        stripe.authorize(intentId).put("currency", otherCase), NEW_SECRET, now());
    assertEquals("processed", post(authorized.payload(), authorized.signature()).bodyAsJsonObject()
        .getString("outcome"));
    awaitPayment(booking, "captured");
    assertEquals(List.of("mismatch", "mismatch", "mismatch", "authorization", "capture"), ledger(booking));
  }

  @Test
  void anEventForAnotherApiVersionIsCheckedWithStripe() {
    var booking = hold(world.session(service, world.providerId, at(9), 3));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    stripe.authorize(intentId);
    // The payload is old and partial (it still says requires_payment_method); Stripe itself says requires_capture.
    var stale = stripe.event("payment_intent.amount_capturable_updated", new JsonObject().put("id", intentId)
        .put("object", "payment_intent").put("status", "requires_payment_method"), NEW_SECRET, now(), "2019-02-19");
    assertEquals(200, post(stale.payload(), stale.signature()).statusCode());
    awaitPayment(booking, "captured");
    assertEquals("confirmed", status(booking));
  }

  @Test
  void badStaleOrTamperedSignaturesAreRefusedAndChangeNothing() {
    var booking = hold(world.session(service, world.providerId, at(3), 3));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    var event = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId), NEW_SECRET,
        now());

    assertEquals(400, post(event.payload(), FakeStripe.sign(event.payload(), "whsec_wrong", now())).statusCode());
    assertEquals(400, post(event.payload(), FakeStripe.sign(event.payload(), NEW_SECRET, now() - 3600)).statusCode(),
        "stale");
    assertEquals(400, post(event.payload().replace("4500", "1"), event.signature()).statusCode(), "tampered");
    var missing = app.client.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json");
    assertEquals(400, Wait.on(missing.sendBuffer(Buffer.buffer(event.payload()))).statusCode());

    assertEquals("held", status(booking));
    assertEquals("requires_payment", paymentStatus(booking));
    assertEquals("requires_capture", stripe.intent(intentId).getString("status"), "not captured");
  }

  /**
   * The request to give the money back never reached the payments area (the bus request failed: release-pending).
   * The booking area asks again until it is taken.
   */
  @Test
  void aReleaseRequestThatNeverArrivedIsAskedForAgain() {
    var booking = paid(world.session(service, world.providerId, at(17), 3));
    UUID id = UUID.fromString(booking.getString("id"));
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.STATUS, dev.bookwell.db.enums.BookingStatus.cancelled)
        .set(BOOKING.REFUND_PERCENT, 100).set(BOOKING.UPDATED_AT, OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5))
        .where(BOOKING.ID.eq(id))));  // cancelled by staff; the release request was lost on the way
    assertEquals("captured", paymentStatus(booking));
    Wait.on(dev.bookwell.booking.BookingClient.housekeeping(app.vertx.eventBus()));
    assertEquals("refunded", paymentStatus(booking));
    assertEquals(4500L, stripe.intent(booking.getString("intentId")).getLong("amount_refunded"));
    var again = Wait.on(dev.bookwell.booking.BookingClient.housekeeping(app.vertx.eventBus()));
    assertEquals(0, again.getInteger("asked"), "taken: not asked again");
  }

  /**
   * Money captured, recorded by the webhook, then the step that checks the seat was lost (the process stopped after
   * answering Stripe). The reconciler checks it: the hold had expired and its seat went to someone else, so the
   * money goes back in full.
   */
  @Test
  void capturedMoneyWhoseSeatCheckWasLostIsRefundedByTheReconciler() {
    String single = world.session(service, world.providerId, at(18), 1);
    var booking = hold(single);
    String intentId = booking.getJsonObject("payment").getString("intentId");
    stripe.authorize(intentId);
    stripe.pay(intentId);  // captured at Stripe
    Wait.on(app.db.update(Sql.DSL.update(PAYMENT).set(PAYMENT.STATUS, dev.bookwell.db.enums.PaymentStatus.captured)
        .set(PAYMENT.SETTLE_AFTER, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1))
        .where(PAYMENT.INTENT_ID.eq(intentId))));  // the webhook's transaction committed; nothing after it ran
    expireNow(booking);
    assertEquals(201, app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", single)
        .put("guest", new JsonObject().put("name", "Next").put("email", "next@example.org")), null).statusCode());

    reconcile();
    assertEquals("refunded", paymentStatus(booking));
    assertEquals(4500L, stripe.intent(intentId).getLong("amount_refunded"));
    reconcile();
    assertEquals(4500L, stripe.intent(intentId).getLong("amount_refunded"), "once");
  }

  /** A hold moved before the client paid: the authorization settles against the booking the money moved to. */
  @Test
  void aPaymentForARescheduledHoldConfirmsTheNewBooking() {
    var booking = hold(world.session(service, world.providerId, at(19), 3));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    var moved = Wait.on(app.client.post("/v1/bookings/" + booking.getString("id") + "/reschedule")
        .putHeader("X-Booking-Token", booking.getString("accessToken"))
        .sendJsonObject(new JsonObject().put("slotId", world.session(service, world.providerId, at(20), 3))));
    assertEquals(201, moved.statusCode(), moved.bodyAsString());
    var newBooking = moved.bodyAsJsonObject();
    var event = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId), NEW_SECRET,
        now());
    assertEquals(200, post(event.payload(), event.signature()).statusCode());
    awaitPayment(newBooking, "captured");
    assertEquals("confirmed", status(newBooking));
    assertEquals(List.of("authorization", "capture"), ledger(newBooking));
  }

  /** Signed, but not a Stripe event: 400 problem, nothing changed, never a 500. */
  @Test
  void malformedSignedBodiesAre400() {
    for (String body : List.of("not json at all", "[1, 2]", "{\"type\": \"payment_intent.succeeded\"}",
        "{\"id\": \"evt_1\", \"type\": \"x\"}", "{\"id\": 5, \"type\": \"x\", \"data\": {\"object\": {}}}")) {
      var response = post(body, FakeStripe.sign(body, NEW_SECRET, now()));
      assertEquals(400, response.statusCode(), body + " -> " + response.bodyAsString());
      assertTrue(Set.of("https://bookwell.dev/problems/malformed-event", "https://bookwell.dev/problems/malformed-json",
          "https://bookwell.dev/problems/validation")
          .contains(response.bodyAsJsonObject().getString("type")), body + " -> " + response.bodyAsString());
    }
    String withBom = "\uFEFF{\"id\": \"evt_bom\", \"type\": \"ping\", \"data\": {\"object\": {}}}";
    assertEquals(200, post(withBom, FakeStripe.sign(withBom, NEW_SECRET, now())).statusCode(), "a BOM is tolerated");
  }

  @Test
  void aHoldStandsWhenStripeIsDownAndThePaymentCanBeRetried() {
    String slot = world.session(service, world.providerId, at(4), 3);
    stripe.down(true);
    JsonObject booking;
    try {
      booking = hold(slot);
    } finally {
      stripe.down(false);
    }
    assertEquals("held", booking.getString("status"));
    assertEquals("unavailable", booking.getJsonObject("payment").getString("status"));

    var retried = app.call(HttpMethod.POST, "/v1/bookings/" + booking.getString("id") + "/payment", null,
        world.owner);
    assertEquals(200, retried.statusCode(), retried.bodyAsString());
    assertNotNull(retried.bodyAsJsonObject().getJsonObject("payment").getString("clientSecret"));
  }

  @Test
  void rateLimitedWhileHoldingTheHoldStandsAndTheRetryWorks() {
    String slot = world.session(service, world.providerId, at(12), 3);
    stripe.failNext(429, "rate_limit_error", "rate_limit");
    var booking = hold(slot);
    assertEquals("unavailable", booking.getJsonObject("payment").getString("status"));
    var retried = app.call(HttpMethod.POST, "/v1/bookings/" + booking.getString("id") + "/payment", null, world.owner);
    assertEquals(200, retried.statusCode(), retried.bodyAsString());
  }

  @Test
  void aDeclinedCardLeavesTheHoldAndAnotherCardCanPay() {
    var booking = hold(world.session(service, world.providerId, at(13), 3));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    var declined = stripe.event("payment_intent.payment_failed", stripe.intent(intentId)
        .put("last_payment_error", new JsonObject().put("code", "card_declined")), NEW_SECRET, now());
    post(declined.payload(), declined.signature());
    assertEquals("failed", paymentStatus(booking));
    assertEquals("held", status(booking));

    var authorized = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId), NEW_SECRET,
        now());
    post(authorized.payload(), authorized.signature());
    awaitPayment(booking, "captured");
    assertEquals("confirmed", status(booking));
    assertEquals(List.of("failure", "authorization", "capture"), ledger(booking));
  }

  @Test
  void aLatePaymentRetakesAFreeSeatAndReleasesTheMoneyWhenTheSeatIsGone() {
    String roomy = world.session(service, world.providerId, at(5), 3);
    String single = world.session(service, world.providerId, at(6), 1);
    var stillFree = hold(roomy);
    var lost = hold(single);
    expireNow(stillFree);
    expireNow(lost);
    hold(single);  // someone else takes the only seat

    var paidLate = stripe.event("payment_intent.amount_capturable_updated",
        stripe.authorize(stillFree.getJsonObject("payment").getString("intentId")), NEW_SECRET, now());
    post(paidLate.payload(), paidLate.signature());
    awaitPayment(stillFree, "captured");
    assertEquals("confirmed", status(stillFree), "the seat was still free: taken again and confirmed");

    String lostIntent = lost.getJsonObject("payment").getString("intentId");
    var tooLate = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(lostIntent), NEW_SECRET,
        now());
    post(tooLate.payload(), tooLate.signature());
    awaitPayment(lost, "canceled");
    assertEquals("expired", status(lost));
    assertEquals("canceled", stripe.intent(lostIntent).getString("status"), "the authorization was released");
    assertEquals("canceled", paymentStatus(lost));
  }

  /**
   * A held booking is confirmed in one statement that books its seats only with all of them and a provider still
   * at the organization: a hold whose seat went to someone else, or whose provider left, is not confirmed, keeps no
   * booked seat (the statement's seat update rolls back) and its authorization is released.
   */
  @Test
  void aPaidHoldThatLostItsSeatOrItsProviderIsNeitherConfirmedNorCharged() {
    var seatLost = hold(world.session(service, world.providerId, at(9).plusMinutes(37), 1));
    // the seat went to someone else (a take that came just after the hold's time ran out)
    Wait.on(app.db.update(Sql.DSL.update(SEAT).setNull(SEAT.BOOKING_ID).set(SEAT.STATE,
        dev.bookwell.db.enums.SeatState.free).setNull(SEAT.HELD_UNTIL)
        .where(SEAT.BOOKING_ID.eq(UUID.fromString(seatLost.getString("id"))))));
    String leaving = world.newActiveProvider(world.userToken(), "UTC", List.of(), List.of());
    var providerLeft = hold(world.session(service, leaving, at(9), 2));
    Wait.on(app.db.update(Sql.DSL.update(PROVIDER_ORGANIZATION).set(PROVIDER_ORGANIZATION.STATUS,
        dev.bookwell.db.enums.ProviderLinkStatus.ended).where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(
        UUID.fromString(leaving)))));

    for (var booking : List.of(seatLost, providerLeft)) {
      String intentId = booking.getJsonObject("payment").getString("intentId");
      var event = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId), NEW_SECRET,
          now());
      assertEquals(200, post(event.payload(), event.signature()).statusCode());
      awaitPayment(booking, "canceled");
      assertEquals("held", status(booking), "not confirmed");
      assertEquals("canceled", stripe.intent(intentId).getString("status"), "the authorization was released");
      assertEquals(List.of("authorization", "cancellation"), ledger(booking));
      assertEquals(0, Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT)
          .where(SEAT.BOOKING_ID.eq(UUID.fromString(booking.getString("id"))))
          .and(SEAT.STATE.eq(dev.bookwell.db.enums.SeatState.booked)))).value1(), "no seat booked for it");
    }
  }

  /**
   * A client cancelling a booking staff never accepted owes no late fee: the authorization is released in full (the
   * fee took the whole price of a booking the organization never took).
   */
  @Test
  void aCancelledBookingStaffNeverAcceptedOwesNothing() {
    String vetted = world.service(new JsonObject().put("name", "Vetted").put("priceMinor", 8000)
        .put("requiresConfirmation", true)
        .put("cancellationPolicy", new JsonObject().put("fullRefundHours", 24).put("lateRefundPercent", 0)));
    var pending = hold(world.session(vetted, world.providerId, OffsetDateTime.now(ZoneOffset.UTC).plusHours(9)
        .truncatedTo(ChronoUnit.MINUTES), 1));
    assertEquals("pending_confirmation", pending.getString("status"));
    String intentId = pending.getJsonObject("payment").getString("intentId");
    var authorized = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId), NEW_SECRET,
        now());
    post(authorized.payload(), authorized.signature());
    awaitPayment(pending, "authorized");
    cancel(pending, null);
    awaitPayment(pending, "canceled");
    assertEquals("canceled", stripe.intent(intentId).getString("status"), "released, nothing captured");
  }

  @Test
  void cancellationsRefundByTheServicePolicyAndStaffRefundInFull() {
    // Policy: full refund up to 24 hours before, 50 % after that.
    String policy = world.service(new JsonObject().put("name", "Policy").put("priceMinor", 8000)
        .put("cancellationPolicy", new JsonObject().put("fullRefundHours", 24).put("lateRefundPercent", 50)));
    var early = paid(world.session(policy, world.providerId, at(3), 1));
    var late = paid(world.session(policy, world.providerId, OffsetDateTime.now(ZoneOffset.UTC).plusHours(5)
        .truncatedTo(ChronoUnit.MINUTES), 1));
    var byStaff = paid(world.session(policy, world.providerId, OffsetDateTime.now(ZoneOffset.UTC).plusHours(7)
        .truncatedTo(ChronoUnit.MINUTES), 1));

    assertEquals(8000L, cancel(early, null).getJsonObject("payment").getJsonObject("refunded").getLong("amountMinor"));
    assertEquals("refunded", paymentStatus(early));
    var partial = cancel(late, null).getJsonObject("payment");
    assertEquals(4000L, partial.getJsonObject("refunded").getLong("amountMinor"));
    assertEquals("partially_refunded", paymentStatus(late));
    assertEquals(8000L, cancel(byStaff, world.owner).getJsonObject("payment").getJsonObject("refunded").getLong("amountMinor"));
    assertEquals(List.of("authorization", "capture", "refund"), ledger(late));
    assertEquals(4000L, stripe.intent(late.getString("intentId")).getLong("amount_refunded"));
  }

  @Test
  void refundsAndDisputesMadeInStripeReachTheLedger() {
    var booking = paid(world.session(service, world.providerId, at(10), 3));
    String intentId = booking.getString("intentId");
    var partly = stripe.event("charge.refunded", charge(intentId, 1500), NEW_SECRET, now());
    post(partly.payload(), partly.signature());
    assertEquals("partially_refunded", paymentStatus(booking));
    var fully = stripe.event("charge.refunded", charge(intentId, 4500), NEW_SECRET, now());
    post(fully.payload(), fully.signature());
    assertEquals("refunded", paymentStatus(booking));
    var dispute = stripe.event("charge.dispute.created", new JsonObject().put("object", "dispute")
        .put("id", "dp_1").put("payment_intent", intentId).put("amount", 4500), NEW_SECRET, now());
    post(dispute.payload(), dispute.signature());
    var failedRefund = stripe.event("refund.updated", new JsonObject().put("object", "refund").put("id", "re_1")
        .put("payment_intent", intentId).put("amount", 1500).put("status", "failed"), NEW_SECRET, now());
    post(failedRefund.payload(), failedRefund.signature());
    assertEquals(List.of("authorization", "capture", "refund", "refund", "dispute", "failure"), ledger(booking));
    assertEquals(4500L, Wait.on(app.db.fetchOne(Sql.DSL.select(org.jooq.impl.DSL.sum(PAYMENT_LEDGER.AMOUNT_MINOR))
        .from(PAYMENT_LEDGER).where(PAYMENT_LEDGER.BOOKING_ID.eq(UUID.fromString(booking.getString("id"))))
        .and(PAYMENT_LEDGER.KIND.eq("refund")))).value1().longValue());
  }

  /**
   * Stripe's charge.refunded webhook may arrive before the service has written down the refund it asked for (the
   * webhook records it as the charge's refunded total): the refund is in the ledger once, not twice.
   */
  @Test
  void aRefundItsWebhookReportedFirstIsRecordedOnce() {
    var booking = paid(world.session(service, world.providerId, at(25), 3));
    String intentId = booking.getString("intentId");
    var webhook = new java.util.concurrent.atomic.AtomicInteger();
    stripe.beforeRefundAnswered = refunded -> {
      var event = stripe.event("charge.refunded", charge(refunded, stripe.intent(refunded).getLong("amount_refunded")),
          NEW_SECRET, now());
      return app.client.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json")
          .putHeader("Stripe-Signature", event.signature()).sendBuffer(Buffer.buffer(event.payload()))
          .onSuccess(answer -> webhook.set(answer.statusCode()));
    };
    try {
      var cancelled = Wait.on(app.client.post("/v1/bookings/" + booking.getString("id") + "/cancel")
          .putHeader("X-Booking-Token", booking.getString("accessToken")).send());
      assertEquals(200, cancelled.statusCode(), cancelled.bodyAsString());
    } finally {
      stripe.beforeRefundAnswered = refunded -> io.vertx.core.Future.succeededFuture();
    }
    assertEquals(200, webhook.get(), "Stripe's webhook was taken before the refund was answered");
    awaitPayment(booking, "refunded");
    assertEquals(List.of("authorization", "capture", "refund"), ledger(booking), "recorded once");
    assertEquals(4500L, Wait.on(app.db.fetchOne(Sql.DSL.select(org.jooq.impl.DSL.sum(PAYMENT_LEDGER.AMOUNT_MINOR))
        .from(PAYMENT_LEDGER).where(PAYMENT_LEDGER.BOOKING_ID.eq(UUID.fromString(booking.getString("id"))))
        .and(PAYMENT_LEDGER.KIND.eq("refund")))).value1().longValue());
    assertEquals(4500L, stripe.intent(intentId).getLong("amount_refunded"), "refunded once at Stripe");
  }

  @Test
  void aCaptureThatFailedIsRetriedByTheReconciler() {
    var booking = hold(world.session(service, world.providerId, at(11), 3));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    var event = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId), NEW_SECRET,
        now());
    stripe.failNext(500, "api_error", "processing_error");  // the capture call fails
    post(event.payload(), event.signature());
    dev.bookwell.support.Eventually.until("the capture is attempted",
        () -> !stripe.failurePending() && "confirmed".equals(status(booking)));
    assertEquals("authorized", paymentStatus(booking), "the capture failed");

    Wait.on(new dev.bookwell.payments.PaymentsClient(app.vertx.eventBus()).reconcile());
    assertEquals("captured", paymentStatus(booking));
    assertEquals("succeeded", stripe.intent(intentId).getString("status"));
  }

  private static JsonObject charge(String intentId, long refunded) {
    return new JsonObject().put("object", "charge").put("id", "ch_" + intentId).put("payment_intent", intentId)
        .put("amount", 4500).put("amount_refunded", refunded);
  }

  /** Stripe down when a booking is cancelled: the refund is owed, and the reconciler pays it once Stripe answers. */
  @Test
  void moneyOwedBackIsPaidOnceStripeAnswersAgain() {
    var booking = paid(world.session(service, world.providerId, at(15), 3));
    stripe.down(true);
    var cancelled = cancel(booking, world.owner);
    stripe.down(false);
    assertEquals(true, cancelled.getJsonObject("payment").getBoolean("pending"), cancelled.encode());
    assertEquals("captured", paymentStatus(booking), "nothing refunded yet");
    reconcile();
    assertEquals("refunded", paymentStatus(booking));
    reconcile();
    assertEquals(4500L, stripe.intent(booking.getString("intentId")).getLong("amount_refunded"), "refunded once");
    assertEquals(List.of("authorization", "capture", "refund"), ledger(booking));
  }

  /** A client cancelling late while the card is only authorized pays the policy's share, not nothing. */
  @Test
  void aLateCancellationOfAnAuthorizedPaymentKeepsThePolicysShare() {
    String policy = world.service(new JsonObject().put("name", "Late policy").put("priceMinor", 8000)
        .put("cancellationPolicy", new JsonObject().put("fullRefundHours", 48).put("lateRefundPercent", 50)));
    var booking = hold(world.session(policy, world.providerId, OffsetDateTime.now(ZoneOffset.UTC).plusHours(9)
        .truncatedTo(ChronoUnit.MINUTES), 1));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    var event = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId), NEW_SECRET,
        now());
    stripe.failNext(500, "api_error", "processing_error");  // the capture fails: the payment stays authorized
    post(event.payload(), event.signature());
    dev.bookwell.support.Eventually.until("the capture is attempted",
        () -> !stripe.failurePending() && "confirmed".equals(status(booking)));
    assertEquals("authorized", paymentStatus(booking));

    var refunded = cancel(booking.put("intentId", intentId), null).getJsonObject("payment");
    assertEquals(4000L, refunded.getJsonObject("refunded").getLong("amountMinor"));
    assertEquals("partially_refunded", paymentStatus(booking));
    assertEquals(List.of("authorization", "capture", "refund"), ledger(booking));
    assertEquals(4000L, stripe.intent(intentId).getLong("amount_refunded"));
  }

  /** A refund Stripe reports failed later is owed again, and the reconciler makes it. */
  @Test
  void aRefundStripeFailedIsMadeAgain() {
    var booking = paid(world.session(service, world.providerId, at(16), 3));
    cancel(booking, world.owner);
    String intentId = booking.getString("intentId");
    String refundId = Wait.on(app.db.fetchOne(Sql.DSL.select(PAYMENT_LEDGER.STRIPE_OBJECT_ID).from(PAYMENT_LEDGER)
        .where(PAYMENT_LEDGER.BOOKING_ID.eq(UUID.fromString(booking.getString("id"))))
        .and(PAYMENT_LEDGER.KIND.eq("refund")))).value1();
    stripe.refundFailed(intentId, 4500);
    var failed = stripe.event("refund.updated", new JsonObject().put("id", refundId).put("object", "refund")
        .put("status", "failed").put("amount", 4500L).put("payment_intent", intentId), NEW_SECRET, now());
    assertEquals(200, post(failed.payload(), failed.signature()).statusCode());
    reconcile();
    assertEquals(List.of("authorization", "capture", "refund", "failure", "refund"), ledger(booking));
    assertEquals(4500L, stripe.intent(intentId).getLong("amount_refunded"), "the money went back after all");
    reconcile();
    assertEquals(5, ledger(booking).size(), "and only once");
  }

  /** A reconciler round, with any backoff already passed (as if its time had come). */
  private static void reconcile() {
    Wait.on(app.db.update(Sql.DSL.update(PAYMENT).set(PAYMENT.RETRY_AT, OffsetDateTime.now(ZoneOffset.UTC)
        .minusSeconds(1)).where(PAYMENT.RETRY_AT.isNotNull())));
    Wait.on(new dev.bookwell.payments.PaymentsClient(app.vertx.eventBus()).reconcile());
  }

  @Test
  void cancellingBeforePaymentReleasesTheIntent() {
    var booking = hold(world.session(service, world.providerId, at(8), 3));
    String intentId = booking.getJsonObject("payment").getString("intentId");
    var cancelled = app.client.post("/v1/bookings/" + booking.getString("id") + "/cancel")
        .putHeader("X-Booking-Token", booking.getString("accessToken")).send();
    assertEquals(200, Wait.on(cancelled).statusCode());
    assertEquals("canceled", stripe.intent(intentId).getString("status"));
    assertEquals("canceled", paymentStatus(booking));
  }

  /** Moves a hold's expiry into the past, as if its time had run out. */
  private static void expireNow(JsonObject booking) {
    UUID id = UUID.fromString(booking.getString("id"));
    var past = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1);
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.HOLD_EXPIRES_AT, past).where(BOOKING.ID.eq(id))));
    Wait.on(app.db.update(Sql.DSL.update(SEAT).set(SEAT.HELD_UNTIL, past).where(SEAT.BOOKING_ID.eq(id))));
  }

  /** A booking whose card was authorized and captured; carries its intent id and guest token. */
  private static JsonObject paid(String slot) {
    var booking = hold(slot);
    String intentId = booking.getJsonObject("payment").getString("intentId");
    var event = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId), NEW_SECRET,
        now());
    post(event.payload(), event.signature());
    awaitPayment(booking, "captured");
    return booking.put("intentId", intentId);
  }

  private static JsonObject cancel(JsonObject booking, String staffToken) {
    var request = app.client.post("/v1/bookings/" + booking.getString("id") + "/cancel");
    if (staffToken != null) {
      request.putHeader("Authorization", "Bearer " + staffToken);
    } else {
      request.putHeader("X-Booking-Token", booking.getString("accessToken"));
    }
    var response = Wait.on(request.send());
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  /** Settlement follows the webhook's answer: wait for the payment to reach {@code expected}. */
  private static void awaitPayment(JsonObject booking, String expected) {
    dev.bookwell.support.Eventually.until("payment " + expected, () -> expected.equals(paymentStatus(booking)));
  }

  private static JsonObject hold(String slot) {
    var response = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot)
        .put("guest", new JsonObject().put("name", "Payer").put("email", UUID.randomUUID() + "@example.org")), null);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> post(String payload, String signature) {
    return Wait.on(app.client.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json")
        .putHeader("Stripe-Signature", signature).sendBuffer(Buffer.buffer(payload)));
  }

  private static String status(JsonObject booking) {
    return app.call(HttpMethod.GET, "/v1/bookings/" + booking.getString("id"), null, world.owner).bodyAsJsonObject()
        .getString("status");
  }

  private static String paymentStatus(JsonObject booking) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(PAYMENT.STATUS).from(PAYMENT)
        .where(PAYMENT.BOOKING_ID.eq(UUID.fromString(booking.getString("id")))))).value1().getLiteral();
  }

  private static OffsetDateTime settleAfter(String intentId) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(PAYMENT.SETTLE_AFTER).from(PAYMENT)
        .where(PAYMENT.INTENT_ID.eq(intentId)))).value1();
  }

  private static List<String> ledger(JsonObject booking) {
    return LedgerRows.kinds(app.db, booking);
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

}
