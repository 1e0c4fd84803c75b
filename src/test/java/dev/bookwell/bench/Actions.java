package dev.bookwell.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.bookwell.support.FakeStripe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** What a benchmark client does in one step, as real clients of the HTTP API would do it. */
final class Actions {

  static final String WEBHOOK_SECRET = "whsec_bench";

  private Actions() {
  }

  /** A guest holds one seat of the slot {@code slot} gives. */
  static LoadGenerator.Action hold(Supplier<UUID> slot) {
    return http -> holdRequest(http, slot.get()).map(HttpResponse::statusCode);
  }

  /** A random slot of the set, for the spread scenarios. */
  static Supplier<UUID> anyOf(UUID[] slots) {
    return () -> slots[ThreadLocalRandom.current().nextInt(slots.length)];
  }

  private static Future<HttpResponse<Buffer>> holdRequest(WebClient http, UUID slot) {
    return http.post("/v1/bookings").sendJsonObject(new JsonObject().put("slotId", slot.toString())
        .put("guest", new JsonObject().put("name", "Bench").put("email", UUID.randomUUID() + "@example.org")));
  }

  /**
   * The whole purchase: hold, the card is authorized at (fake) Stripe, Stripe's signed webhook arrives, and the
   * guest polls the booking until it says confirmed. Each step told 503 (the service shedding load) tries again
   * after the Retry-After it was given, as browsers and Stripe do; the latency includes those waits. 200 when it was
   * confirmed; 504 when it was not in 100 polls.
   */
  static LoadGenerator.Action purchase(Supplier<UUID> slot, FakeStripe stripe, Vertx vertx, Checkouts checkouts) {
    return http -> politely(vertx, () -> holdRequest(http, slot.get()), 5).compose(held -> {
      if (held.statusCode() != 201) {
        return Future.succeededFuture(held.statusCode());
      }
      JsonObject booking = held.bodyAsJsonObject();
      return intent(http, vertx, booking, 50).compose(intentId -> intentId == null ? Future.succeededFuture(504)
          : pay(http, vertx, stripe, booking, intentId, checkouts)).recover(e -> e instanceof Refused refused
          ? Future.succeededFuture(refused.status()) : Future.failedFuture(e));
    });
  }

  /**
   * The hold's payment intent. A hold whose intent could not be made at once (the payments area busy, Stripe
   * slow) is answered with {@code payment: {status: unavailable, retry}}; the page asks again where {@code retry}
   * says ({@code POST /v1/bookings/{id}/payment}, the same intent whenever it is made), after 200 ms, as long as
   * the hold stands. Until round two's sixth part the harness read the booking again instead, which never makes the
   * intent: those purchases ended as 504s after ten seconds of reads.
   */
  private static Future<String> intent(WebClient http, Vertx vertx, JsonObject booking, int triesLeft) {
    JsonObject payment = booking.getJsonObject("payment");
    if (payment != null && payment.getString("intentId") != null) {
      return Future.succeededFuture(payment.getString("intentId"));
    }
    if (triesLeft == 0) {
      return Future.succeededFuture(null);
    }
    String token = booking.getString("accessToken");
    return vertx.timer(200).compose(x -> politely(vertx, () -> http.post("/v1/bookings/" + booking.getString("id")
            + "/payment").putHeader("X-Booking-Token", token).send(), 5))
        .compose(asked -> asked.statusCode() != 200 ? Future.failedFuture(new Refused(asked.statusCode()))
            : intent(http, vertx, asked.bodyAsJsonObject().put("accessToken", token), triesLeft - 1));
  }

