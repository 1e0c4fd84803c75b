package dev.bookwell.payments;

import static dev.bookwell.db.Tables.PAYMENT;
import dev.bookwell.platform.db.Sql;
import static dev.bookwell.db.Tables.STRIPE_EVENT;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.db.Retention;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payments area: PaymentIntents for priced holds and Stripe's signed webhooks. stripe-java blocks, so it runs
 * on its own worker pool; without STRIPE_SECRET_KEY a simulated gateway drives the same state machine.
 */
public final class PaymentsVerticle extends VerticleBase {

  public static final String API = "payments.api";
  private static final Logger LOG = LoggerFactory.getLogger(PaymentsVerticle.class);

  private final Platform platform;
  private WorkerExecutor workers;
  private long purgeTimer = -1;
  private Future<?> round = Future.succeededFuture();
  private long reconcileTimer = -1;
  private long statusTimer = -1;

  public PaymentsVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var config = platform.config().payments();
    var db = platform.db();
    var bus = vertx.eventBus();
    workers = vertx.createSharedWorkerExecutor("bookwell-stripe", 8);
    PaymentGateway gateway = config.simulated() ? new SimulatedGateway() : new StripeGateway(config, workers);
    if (config.simulated()) {
      LOG.info("No STRIPE_SECRET_KEY: payments run on the simulated gateway");
    }
    var intents = new Intents(db, gateway, config.manualCapture(), config.applicationFeeBps());
    var refunds = new Refunds(db, gateway);
    var settlement = new Settlement(db, bus, gateway, refunds);
    var webhooks = new StripeWebhooks(db, gateway, config.webhookSecrets(), settlement);
    var simulated = new SimulatedPayments(db, settlement, config.simulated());
    var ledger = new Ledger(db);

    bus.<JsonObject>localConsumer(PaymentsClient.INTENT, message -> intents.forBooking(message.body())
        .onSuccess(message::reply)
        .onFailure(e -> {
          LOG.warn("creating a payment intent failed", e);
          message.fail(503, "payment processor unavailable");
        }));
    bus.<JsonObject>localConsumer(PaymentsClient.RELEASE, message -> refunds.release(message.body())
        .onSuccess(message::reply)
        .onFailure(e -> {
          LOG.warn("releasing the payment of {} failed", message.body().getString("bookingId"), e);
          message.fail(503, "payment processor unavailable");
        }));
    bus.<JsonObject>localConsumer(PaymentsClient.LEDGER, message -> ApiConsumer.answer(message,
        () -> ledger.forBooking(UUID.fromString(message.body().getString("bookingId")))));
    bus.<JsonObject>localConsumer(PaymentsClient.PAYMENT, message -> ApiConsumer.answer(message,
        () -> PaymentJson.read(db, UUID.fromString(message.body().getString("bookingId")))));
    // Captures or releases that failed are retried a minute later; tests ask for a round over the bus.
    // Money back that is owed and not paid yet (Stripe down, a refund Stripe failed) likewise, with backoff.
    var every = config.reconcileInterval();
    reconcileTimer = vertx.setPeriodic(every.toMillis(), id -> {
      if (round.isComplete()) {  // a slow round (Stripe slow) is never overtaken by the next one
        round = settlement.reconcile(every).compose(x -> refunds.settleDue(Duration.ZERO))
            .onFailure(e -> LOG.warn("reconciler round failed", e));
      }
    });
    bus.<JsonObject>localConsumer(PaymentsClient.RECONCILE, message -> ApiConsumer.answer(message,
        () -> settlement.reconcile(Duration.ZERO).compose(tried -> refunds.settleDue(Duration.ZERO)
            .map(owed -> new JsonObject().put("tried", tried).put("refundsSettled", owed)))));
    bus.<JsonObject>localConsumer(PaymentsClient.CAPTURE, message -> ApiConsumer.answer(message,
        () -> settlement.captureConfirmed(message.body())));
    bus.<JsonObject>localConsumer(PaymentsClient.SIMULATE, message -> ApiConsumer.answer(message,
        () -> simulated.simulate(message.body())));
    var accounts = new Accounts(db, bus, gateway, config.applicationFeeBps(), platform.config().mail().publicUrl());
    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.of("stripeWebhook", webhooks::receive,
        "getPaymentAccount", accounts::get,
        "connectPaymentAccount", accounts::connect,
        "onboardPaymentAccount", accounts::onboard,
        "disconnectPaymentAccount", accounts::disconnect,
        "setApplicationFee", accounts::setFee);
    ApiConsumer.register(bus, API, operations);
    // Stripe retries an event for up to three days; ids kept for the retention (30 days by default) dedupe them.
    var limits = platform.config().limits();
    purgeTimer = Retention.schedule(vertx, db, limits.purgeInterval(), List.of(new Retention.Rule("stripe_event",
        STRIPE_EVENT, () -> STRIPE_EVENT.RECEIVED_AT.lt(SqlTime.nowPlus(limits.retention().negated())))));
    statusTimer = dev.bookwell.platform.metrics.Gauges.every(vertx, platform.metricsRegistry(),
        "bookwell.payments.recent", "Payments changed in the last 24 hours, by status", "status",
        java.util.Arrays.stream(dev.bookwell.db.enums.PaymentStatus.values()).map(s -> s.getLiteral()).toList(),
        () -> db.fetch(Sql.DSL.select(PAYMENT.STATUS, org.jooq.impl.DSL.count()).from(PAYMENT)
                .where(PAYMENT.UPDATED_AT.gt(SqlTime.nowPlus(Duration.ofDays(-1)))).groupBy(PAYMENT.STATUS))
            .map(rows -> rows.stream().collect(java.util.stream.Collectors.toMap(r -> r.value1().getLiteral(),
                r -> (long) r.value2()))));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(reconcileTimer);
    vertx.cancelTimer(statusTimer);
    vertx.cancelTimer(purgeTimer);
    return workers.close();
  }
}
