package dev.bookwell.payments;

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
    var builder = StripeClient.builder()
        .setApiKey(config.stripeSecretKey().orElseThrow())
        .setConnectTimeout(5_000)
        .setReadTimeout(15_000)
        .setMaxNetworkRetries(2);
    config.stripeApiBase().ifPresent(builder::setApiBase);
    this.stripe = builder.build();
    this.workers = workers;
  }

  @Override
  public Future<Intent> createIntent(UUID bookingId, String reference, long amount, String currency,
                                     boolean manualCapture) {
    var params = PaymentIntentCreateParams.builder()
        .setAmount(amount)
        .setCurrency(currency.toLowerCase(Locale.ROOT))
        .setCaptureMethod(manualCapture ? PaymentIntentCreateParams.CaptureMethod.MANUAL
            : PaymentIntentCreateParams.CaptureMethod.AUTOMATIC)
        .putMetadata("booking_id", bookingId.toString())
        .putMetadata("reference", reference)
        .build();
    return call(() -> stripe.v1().paymentIntents().create(params, key("intent-" + bookingId)));
  }

  @Override
  public Future<Intent> retrieve(String intentId) {
    return call(() -> stripe.v1().paymentIntents().retrieve(intentId));
  }

  @Override
  public Future<Intent> capture(String intentId, String idempotencyKey) {
    return call(() -> stripe.v1().paymentIntents().capture(intentId, key(idempotencyKey)));
  }

  @Override
  public Future<Intent> cancel(String intentId, String idempotencyKey) {
    return call(() -> stripe.v1().paymentIntents().cancel(intentId, key(idempotencyKey)));
  }

  @Override
  public Future<String> refund(String intentId, long amount, String idempotencyKey) {
    var params = RefundCreateParams.builder().setPaymentIntent(intentId).setAmount(amount).build();
    return blocking(() -> stripe.v1().refunds().create(params, key(idempotencyKey)).getId());
  }

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

  private static RequestOptions key(String idempotencyKey) {
    return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
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
