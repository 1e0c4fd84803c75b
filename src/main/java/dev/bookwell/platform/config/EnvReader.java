package dev.bookwell.platform.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads typed values from environment variables; every failure names the variable and what it expected. */
final class EnvReader {

  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private final Map<String, String> env;

  EnvReader(Map<String, String> env) {
    this.env = env;
  }

  Optional<String> optional(String name) {
    return Optional.ofNullable(env.get(name)).map(String::trim).filter(v -> !v.isEmpty());
  }

  String string(String name, String fallback) {
    return optional(name).orElse(fallback);
  }

  int integer(String name, int fallback, int min, int max) {
    return optional(name).map(raw -> {
      try {
        int value = Integer.parseInt(raw);
        if (value < min || value > max) {
          throw invalid(name, raw, "a whole number from " + min + " to " + max);
        }
        return value;
      } catch (NumberFormatException e) {
        throw invalid(name, raw, "a whole number from " + min + " to " + max);
      }
    }).orElse(fallback);
  }

  String choice(String name, String fallback, java.util.List<String> allowed) {
    String value = string(name, fallback);
    if (!allowed.contains(value)) {
      throw invalid(name, value, "one of " + allowed);
    }
    return value;
  }

  boolean bool(String name, boolean fallback) {
    return optional(name).map(raw -> switch (raw.toLowerCase()) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw invalid(name, raw, "true or false");
    }).orElse(fallback);
  }

  /** Accepts 500ms, 10s, 5m, 2h, 1d, or ISO-8601 such as PT10S. */
  Duration duration(String name, Duration fallback) {
    return optional(name).map(raw -> {
      var simple = SIMPLE_DURATION.matcher(raw);
      if (simple.matches()) {
        long amount = Long.parseLong(simple.group(1));
        return switch (simple.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofDays(amount);
        };
      }
      try {
        return Duration.parse(raw);
      } catch (DateTimeParseException e) {
        throw invalid(name, raw, "a duration such as 500ms, 10s, 5m or PT10S");
      }
    }).orElse(fallback);
  }

  /** A comma-separated list of CIDRs such as {@code 10.0.0.0/8, ::1/128}; each is checked here. */
  java.util.List<String> cidrs(String name) {
    var list = optional(name).map(raw -> java.util.List.of(raw.split("\\s*,\\s*"))).orElse(java.util.List.of());
    for (String cidr : list) {
      try {
        Cidr.parse(cidr);
      } catch (IllegalArgumentException e) {
        throw invalid(name, cidr, "CIDRs such as 10.0.0.0/8 or ::1/128, comma-separated");
      }
    }
    return list;
  }

  private static IllegalArgumentException invalid(String name, String raw, String expected) {
    return new IllegalArgumentException(name + "=" + raw + " is not valid: expected " + expected);
  }
}
