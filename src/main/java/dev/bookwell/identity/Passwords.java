package dev.bookwell.identity;

import dev.bookwell.platform.api.Problem;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

/** Password rules, and hashing on a worker pool that runs hashes in parallel, never on an event loop. */
final class Passwords {

  static final int MIN_LENGTH = 10;
  static final int MAX_LENGTH = 256;

  private final PasswordHasher hasher;
  private final WorkerExecutor workers;
  // Verified when the email is unknown, so that answer takes as long as a wrong password does.
  private final Future<String> decoy;

  Passwords(PasswordHasher hasher, WorkerExecutor workers) {
    this.hasher = hasher;
    this.workers = workers;
    this.decoy = hash("decoy-password-for-unknown-accounts");
  }

  Future<String> hash(String password) {
    return workers.executeBlocking(() -> hasher.hash(password), false);
  }

  Future<Boolean> verify(String password, String hash) {
    return workers.executeBlocking(() -> hasher.verify(password, hash), false);
  }

  /** Spends the same effort as a real verification and always fails. */
  Future<Boolean> verifyDecoy(String password) {
    return decoy.compose(hash -> verify(password + "\u0000", hash)).map(false);
  }

  /** Refuses weak passwords with a 400 naming the {@code password} field. */
  static void checkPolicy(String password, String email) {
    String reason = null;
    if (password == null || password.length() < MIN_LENGTH) {
      reason = "must be at least " + MIN_LENGTH + " characters";
    } else if (password.length() > MAX_LENGTH) {
      reason = "must be at most " + MAX_LENGTH + " characters";
    } else if (email != null && password.trim().equalsIgnoreCase(email.trim())) {
      reason = "must not be the email address";
    }
    if (reason != null) {
      throw Problem.invalid("body", "password", reason).toException();
    }
  }
}
