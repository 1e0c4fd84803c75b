package dev.bookwell.platform.api;

import io.vertx.core.json.JsonObject;

/** The one shape of an amount of money in every answer: {@code {amountMinor, currency}} (minor units, ISO 4217). */
public final class Money {

  private Money() {
  }

  public static JsonObject json(long amountMinor, String currency) {
    return new JsonObject().put("amountMinor", amountMinor).put("currency", currency);
  }
}
