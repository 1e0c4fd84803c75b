package dev.bookwell.platform.api;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/** The one shape of an amount of money in every answer: {@code {amountMinor, currency}} (minor units, ISO 4217). */
public final class Money {

  private static final String AMOUNT = "amountMinor";
  private static final String CURRENCY = "currency";

  private Money() {
  }

  public static JsonObject json(long amountMinor, String currency) {
    return new JsonObject().put(AMOUNT, amountMinor).put(CURRENCY, currency);
  }

  /** The same amount as the field {@code name} of an object being written to bytes ({@link Page#bytes}). */
  public static void write(JsonGenerator json, String name, long amountMinor, String currency) throws IOException {
    json.writeObjectFieldStart(name);
    json.writeNumberField(AMOUNT, amountMinor);
    json.writeStringField(CURRENCY, currency);
    json.writeEndObject();
  }
}
