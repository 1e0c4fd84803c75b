package dev.bookwell.booking;

import java.security.SecureRandom;

/** Human-friendly booking references such as {@code BW-7K3QX9}: no 0/O or 1/I to misread on the phone. */
final class References {

  private static final String ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  private static final SecureRandom RANDOM = new SecureRandom();

  private References() {
  }

  static String next() {
    var reference = new StringBuilder("BW-");
    for (int i = 0; i < 6; i++) {
      reference.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return reference.toString();
  }
}