  private static Future<Integer> pay(WebClient http, Vertx vertx, FakeStripe stripe, JsonObject booking,
                                     String intentId, Checkouts checkouts) {
    var event = stripe.event("payment_intent.amount_capturable_updated", stripe.authorize(intentId),
        WEBHOOK_SECRET, Instant.now().getEpochSecond());
    // Stripe retries a webhook the service could not take (503, Retry-After) until it is taken
    return politely(vertx, () -> http.post("/v1/webhooks/stripe").putHeader("Content-Type", "application/json")
            .putHeader("Stripe-Signature", event.signature()).sendBuffer(Buffer.buffer(event.payload())), 5)
        .compose(webhook -> {
          if (webhook.statusCode() != 200) {
            return Future.succeededFuture(webhook.statusCode());
          }
          long answered = System.nanoTime();
          return confirmed(http, vertx, booking.getString("id"), booking.getString("accessToken"), null, 100,
              checkouts).onSuccess(status -> checkouts.seen(status, answered));
        });
  }

  /**
   * Waits for the confirmation as a checkout page does: with {@link #LONG_POLL} (the default), it reads the booking,
   * then asks again naming its ETag with {@code Prefer: wait=30}, answered when the booking changes (or after 30 s,
   * 304); without, it polls every 100 ms (round two's client, for comparison: {@code -Dbench.purchase.longPoll=false}).
   * Told 503 or 429, it waits the {@code Retry-After} it is given, as a well-behaved client does.
   */
  private static Future<Integer> confirmed(WebClient http, Vertx vertx, String id, String token, String etag,
                                           int readsLeft, Checkouts checkouts) {
    checkouts.reads.incrementAndGet();
    var request = http.get("/v1/bookings/" + id).putHeader("X-Booking-Token", token);
    if (LONG_POLL && etag != null) {
      request.putHeader("If-None-Match", etag).putHeader("Prefer", "wait=30");
    }
    long sent = System.nanoTime();
    return request.send().compose(read -> {
      if (read.statusCode() == 200 && "confirmed".equals(read.bodyAsJsonObject().getString("status"))) {
        return Future.succeededFuture(200);
      }
      boolean busy = read.statusCode() == 503 || read.statusCode() == 429;
      boolean unchanged = read.statusCode() == 200 || read.statusCode() == 304;
      if (!busy && !unchanged || readsLeft == 0) {
        return Future.succeededFuture(unchanged ? 504 : read.statusCode());
      }
      String seen = read.statusCode() == 200 ? read.getHeader("ETag") : etag;
      // the first read is followed by the long poll at once; a long poll answered at once (the edge had no room to
      // wait) is polled again after 100 ms, as without one. Until round two's seventeenth part the first read was
      // taken for such a long poll, so every page that read its booking unconfirmed paused 100 ms
      boolean waited = LONG_POLL && (etag == null || System.nanoTime() - sent > 100_000_000L);
      long wait = busy ? 1000L * Math.max(1, parseOr(read.getHeader("Retry-After"), 1)) : waited ? 0 : 100;
      return (wait == 0 ? Future.<Long>succeededFuture() : vertx.timer(wait))
          .compose(x -> confirmed(http, vertx, id, token, seen, readsLeft - 1, checkouts));
    });
  }

  /**
   * What the checkout pages of a purchase run saw: how often they read their booking, and how long after Stripe's
   * webhook was answered each saw its booking confirmed (the wait a guest feels once the card is through).
   */
  static final class Checkouts {
    final AtomicLong reads = new AtomicLong();
    final org.HdrHistogram.Histogram confirmationWait = new org.HdrHistogram.ConcurrentHistogram(
        java.util.concurrent.TimeUnit.MINUTES.toMicros(5), 3);

    private void seen(int status, long webhookAnswered) {
      if (status == 200) {
        confirmationWait.recordValue(Math.max(0, (System.nanoTime() - webhookAnswered) / 1000));
      }
    }

