package dev.bookwell.support;

import java.util.function.BooleanSupplier;

/** Polls a condition from the test thread until it holds or the time is up. */
public final class Eventually {

  private Eventually() {
  }

  public static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + 20_000_000_000L;
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
