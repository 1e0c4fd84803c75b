package dev.bookwell.payments;

import com.stripe.Stripe;
import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.PaymentIntent;
import com.stripe.net.RequestOptions;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.RefundCreateParams;
import dev.bookwell.platform.config.Config;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * stripe-java behind the gateway. Its HTTP client blocks, so every call runs on a worker pool that runs calls in
 * parallel, never on an event loop; timeouts are short and retries bounded (idempotency keys make them safe).
 */
final class StripeGateway implements PaymentGateway {

  private final StripeClient stripe;
  private final WorkerExecutor workers;

  StripeGateway(Config.Payments config, WorkerExecutor workers) {
    // stripe-java reports each request's id and duration to Stripe in a header of the next one, encoding it with
    // gson: 7 % of the Stripe threads' samples in the purchase benchmark, for metrics about us that nobody here
    // reads. The switch is the library's, process-wide; the gateway is the only Stripe client in the process.
    Stripe.enableTelemetry = false;
    var builder = StripeClient.builder()
        .setApiKey(config.stripeSecretKey().orElseThrow())
        .setConnectTimeout(5_000)
        .setReadTimeout(15_000)
        .setMaxNetworkRetries(2)
        .setHttpClient(new StripeHttp());
    config.stripeApiBase().ifPresent(builder::setApiBase);
    this.stripe = builder.build();
    this.workers = workers;
  }

  @Override
  public Future<Intent> createIntent(UUID bookingId, String reference, long amount, String currency,
                                     boolean manualCapture, String account, long applicationFee) {
    var params = PaymentIntentCreateParams.builder()
        .setAmount(amount)
        .setCurrency(currency.toLowerCase(Locale.ROOT))
        .setCaptureMethod(manualCapture ? PaymentIntentCreateParams.CaptureMethod.MANUAL
            : PaymentIntentCreateParams.CaptureMethod.AUTOMATIC)
        .putMetadata("booking_id", bookingId.toString())
        .putMetadata("reference", reference);
    if (account != null && applicationFee > 0) {
      params.setApplicationFeeAmount(applicationFee);
    }
    return call(() -> stripe.v1().paymentIntents().create(params.build(), on(account, "intent-" + bookingId)));
  }

  @Override
  public Future<Intent> retrieve(Charge charge) {
    return call(() -> stripe.v1().paymentIntents().retrieve(charge.intentId(), on(charge.account(), null)));
  }

  @Override
  public Future<Intent> capture(Charge charge, String idempotencyKey) {
    return call(() -> stripe.v1().paymentIntents().capture(charge.intentId(), on(charge.account(), idempotencyKey)));
  }

  @Override
  public Future<Intent> cancel(Charge charge, String idempotencyKey) {
    return call(() -> stripe.v1().paymentIntents().cancel(charge.intentId(), on(charge.account(), idempotencyKey)));
  }

  @Override
  public Future<String> refund(Charge charge, long amount, String idempotencyKey) {
    var params = RefundCreateParams.builder().setPaymentIntent(charge.intentId()).setAmount(amount);
    if (charge.account() != null && charge.feeTaken()) {
      params.setRefundApplicationFee(true);  // the platform gives its fee back in proportion
    }
    return blocking(() -> stripe.v1().refunds().create(params.build(), on(charge.account(), idempotencyKey)).getId());
  }

  /** A 404 or 403 (not one of the platform's connected accounts) is an answer: no owner. */
  @Override
  public Future<java.util.Optional<String>> accountOwner(String account) {
    return blocking(() -> java.util.Optional.ofNullable(stripe.v1().accounts().retrieve(account).getMetadata())
            .map(metadata -> metadata.get(OWNER)))
        .recover(e -> e instanceof GatewayException g && (g.status == 404 || g.status == 403)
            ? Future.succeededFuture(java.util.Optional.empty()) : Future.failedFuture(e));
  }

  @Override
  public Future<String> createAccount(UUID organizationId, String idempotencyKey) {
    var params = com.stripe.param.AccountCreateParams.builder()
        .setType(com.stripe.param.AccountCreateParams.Type.EXPRESS)
        .putMetadata(OWNER, organizationId.toString()).build();
    return blocking(() -> stripe.v1().accounts().create(params, on(null, idempotencyKey)).getId());
  }

  @Override
  public Future<String> onboardingLink(String account, String returnUrl) {
    var params = com.stripe.param.AccountLinkCreateParams.builder().setAccount(account).setReturnUrl(returnUrl)
        .setRefreshUrl(returnUrl).setType(com.stripe.param.AccountLinkCreateParams.Type.ACCOUNT_ONBOARDING).build();
    return blocking(() -> stripe.v1().accountLinks().create(params).getUrl());
  }

  /** The metadata key that says which organization a connected account was made for. */
  static final String OWNER = "bookwell_organization_id";

  private Future<Intent> call(Callable<PaymentIntent> request) {
    return blocking(() -> toIntent(request.call()));
  }

  /** Runs a stripe-java call on the worker pool, unordered so calls run in parallel. */
  private <T> Future<T> blocking(Callable<T> request) {
    return workers.executeBlocking(() -> {
      try {
        return request.call();
      } catch (StripeException e) {
        throw new GatewayException(e.getStatusCode() == null ? 0 : e.getStatusCode(), e.getMessage(), e);
      }
    }, false);
  }

  /** The call's options: {@code Stripe-Account} for a connected account's intent, and the idempotency key. */
  private static RequestOptions on(String account, String idempotencyKey) {
    var options = RequestOptions.builder().setIdempotencyKey(idempotencyKey);
    return (account == null ? options : options.setStripeAccount(account)).build();
  }

  static Intent toIntent(PaymentIntent intent) {
    return new Intent(intent.getId(), intent.getStatus(), intent.getClientSecret(),
        intent.getAmount() == null ? 0 : intent.getAmount(), intent.getCurrency());
  }

  /** A refusal or failure from the processor, with its HTTP status (402 declined, 429, 5xx, 0 for no answer). */
  static final class GatewayException extends RuntimeException {
    final int status;

    GatewayException(int status, String message, Throwable cause) {
      super(message, cause);
      this.status = status;
    }
  }
}