    /** The {@code percentile} of the confirmation waits, in ms. */
    double waitMs(double percentile) {
      return confirmationWait.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  /** The service refused a step of the purchase with {@code status} (a hold gone meanwhile: 409). */
  private static final class Refused extends RuntimeException {
    private final int status;

    Refused(int status) {
      super("refused: " + status, null, false, false);
      this.status = status;
    }

    int status() {
      return status;
    }
  }

  /** Whether the purchase client long-polls its booking ({@code -Dbench.purchase.longPoll}, default true). */
  static final boolean LONG_POLL = Boolean.parseBoolean(System.getProperty("purchase.longPoll", "true"));

  /** Sends, and sends again after the {@code Retry-After} a 503 or 429 names, at most {@code tries} times. */
  private static Future<HttpResponse<Buffer>> politely(Vertx vertx, Supplier<Future<HttpResponse<Buffer>>> send,
                                                       int tries) {
    return send.get().compose(answer -> {
      boolean busy = answer.statusCode() == 503 || answer.statusCode() == 429;
      return !busy || tries == 1 ? Future.succeededFuture(answer)
          : vertx.timer(1000L * Math.max(1, parseOr(answer.getHeader("Retry-After"), 1)))
              .compose(x -> politely(vertx, send, tries - 1));
    });
  }

  private static int parseOr(String value, int otherwise) {
    try {
      return value == null ? otherwise : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  /** Scenario 3's kinds of search: one provider's week (200 a page), one organization's day (50 a page). */
  static final List<String> SEARCHES = List.of("provider-week", "organization-day");

  /** One of {@link #SEARCHES}. */
  static LoadGenerator.Action search(DataSets.Slots set, String kind, AtomicLong found) {
    if (!SEARCHES.contains(kind)) {
      throw new IllegalArgumentException("no search " + kind);
    }
    boolean week = kind.equals("provider-week");
    return search(set.organization(), week ? set.providers() : List.of(), week ? 7 : 1, week ? 200 : 50, found);
  }

  /**
   * A public slot search over {@code days} days from a random day of the data set, for one random provider
   * (or the whole organization when {@code providers} is empty); counts the slots returned into {@code found}.
   */
  static LoadGenerator.Action search(UUID organization, List<UUID> providers, int days, int limit, AtomicLong found) {
    Instant first = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(2, ChronoUnit.DAYS);
    return http -> {
      var random = ThreadLocalRandom.current();
      Instant from = first.plus(random.nextInt(150), ChronoUnit.DAYS);
      var request = http.get("/v1/slots").addQueryParam("from", from.toString())
          .addQueryParam("to", from.plus(days, ChronoUnit.DAYS).toString())
          .addQueryParam("limit", String.valueOf(limit));
      if (providers.isEmpty()) {
        request.addQueryParam("organizationId", organization.toString());
      } else {
        request.addQueryParam("providerId", providers.get(random.nextInt(providers.size())).toString());
      }
      return request.send().map(page -> {
        if (page.statusCode() == 200) {
          found.addAndGet(items(page.body()));
        }
        return page.statusCode();
      });
    };
  }

  /**
   * How many entries the page's {@code items} array has, read with Jackson's streaming parser. Parsed into a
   * JsonObject, a provider's week (60 kB) made the load generator's heap churn 270 MB/s at 455 searches/s, young
   * collections of 10-28 ms every 0.8 s, on the cores the service and PostgreSQL share with it.
   */
  static int items(Buffer page) {
    try (JsonParser json = JSON.createParser(page.getBytes())) {
      int count = 0;
      json.nextToken();  // the page object
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        boolean items = json.currentName().equals("items");
        json.nextToken();
        if (!items) {
          json.skipChildren();
          continue;
        }
        while (json.nextToken() != JsonToken.END_ARRAY) {
          json.skipChildren();
          count++;
        }
      }
      return count;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final JsonFactory JSON = new JsonFactory();

  /** A signed-in GET of {@code path}, e.g. a report. */
  static LoadGenerator.Action get(String path, String token) {
    return http -> http.get(path).putHeader("Authorization", "Bearer " + token).send().map(HttpResponse::statusCode);
  }
}
