package dev.bookwell.platform.http;

/** The {@code Prefer} request header (RFC 7240): the preferences the edge honours. */
final class Preferences {

  private Preferences() {
  }

  /**
   * The seconds of {@code wait=N} in a {@code Prefer} header ({@code Prefer: wait=10}, or among others:
   * {@code respond-async, wait=10}), at most {@code max}; 0 when absent or not a whole number of seconds. A
   * preference the server cannot honour is ignored, never refused (RFC 7240, section 2).
   */
  static int waitSeconds(String header, int max) {
    if (header == null) {
      return 0;
    }
    for (String preference : header.split(",")) {
      String token = preference.split(";", 2)[0].trim();
      int equals = token.indexOf('=');
      if (equals > 0 && token.substring(0, equals).trim().equalsIgnoreCase("wait")) {
        String value = token.substring(equals + 1).trim().replace("\"", "");
        if (!value.isEmpty() && value.length() <= 9 && value.chars().allMatch(Character::isDigit)) {
          return Math.min(Integer.parseInt(value), max);
        }
      }
    }
    return 0;
  }
}
