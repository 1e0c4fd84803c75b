package dev.bookwell.support;

import com.stripe.Stripe;
import com.stripe.net.Webhook;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for the parts of the Stripe API Bookwell uses (PaymentIntents: create, retrieve, capture,
 * cancel; refunds; connected accounts), with Stripe's idempotency-key behaviour and error shape. The real
 * stripe-java client talks to it. Like Stripe, it honours {@code Stripe-Account}: an intent made on a connected
 * account exists only there (anywhere else it is 404), and every movement is logged with its account. It also
 * writes webhook events signed exactly as Stripe signs them.
 */
public final class FakeStripe implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final Map<String, JsonObject> intents = new ConcurrentHashMap<>();
  private final Map<String, String> idempotent = new ConcurrentHashMap<>();
  /** The account each intent lives on ("platform" for the platform's own). */
  private final Map<String, String> accountOf = new ConcurrentHashMap<>();
  /** Connected accounts of the platform's, with the organization their metadata names. */
  private final Map<String, String> connected = new ConcurrentHashMap<>();
  /**
   * Runs once a refund is made and before it is answered, on the fake's own thread (a test sends Stripe's
   * {@code charge.refunded} webhook there, as Stripe may, before the caller hears of its refund).
   */
  public volatile java.util.function.Function<String, io.vertx.core.Future<?>> beforeRefundAnswered =
      intentId -> io.vertx.core.Future.succeededFuture();

  /** Every money movement: {@code <account> <create|capture|cancel|refund> <intent> <amount>}. */
  public final java.util.List<String> movements = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
  public final AtomicInteger captures = new AtomicInteger();
  public final AtomicInteger cancels = new AtomicInteger();
  /** The headers of each kind of call (method and path, ids as {@code {id}}), as the last one of its kind sent them. */
  public final Map<String, io.vertx.core.MultiMap> headers = new ConcurrentHashMap<>();
  /** An object's id in a path (the benchmark calls it thousands of times a second: compiled once). */
  private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("/(pi|acct|re)_[A-Za-z0-9]+");
  private volatile boolean down;
  private volatile JsonObject failNext;
  private final HttpServer server;

  public FakeStripe() {
    server = Wait.on(vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1"));
  }

  public String apiBase() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** A connected account of the platform's, made for {@code organizationId} (Stripe answers 404 for any other). */
  public void connect(String account, String organizationId) {
    connected.put(account, organizationId == null ? "" : organizationId);
  }

  /** The account an intent was made on: "platform" or {@code acct_...}. */
  public String accountOf(String intentId) {
    return accountOf.get(intentId);
  }

  /** While down, every call answers 500 as Stripe does on an outage. */
  public void down(boolean down) {
    this.down = down;
  }

  public JsonObject intent(String id) {
    return intents.get(id).copy();
  }

  /** The customer confirms the card: a manual-capture intent becomes capturable. */
  public JsonObject authorize(String id) {
    return intents.get(id).put("status", "requires_capture").copy();
  }

  /** The next request answers this error (e.g. 429 rate_limit_error, 402 card_error), then all is normal again. */
  public void failNext(int status, String type, String code) {
    failNext = new JsonObject().put("status", status).put("type", type).put("code", code);
  }

  /** Whether an error set with {@link #failNext} is still waiting for its request. */
  public boolean failurePending() {
    return failNext != null;
  }

  /** The customer pays an automatic-capture intent: the money is taken at once. */
  public JsonObject pay(String id) {
    JsonObject intent = intents.get(id);
    return intent.put("status", "succeeded").put("amount_received", intent.getLong("amount")).copy();
  }

  /** A refund failed after Stripe accepted it (e.g. the card was closed): the money is back on the balance. */
  public void refundFailed(String intentId, long amount) {
    JsonObject intent = intents.get(intentId);
    intent.put("amount_refunded", intent.getLong("amount_refunded", 0L) - amount);
  }

  /** A webhook body for {@code type} about the intent, and its Stripe-Signature header for {@code secret}. */
  public record SignedEvent(String id, String payload, String signature) {
  }

  public SignedEvent event(String type, JsonObject intent, String secret, long timestamp) {
    return event(type, intent, secret, timestamp, Stripe.API_VERSION);
  }

  /** The same, written for another API version (its payload may not be the SDK's shape). */
  public SignedEvent event(String type, JsonObject intent, String secret, long timestamp, String apiVersion) {
    return event(type, intent, secret, timestamp, apiVersion, null);
  }

  /** The same, sent by Connect about a connected account's object ({@code account} names it; null: the platform). */
  public SignedEvent event(String type, JsonObject intent, String secret, long timestamp, String apiVersion,
                           String account) {
    String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
    var event = new JsonObject().put("id", id).put("object", "event").put("api_version", apiVersion)
        .put("created", timestamp).put("type", type).put("livemode", false)
        .put("data", new JsonObject().put("object", intent));
    String payload = (account == null ? event : event.put("account", account)).encode();
    return new SignedEvent(id, payload, sign(payload, secret, timestamp));
  }

  public static String sign(String payload, String secret, long timestamp) {
    try {
      return Webhook.Signature.generateSignatureHeader(payload, secret, timestamp);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpServerRequest request) {
    headers.put(request.method().name() + " " + ID.matcher(request.path()).replaceAll("/{id}"),
        io.vertx.core.MultiMap.caseInsensitiveMultiMap().addAll(request.headers()));
    request.body().onSuccess(body -> {
      if (down) {
        error(request, 500, "api_error", "Stripe is having a bad day.");
        return;
      }
      JsonObject failure = failNext;
      if (failure != null) {
        failNext = null;
        request.response().putHeader("Stripe-Should-Retry", "false");
        error(request, failure.getInteger("status"), failure.getString("type"), failure.getString("code"));
        return;
      }
      String account = request.getHeader("Stripe-Account") == null ? "platform" : request.getHeader("Stripe-Account");
      String key = request.getHeader("Idempotency-Key") == null ? null
          : account + ":" + request.getHeader("Idempotency-Key");
      String path = request.path();
      if (key != null && idempotent.containsKey(key + path)) {
        json(request, 200, idempotent.get(key + path));
        return;
      }
      String[] parts = path.split("/");  // "", "v1", "payment_intents", id?, action?
      JsonObject answer;
      io.vertx.core.Future<?> answerAfter = io.vertx.core.Future.succeededFuture();
      if (path.equals("/v1/accounts") && request.method().name().equals("POST")) {
        var form = form(body.toString());
        String id = "acct_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        connected.put(id, form.getOrDefault("metadata[bookwell_organization_id]", ""));
        answer = account(id);
      } else if (path.equals("/v1/account_links") && request.method().name().equals("POST")) {
        answer = new JsonObject().put("object", "account_link").put("url", "https://connect.stripe.test/setup/"
            + form(body.toString()).get("account"));
      } else if (path.startsWith("/v1/accounts/")) {
        if (!connected.containsKey(parts[3])) {
          error(request, 404, "invalid_request_error", "No such account: " + parts[3]);
          return;
        }
        answer = account(parts[3]);
      } else if (request.method().name().equals("POST") && path.equals("/v1/refunds")) {
        var form = form(body.toString());
        if (!account.equals(accountOf.get(form.get("payment_intent")))) {
          error(request, 404, "invalid_request_error", "No such payment_intent: " + form.get("payment_intent"));
          return;
        }
        answer = refund(form);
        if (answer != null) {
          movements.add(account + " refund " + form.get("payment_intent") + " " + form.get("amount"));
          answerAfter = beforeRefundAnswered.apply(form.get("payment_intent"));
        }
        if (answer == null) {
          error(request, 400, "invalid_request_error", "The refund is larger than what was captured.");
          return;
        }
      } else if (request.method().name().equals("POST") && parts.length == 3) {
        answer = create(form(body.toString()));
        accountOf.put(answer.getString("id"), account);
        movements.add(account + " create " + answer.getString("id") + " " + answer.getLong("amount"));
      } else if (parts.length >= 4 && intents.containsKey(parts[3]) && account.equals(accountOf.get(parts[3]))) {
        JsonObject intent = intents.get(parts[3]);
        if (parts.length == 4) {
          answer = intent.copy();
        } else if (parts[4].equals("capture") && intent.getString("status").equals("requires_capture")) {
          captures.incrementAndGet();
          movements.add(account + " capture " + parts[3] + " " + intent.getLong("amount"));
          answer = intent.put("status", "succeeded").put("amount_received", intent.getLong("amount")).copy();
        } else if (parts[4].equals("cancel") && !intent.getString("status").equals("succeeded")) {
          cancels.incrementAndGet();
          movements.add(account + " cancel " + parts[3] + " " + intent.getLong("amount"));
          answer = intent.put("status", "canceled").copy();
        } else {
          error(request, 400, "invalid_request_error", "This PaymentIntent's status does not allow " + parts[4]);
          return;
        }
      } else {
        error(request, 404, "invalid_request_error", "No such payment_intent");
        return;
      }
      if (key != null) {
        idempotent.put(key + path, answer.encode());
      }
      String answered = answer.encode();
      answerAfter.onComplete(x -> json(request, 200, answered));
    });
  }

  private JsonObject account(String id) {
    String owner = connected.get(id);
    return new JsonObject().put("id", id).put("object", "account").put("type", "express")
        .put("metadata", owner.isEmpty() ? new JsonObject() : new JsonObject().put("bookwell_organization_id", owner));
  }

  /** Refunds part of a captured intent; null when more than what is left is asked for. */
  private JsonObject refund(Map<String, String> form) {
    JsonObject intent = intents.get(form.get("payment_intent"));
    long amount = Long.parseLong(form.get("amount"));
    long refunded = intent.getLong("amount_refunded", 0L);
    if (!"succeeded".equals(intent.getString("status")) || refunded + amount > intent.getLong("amount")) {
      return null;
    }
    intent.put("amount_refunded", refunded + amount);
    return new JsonObject().put("id", "re_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24))
        .put("object", "refund").put("amount", amount).put("payment_intent", intent.getString("id"))
        .put("status", "succeeded").put("currency", intent.getString("currency"));
  }

  private JsonObject create(Map<String, String> form) {
    String id = "pi_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    var intent = new JsonObject()
        .put("id", id).put("object", "payment_intent")
        .put("amount", Long.parseLong(form.get("amount"))).put("currency", form.get("currency"))
        .put("capture_method", form.getOrDefault("capture_method", "automatic"))
        .put("application_fee_amount", form.get("application_fee_amount") == null ? null
            : Long.parseLong(form.get("application_fee_amount")))
        .put("status", "requires_payment_method")
        .put("client_secret", id + "_secret_" + UUID.randomUUID().toString().substring(0, 8))
        .put("metadata", new JsonObject().put("booking_id", form.get("metadata[booking_id]"))
            .put("reference", form.get("metadata[reference]")));
    intents.put(id, intent);
    return intent.copy();
  }

  private static Map<String, String> form(String body) {
    var form = new HashMap<String, String>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static void error(HttpServerRequest request, int status, String type, String message) {
    json(request, status, new JsonObject().put("error", new JsonObject().put("type", type).put("message", message))
        .encode());
  }

  private static void json(HttpServerRequest request, int status, String body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Request-Id", "req_" + UUID.randomUUID()).end(body);
  }

  @Override
  public void close() {
    Wait.on(vertx.close());
  }
}
