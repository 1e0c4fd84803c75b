package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;
import static dev.bookwell.db.Tables.PAYMENT_LEDGER;
import static dev.bookwell.db.Tables.STRIPE_EVENT;

import com.stripe.Stripe;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import dev.bookwell.db.enums.PaymentStatus;
import dev.bookwell.db.tables.records.PaymentRecord;
import dev.bookwell.db.tables.records.StripeEventRecord;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Records;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jooq.CommonTableExpression;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * POST /v1/webhooks/stripe. The signature is checked over the raw body against every configured secret (so
 * secrets can rotate); anything else is 400 and changes nothing. The event id is recorded under a unique key in
 * the same transaction as its effect, so a duplicate changes nothing twice, and payment states only move forward.
 * The answer goes out as soon as the event is recorded; settling the seat and the money follows.
 */
final class StripeWebhooks {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StripeWebhooks.class);

  static final long TOLERANCE_SECONDS = 300;

  private final Db db;
  private final PaymentGateway gateway;
  private final List<String> secrets;
  private final Settlement settlement;

  StripeWebhooks(Db db, PaymentGateway gateway, List<String> secrets, Settlement settlement) {
    this.db = db;
    this.gateway = gateway;
    this.secrets = secrets;
    this.settlement = settlement;
  }

  Future<ApiReply> receive(ApiRequest request) {
    try {
      return receiveChecked(request).recover(StripeWebhooks::malformed);
    } catch (ClassCastException e) {
      return malformed(e);
    }
  }

  /** A signed event whose fields have unexpected types (a number where Stripe sends a string): 400. */
  private static Future<ApiReply> malformed(Throwable e) {
    return Future.failedFuture(e instanceof ClassCastException ? Problem.of("malformed-event", 400,
        "Malformed event", "A field of the event does not have the type Stripe gives it.").toException() : e);
  }

  private Future<ApiReply> receiveChecked(ApiRequest request) {
    String payload = request.body() instanceof String raw ? raw : null;
    String signature = request.headers().getString("stripe-signature");
    if (payload == null || signature == null || !verified(payload, signature)) {
      throw Problem.of("invalid-signature", 400, "Invalid signature",
          "The Stripe-Signature header does not match the body, or it is too old.").toException();
    }
    JsonObject event = parse(payload);
    JsonObject object = event.getJsonObject("data", new JsonObject()).getJsonObject("object", new JsonObject());
    boolean aboutIntent = "payment_intent".equals(object.getString("object"));
    // charges, refunds and disputes name their intent
    String intentId = aboutIntent ? object.getString("id") : object.getString("payment_intent");
    if (intentId == null) {
      return Future.succeededFuture(received("ignored"));
    }
    if (!aboutIntent || Stripe.API_VERSION.equals(event.getString("api_version"))) {
      return authorizesAtOnce(event, object) ? authorize(event, intentId, object, payload)
          : apply(event, intentId, object, payload);
    }
    // A payload written for another API version may be partial: trust Stripe's current view instead.
    return routed(event, intentId).compose(payment -> payment == null ? Future.succeededFuture(received("ignored"))
        : gateway.retrieve(Payments.charge(payment)).map(now -> object.copy().put("status", now.status())
            .put("amount", now.amount()).put("currency", now.currency()))
            .compose(body -> apply(event, intentId, body, payload)));
  }

  /** The payment the event is about, read without a lock, when the event is {@link #routedTo} it; null otherwise. */
  private Future<PaymentRecord> routed(JsonObject event, String intentId) {
    return Payments.findByIntent(db, intentId).map(found -> found.filter(payment -> routedTo(event, payment))
        .orElse(null));
  }

  /**
   * Whether the event comes from the account the payment was made on (a connected account's, or the platform's own
   * when it names none): an event from one organization's account never moves another's payment, nor marks an
   * event id as seen for it.
   */
  private static boolean routedTo(JsonObject event, PaymentRecord payment) {
    String account = account(event);
    if (Objects.equals(account, payment.getStripeAccount())) {
      return true;
    }
    LOG.warn("Stripe event {} names account {} but intent {} is on {}: ignored", event.getString("id"), account,
        payment.getIntentId(), payment.getStripeAccount());
    return false;
  }

  /** The connected account the event comes from; null for the platform's own. */
  private static String account(JsonObject event) {
    return event.getValue("account") instanceof String a ? a : null;
  }

  /** Every purchase's webhook: a card authorized, with its amount and currency ({@link #AUTHORIZING}). */
  private static boolean authorizesAtOnce(JsonObject event, JsonObject object) {
    return "payment_intent.amount_capturable_updated".equals(event.getString("type"))
        && "requires_capture".equals(object.getValue("status")) && object.getValue("amount") instanceof Number
        && object.getValue("currency") instanceof String;
  }

  /**
   * A card authorized, in one statement outside a transaction ({@link #AUTHORIZING}) where the whole path takes five
   * round trips; when that statement records nothing, the whole path ({@link #apply}) tells why and answers.
   */
  private Future<ApiReply> authorize(JsonObject event, String intentId, JsonObject object, String raw) {
    var values = Payments.moveValues(PaymentStatus.authorized, intentId, "authorization",
        ((Number) object.getValue("amount")).longValue(), intentId, event.getString("id"), raw);
    values.put("type", event.getString("type"));
    values.put("account", account(event));
    values.put("currency", object.getString("currency"));
    return db.fetchOptional(AUTHORIZING, values).compose(found -> {
      if (found.isEmpty()) {
        return apply(event, intentId, object, raw);
      }
      settlement.settle(Records.into(found.get(), PAYMENT));
      return Future.succeededFuture(received("processed"));
    });
  }

  /**
   * The event recorded and the payment authorized with its ledger row, all only for a payment of the intent that is
   * {@link #routedTo routed} to the event, of its amount and currency ({@link #mismatch}), awaiting payment; and
   * only if the event is new. Nothing is recorded otherwise: a duplicate, another account's event, a mismatch, an
   * unknown intent or a payment that moved on take the whole path. The payment as authorized when it was (the
   * payment locked first, its move follows whenever the event was recorded). Rendered once.
   */
  private static final Prepared<Record> AUTHORIZING = authorizing();

  private static Prepared<Record> authorizing() {
    var awaiting = EnumSet.of(PaymentStatus.requires_payment, PaymentStatus.failed);
    var routed = DSL.name("routed").as(Sql.DSL.select(PAYMENT.BOOKING_ID).from(PAYMENT)
        .where(PAYMENT.INTENT_ID.eq(DSL.param("which", PAYMENT.INTENT_ID)))
        .and(PAYMENT.STRIPE_ACCOUNT.isNotDistinctFrom(DSL.param("account", PAYMENT.STRIPE_ACCOUNT)))
        .and(PAYMENT.AMOUNT_MINOR.eq(DSL.param("amount", PAYMENT.AMOUNT_MINOR)))
        .and(DSL.lower(PAYMENT.CURRENCY).eq(DSL.lower(DSL.param("currency", PAYMENT.CURRENCY))))
        .and(PAYMENT.STATUS.in(awaiting))
        // locked before the event is recorded, as the whole path locks it: the two take their locks in one order
        .forUpdate());
    var recorded = DSL.name("recorded").as(Sql.DSL.insertInto(STRIPE_EVENT, STRIPE_EVENT.ID, STRIPE_EVENT.TYPE)
        .select(DSL.select(DSL.param("event", STRIPE_EVENT.ID), DSL.param("type", STRIPE_EVENT.TYPE))
            .whereExists(DSL.selectOne().from(routed)))
        .onConflictDoNothing().returning(STRIPE_EVENT.ID));
    var move = Payments.moveParts(true, awaiting, false, "authorization",
        DSL.exists(DSL.selectOne().from(recorded)));
    var parts = new ArrayList<CommonTableExpression<?>>(List.of(routed, recorded));
    parts.addAll(move);
    var moved = move.getFirst();
    return Prepared.of(Sql.DSL.with(parts).select(moved.fields()).from(moved));
  }

  /**
   * The event, signed but not necessarily well formed: a body that is not a JSON object (a byte-order mark is
   * tolerated), or an event without id, type or data object, is 400 and changes nothing.
   */
  private static JsonObject parse(String payload) {
    try {
      var event = new JsonObject(payload.startsWith("\uFEFF") ? payload.substring(1) : payload);
      if (event.getValue("id") instanceof String id && !id.isBlank() && event.getValue("type") instanceof String
          && event.getValue("data") instanceof JsonObject data && data.getValue("object") instanceof JsonObject) {
        return event;
      }
    } catch (RuntimeException notJson) {
      // answered below
    }
    throw Problem.of("malformed-event", 400, "Malformed event",
        "The body is not a Stripe event: a JSON object with id, type and data.object.").toException();
  }

  private boolean verified(String payload, String signature) {
    for (String secret : secrets) {
      try {
        // the signature only: constructEvent also builds stripe-java's event model (Gson), and the event is
        // parsed below anyway (about 1 % of the purchase scenario's CPU)
        if (Webhook.Signature.verifyHeader(payload, signature, secret, TOLERANCE_SECONDS)) {
          return true;
        }
      } catch (SignatureVerificationException | RuntimeException e) {
        // try the next secret
      }
    }
    return false;
  }

  /** The event's id recorded: a row when this is its first delivery. Every webhook runs it, so rendered once. */
  private static final Prepared<StripeEventRecord> FIRST_TIME = Prepared.of(Sql.DSL.insertInto(STRIPE_EVENT)
      .set(STRIPE_EVENT.ID, DSL.param("id", STRIPE_EVENT.ID)).set(STRIPE_EVENT.TYPE, DSL.param("type", STRIPE_EVENT.TYPE))
      .onConflictDoNothing().returning(STRIPE_EVENT.ID));

  /**
   * The event applied to the payment of its intent, locked first (one read where the routing read it before the
   * transaction and locked it again): recorded once, with its effect, when it is {@link #routedTo} the payment; the
   * settlement after the answer starts from the payment as locked.
   */
  private Future<ApiReply> apply(JsonObject event, String intentId, JsonObject object, String raw) {
    String eventId = event.getString("id");
    String type = event.getString("type");
    return db.transaction(tx -> Payments.byIntent(tx, intentId).compose(found -> {
          var payment = found.filter(p -> routedTo(event, p)).orElse(null);
          return payment == null ? Future.succeededFuture(new Applied(Effect.IGNORED, null))
              : tx.fetchOptional(FIRST_TIME, Map.of("id", eventId, "type", type))
                  .compose(fresh -> fresh.isEmpty() ? Future.succeededFuture(Effect.DUPLICATE)
                      : mismatch(object, payment)
                          ? Payments.recordNote(tx, payment, "mismatch", object.getLong("amount", 0L), intentId,
                              eventId, raw).map(Effect.NONE)
                          : effect(tx, type, object, payment, eventId, raw))
                  .map(effect -> new Applied(effect, payment));
        }))
        .map(applied -> {
          // Answer Stripe at once; the seat and the capture are settled after the answer (and retried by the
          // reconciler if a Stripe call fails).
          switch (applied.effect()) {
            case SETTLE -> settlement.settle(applied.payment());
            case SETTLE_CAPTURED -> settlement.settleCaptured(intentId);
            default -> { }
          }
          return received(switch (applied.effect()) {
            case IGNORED -> "ignored";
            case DUPLICATE -> "duplicate";
            default -> "processed";
          });
        });
  }

  private enum Effect { IGNORED, NONE, DUPLICATE, SETTLE, SETTLE_CAPTURED }

  private record Applied(Effect effect, PaymentRecord payment) {
  }

  /**
   * A payment intent whose amount or currency is not the payment's: recorded in the ledger for follow-up and never
   * acted on, so no seat is secured for money that is not the price.
   */
  private static boolean mismatch(JsonObject object, PaymentRecord payment) {
    if (!"payment_intent".equals(object.getString("object"))) {
      return false;
    }
    Long amount = object.getLong("amount");
    String currency = object.getString("currency");
    return amount == null || amount.longValue() != payment.getAmountMinor().longValue() || currency == null
        || !currency.equalsIgnoreCase(payment.getCurrency());
  }

  private static Future<Effect> effect(Sql tx, String type, JsonObject object, PaymentRecord payment,
                                       String eventId, String raw) {
    String intentStatus = object.getString("status");
    return switch (type) {
      // Refunds made outside Bookwell (e.g. in the Stripe dashboard); ours are already in the ledger.
      case "charge.refunded" -> Payments.recordRefundedTotal(tx, payment, object.getLong("amount_refunded", 0L),
          eventId, raw).map(Effect.NONE);
      case "charge.dispute.created" -> Payments.recordNote(tx, payment, "dispute", object.getLong("amount", 0L),
          object.getString("id"), eventId, raw).map(Effect.NONE);
      // A refund that failed after it was accepted: the money did not go back; the ledger says so for follow-up.
      // The reconciler then refunds again what is still owed.
      // Once per refund, however often Stripe updates it (the payment's row is locked: no race).
      case "refund.updated" -> "failed".equals(intentStatus)
          ? tx.fetchOptional(Sql.DSL.selectOne().from(PAYMENT_LEDGER)
                  .where(PAYMENT_LEDGER.BOOKING_ID.eq(payment.getBookingId())).and(PAYMENT_LEDGER.KIND.eq("failure"))
                  .and(PAYMENT_LEDGER.STRIPE_OBJECT_ID.eq(object.getString("id"))))
              .compose(known -> known.isPresent() ? Future.succeededFuture(Effect.NONE)
                  : Payments.recordNote(tx, payment, "failure", object.getLong("amount", 0L), object.getString("id"),
                      eventId, raw).compose(x -> Refunds.refundFailed(tx, payment.getBookingId())).map(Effect.NONE))
          : Future.succeededFuture(Effect.NONE);
      case "payment_intent.amount_capturable_updated" -> "requires_capture".equals(intentStatus)
          ? Payments.move(tx, payment, EnumSet.of(PaymentStatus.requires_payment, PaymentStatus.failed),
              PaymentStatus.authorized, "authorization", eventId, raw).map(moved -> moved ? Effect.SETTLE : Effect.NONE)
          : Future.succeededFuture(Effect.NONE);
      // Money taken, in either capture mode: by us (the move finds it captured already and does nothing), in the
      // Stripe dashboard, or reported before the authorization. The seat is secured, or the money goes back.
      // Recorded with the money: the seat is to be checked, by the step after the answer or, if that step is lost,
      // by the reconciler a minute later.
      case "payment_intent.succeeded" -> Payments.move(tx, payment,
              EnumSet.of(PaymentStatus.requires_payment, PaymentStatus.failed, PaymentStatus.authorized),
              PaymentStatus.captured, "capture", eventId, raw)
          .compose(moved -> !moved ? Future.succeededFuture(Effect.NONE)
              : tx.update(Sql.DSL.update(PAYMENT).set(PAYMENT.SETTLE_AFTER, SqlTime.nowPlus(Duration.ofMinutes(1)))
                  .where(PAYMENT.BOOKING_ID.eq(payment.getBookingId()))).map(Effect.SETTLE_CAPTURED));
      case "payment_intent.payment_failed" -> Payments.move(tx, payment, EnumSet.of(PaymentStatus.requires_payment),
          PaymentStatus.failed, "failure", eventId, raw).map(Effect.NONE);
      case "payment_intent.canceled" -> Payments.move(tx, payment,
          EnumSet.of(PaymentStatus.requires_payment, PaymentStatus.failed, PaymentStatus.authorized),
          PaymentStatus.canceled, "cancellation", eventId, raw).map(Effect.NONE);
      default -> Future.succeededFuture(Effect.NONE);
    };
  }

  private static ApiReply received(String outcome) {
    return ApiReply.ok(new JsonObject().put("received", true).put("outcome", outcome));
  }
}
