package dev.bookwell.payments;

import io.vertx.core.Future;
import java.util.UUID;

/** What Bookwell asks of a card processor. Every mutating call carries an idempotency key derived from the booking. */
interface PaymentGateway {

  /** A PaymentIntent as far as Bookwell cares: its id, Stripe status, and the secret the client confirms with. */
  record Intent(String id, String status, String clientSecret, long amount, String currency) {
  }

  Future<Intent> createIntent(UUID bookingId, String reference, long amount, String currency, boolean manualCapture);

  Future<Intent> retrieve(String intentId);

  Future<Intent> capture(String intentId, String idempotencyKey);

  Future<Intent> cancel(String intentId, String idempotencyKey);

  /** Refunds part or all of a captured intent; gives the refund's id. */
  Future<String> refund(String intentId, long amount, String idempotencyKey);
}
