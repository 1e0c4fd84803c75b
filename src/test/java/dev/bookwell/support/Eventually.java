package dev.bookwell.support;

import java.util.function.BooleanSupplier;

/** Polls a condition from the test thread until it holds or the time is up. */
public final class Eventually {

  private Eventually() {
  }

  public static void until(String what, BooleanSupplier condition) {
    until(what, java.time.Duration.ofSeconds(20), condition);
  }

  public static void until(String what, java.time.Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
