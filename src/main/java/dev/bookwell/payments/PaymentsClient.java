package dev.bookwell.payments;

import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * How other areas reach the payments area: the only place that knows its bus addresses and message shapes.
 * Every call names the booking the money is for.
 */
public final class PaymentsClient {

  /** An event for reports: a refund that Stripe reported failed (the money is not back with the client). */
  public static final String REFUND_FAILED = "payment.refund_failed";

  /** The money a group of ledger rows took: their captures. */
  public static org.jooq.Field<java.math.BigDecimal> captured() {
    return org.jooq.impl.DSL.sum(org.jooq.impl.DSL.when(dev.bookwell.db.Tables.PAYMENT_LEDGER.KIND.eq("capture"),
        dev.bookwell.db.Tables.PAYMENT_LEDGER.AMOUNT_MINOR).otherwise(0L));
  }

  /**
   * The money a group of ledger rows gave back: refunds asked, less those Stripe reported failed (a failure row
   * naming a refund, {@code re_...}). The one definition, for settling what is owed and for reports.
   */
  public static org.jooq.Field<java.math.BigDecimal> refunded() {
    var l = dev.bookwell.db.Tables.PAYMENT_LEDGER;
    return org.jooq.impl.DSL.sum(org.jooq.impl.DSL.when(l.KIND.eq("refund"), l.AMOUNT_MINOR)
        .when(l.KIND.eq("failure").and(l.STRIPE_OBJECT_ID.startsWith("re_")), l.AMOUNT_MINOR.neg()).otherwise(0L));
  }

  /**
   * The booking's payment as a part of the booking area's read of a booking page, joined (lateral) on
   * {@code bookingId}: every poll of a checkout page reads the booking and its payment, one statement where it was
   * two and two bus hops. What is read and how it shows stay this area's ({@link PaymentJson}); read it with
   * {@link #payment(org.jooq.Record)}.
   */
  public static org.jooq.Table<org.jooq.Record> ofBooking(org.jooq.Field<UUID> bookingId) {
    return PaymentJson.ofBooking(bookingId);
  }

  /** The payment a row read with {@link #ofBooking} has, as every answer shows it ({@code status: none} if none). */
  public static JsonObject payment(org.jooq.Record row) {
    return PaymentJson.of(row);
  }

  static final String INTENT = "payments.intent";
  static final String LEDGER = "payments.ledger";
  static final String PAYMENT = "payments.payment";
  static final String RELEASE = "payments.release";
  static final String RECONCILE = "payments.reconcile";
  static final String SIMULATE = "payments.simulate";
  static final String CAPTURE = "payments.capture";

  /** Creating an intent may wait on Stripe (on a worker); longer than the bus default, shorter than the edge's. */
  private static final DeliveryOptions INTENT_DELIVERY = new DeliveryOptions().setSendTimeout(20_000);

  private final EventBus bus;

  public PaymentsClient(EventBus bus) {
    this.bus = bus;
  }

  /**
   * The PaymentIntent for a held booking (the same one on every call): {@code manualCapture} true authorizes only,
   * whatever the configured capture mode (a booking waiting for staff is captured when they confirm).
   */
  public Future<JsonObject> intent(UUID bookingId, UUID organizationId, String reference, long amountMinor,
                                   String currency, boolean manualCapture) {
    return intent(BOOKING, bookingId, organizationId, reference, amountMinor, currency, manualCapture);
  }

  /** What a payment can pay for; its area is asked to secure it once the card is authorized. */
  public static final String BOOKING = "booking";
  public static final String COURSE_ORDER = "course_order";

  /**
   * As {@link #intent(UUID, UUID, String, long, String, boolean)}, for a {@code subject} of another kind. The money
   * goes to the account {@code organizationId} is paid into.
   */
  public Future<JsonObject> intent(String subject, UUID id, UUID organizationId, String reference, long amountMinor,
                                   String currency, boolean manualCapture) {
    return request(INTENT, new JsonObject().put("bookingId", id.toString()).put("subject", subject)
        .put("organizationId", organizationId.toString())
        .put("reference", reference).put("amount", amountMinor).put("currency", currency)
        .put("manualCapture", manualCapture ? Boolean.TRUE : null), INTENT_DELIVERY);
  }

  /** The booking's payment ({@link PaymentJson}) and its ledger, oldest movement first. */
  public Future<JsonObject> ledger(UUID bookingId) {
    return request(LEDGER, booking(bookingId), new DeliveryOptions());
  }

  /** The booking's payment ({@link PaymentJson}) alone: what a booking's page shows; {@code status: none} if none. */
  public Future<JsonObject> payment(UUID bookingId) {
    return request(PAYMENT, booking(bookingId), new DeliveryOptions());
  }

  /** Captures the authorized card of a booking staff confirmed. */
  public Future<JsonObject> capture(UUID bookingId) {
    return request(CAPTURE, booking(bookingId), new DeliveryOptions());
  }

  /** Gives back {@code refundPercent} of what was paid for an ended booking (or voids an authorization). */
  public Future<JsonObject> release(UUID bookingId, Integer refundPercent, String reason, String by) {
    return request(RELEASE, booking(bookingId).put("refundPercent", refundPercent).put("reason", reason)
        .put("by", by), new DeliveryOptions());
  }

  /** Simulated payments only: plays the customer's card ({@code outcome} "succeed" or "fail"). */
  public Future<JsonObject> simulate(UUID bookingId, String outcome) {
    return request(SIMULATE, booking(bookingId).put("outcome", outcome), new DeliveryOptions());
  }

  /** One reconciler round now (captures, releases and refunds that failed); tests and operators use it. */
  public Future<JsonObject> reconcile() {
    return request(RECONCILE, new JsonObject(), new DeliveryOptions());
  }

  /**
   * Money follows the booking: moves the payment of {@code from} (if any) and its ledger to {@code to} in the
   * caller's transaction (a reschedule's), which a bus request could not share.
   */
  public static Future<Void> moveWithin(Sql tx, UUID from, UUID to) {
    return PaymentTransfer.move(tx, from, to);
  }

  private Future<JsonObject> request(String address, JsonObject body, DeliveryOptions delivery) {
    return bus.<JsonObject>request(address, body, delivery).map(answer -> answer.body());
  }

  private static JsonObject booking(UUID bookingId) {
    return new JsonObject().put("bookingId", bookingId.toString());
  }
}
