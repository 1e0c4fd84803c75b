package dev.bookwell.payments;

import io.vertx.core.Future;
import java.util.UUID;

/**
 * The gateway of the offline demo (no STRIPE_SECRET_KEY): answers like Stripe would, with made-up ids derived
 * from the booking, so the same code paths run without a network. It keeps nothing; the payment table does.
 */
final class SimulatedGateway implements PaymentGateway {

  @Override
  public Future<Intent> createIntent(UUID bookingId, String reference, long amount, String currency,
                                     boolean manualCapture, String account, long applicationFee) {
    String id = "pi_sim_" + bookingId.toString().replace("-", "");
    return Future.succeededFuture(new Intent(id, "requires_payment_method", id + "_secret_sim", amount, currency));
  }

  @Override
  public Future<Intent> retrieve(Charge charge) {
    return Future.succeededFuture(new Intent(charge.intentId(), "requires_capture", charge.intentId() + "_secret_sim",
        0, null));
  }

  @Override
  public Future<Intent> capture(Charge charge, String idempotencyKey) {
    return Future.succeededFuture(new Intent(charge.intentId(), "succeeded", null, 0, null));
  }

  @Override
  public Future<String> refund(Charge charge, long amount, String idempotencyKey) {
    return Future.succeededFuture("re_sim_" + idempotencyKey);
  }

  @Override
  public Future<Intent> cancel(Charge charge, String idempotencyKey) {
    return Future.succeededFuture(new Intent(charge.intentId(), "canceled", null, 0, null));
  }

  /** The demo has no Stripe to ask: accounts it made say whose they are in their id. */
  @Override
  public Future<java.util.Optional<String>> accountOwner(String account) {
    return Future.succeededFuture(java.util.Optional.empty());
  }

  @Override
  public Future<String> createAccount(UUID organizationId, String idempotencyKey) {
    return Future.succeededFuture("acct_sim" + organizationId.toString().replace("-", "").substring(0, 16));
  }

  @Override
  public Future<String> onboardingLink(String account, String returnUrl) {
    return Future.succeededFuture(returnUrl);
  }
}
