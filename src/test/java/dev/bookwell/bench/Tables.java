package dev.bookwell.bench;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** The benchmark's markdown tables and how their cells show figures. */
final class Tables {

  private Tables() {
  }

  @SafeVarargs
  static void table(List<String> headers, List<Object>... rows) {
    System.out.println("| " + String.join(" | ", headers) + " |");
    System.out.println("|" + "---|".repeat(headers.size()));
    for (var row : rows) {
      System.out.println("| " + String.join(" | ", row.stream().map(String::valueOf).toList()) + " |");
    }
  }

  /** A rate or count, to the whole number, with thousands separated. */
  static String whole(double value) {
    return String.format("%,.0f", value);
  }

  /** Service CPU per success, and in brackets the same without the JIT compilers' work in the window. */
  static String cpu(JsonObject result) {
    return ms(result.getDouble("serviceCpuMsPerSuccess")) + " (" + ms(result.getDouble(
        "serviceCpuMsPerSuccessWithoutJit")) + ")";
  }

  static String ms(Double millis) {
    return millis == null ? "-" : String.format(millis >= 100 ? "%,.0f ms" : "%.1f ms", millis);
  }

  static String seconds(double seconds) {
    return String.format("%.2f s", seconds);
  }
}
