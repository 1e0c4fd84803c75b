package dev.bookwell.payments;

import io.vertx.core.Future;
import java.util.UUID;

/** What Bookwell asks of a card processor. Every mutating call carries an idempotency key derived from the booking. */
interface PaymentGateway {

  /** A PaymentIntent as far as Bookwell cares: its id, Stripe status, and the secret the client confirms with. */
  record Intent(String id, String status, String clientSecret, long amount, String currency) {
  }

  /**
   * Where an intent lives: its id, and the organization's connected account it was made on ({@code account} null:
   * the platform's own). Every call about it goes to that account; {@code feeTaken}: the platform took a fee on it
   * (refunds give it back in proportion).
   */
  record Charge(String intentId, String account, boolean feeTaken) {
  }

  /** An intent on {@code account} (null: the platform's), the platform taking {@code applicationFee} of it. */
  Future<Intent> createIntent(UUID bookingId, String reference, long amount, String currency, boolean manualCapture,
                              String account, long applicationFee);

  Future<Intent> retrieve(Charge charge);

  Future<Intent> capture(Charge charge, String idempotencyKey);

  Future<Intent> cancel(Charge charge, String idempotencyKey);

  /** Refunds part or all of a captured intent (and the platform's fee in proportion); gives the refund's id. */
  Future<String> refund(Charge charge, long amount, String idempotencyKey);

  /**
   * The organization a connected account was made for (its {@code bookwell_organization_id} metadata); empty for
   * an account Stripe does not know among the platform's, or one made for nobody in particular.
   */
  Future<java.util.Optional<String>> accountOwner(String account);

  /** A new Express account made for the organization (owner in its metadata); gives its id. */
  Future<String> createAccount(UUID organizationId, String idempotencyKey);

  /** A one-time link where the organization's people finish the account's onboarding with Stripe. */
  Future<String> onboardingLink(String account, String returnUrl);
}
