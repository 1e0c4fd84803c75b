package dev.bookwell.platform.api;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Tables as CSV (RFC 4180: commas, CRLF, quotes doubled, a cell quoted when it needs to be), written with
 * commons-csv, and safe to open in a spreadsheet: a text cell beginning with {@code = + - @} (or a tab or carriage
 * return, which spreadsheets skip before looking) would run as a formula, so it is prefixed with an apostrophe
 * (OWASP's advice). Numbers are written as numbers: a negative amount stays {@code -150}.
 */
public final class Csv {

  private Csv() {
  }

  public static String write(List<String> header, List<List<Object>> rows) {
    var out = new StringWriter();
    try (var printer = new CSVPrinter(out, CSVFormat.RFC4180.builder().get())) {
      printer.printRecord(header.stream().map(Csv::cell).toList());
      for (List<Object> row : rows) {
        printer.printRecord(row.stream().map(Csv::cell).toList());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);  // a StringWriter does not fail
    }
    return out.toString();
  }

  static Object cell(Object value) {
    if (value == null || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    String text = value.toString();
    return !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
  }

  /** The reply carrying {@code csv} as a download named {@code filename}. */
  public static ApiReply reply(String csv, String filename) {
    return new ApiReply(200, csv, new JsonObject().put("Content-Type", "text/csv; charset=utf-8")
        .put("Content-Disposition", "attachment; filename=\"" + filename + "\""));
  }
}
