package dev.bookwell.webhooks;

import static dev.bookwell.db.Tables.WEBHOOK_ATTEMPT;
import static dev.bookwell.db.Tables.WEBHOOK_DELIVERY;
import static dev.bookwell.db.Tables.WEBHOOK_ENDPOINT;

import dev.bookwell.db.enums.WebhookDeliveryStatus;
import dev.bookwell.db.enums.WebhookEndpointStatus;
import dev.bookwell.db.tables.records.WebhookDeliveryRecord;
import dev.bookwell.db.tables.records.WebhookEndpointRecord;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jooq.impl.DSL;

/**
 * Sends due deliveries, at least once. A round leases a bounded batch (at most {@link #PER_ENDPOINT} at a time per
 * endpoint, {@link #BATCH} in all) by moving their next try a lease ahead in one short statement, so no connection
 * is held while a receiver answers and another instance never sends the same one meanwhile. A delivery waits while
 * an earlier one of the same aggregate to the same endpoint is pending: a booking's events arrive in order. Each
 * attempt is logged (status, latency, the start of the answer); a failure is tried again after the retry base,
 * doubling, with jitter, at most the maximum backoff apart, until the give-up time after the first failure of the
 * endpoint's current run of failures, when the endpoint is disabled and the organization told.
 */
final class Dispatcher {

  static final int BATCH = 100;
  static final int PER_ENDPOINT = 4;
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final Duration LEASE = Duration.ofSeconds(60);
  static final int EXCERPT = 1000;

  private final Db db;
  private final Vertx vertx;
  private final HttpClient http;
  private final Config.Webhooks config;

  Dispatcher(Db db, Vertx vertx, HttpClient http, Config.Webhooks config) {
    this.db = db;
    this.vertx = vertx;
    this.http = http;
    this.config = config;
  }

  /** One round: leases what is due, sends it all at once (bounded per endpoint), records each outcome. */
  Future<Integer> round() {
    var earlier = WEBHOOK_DELIVERY.as("earlier");
    return db.fetch(Sql.DSL.select(WEBHOOK_DELIVERY.ID, WEBHOOK_DELIVERY.ENDPOINT_ID).from(WEBHOOK_DELIVERY)
            .join(WEBHOOK_ENDPOINT).on(WEBHOOK_ENDPOINT.ID.eq(WEBHOOK_DELIVERY.ENDPOINT_ID))
            .where(WEBHOOK_DELIVERY.STATUS.eq(WebhookDeliveryStatus.pending))
            .and(WEBHOOK_DELIVERY.NEXT_AT.le(SqlTime.now()))
            .and(WEBHOOK_ENDPOINT.STATUS.eq(WebhookEndpointStatus.active)).and(WEBHOOK_ENDPOINT.DELETED_AT.isNull())
            .andNotExists(Sql.DSL.selectOne().from(earlier).where(earlier.ENDPOINT_ID.eq(WEBHOOK_DELIVERY.ENDPOINT_ID))
                .and(earlier.AGGREGATE_ID.eq(WEBHOOK_DELIVERY.AGGREGATE_ID))
                .and(earlier.STATUS.eq(WebhookDeliveryStatus.pending)).and(earlier.SEQ.lt(WEBHOOK_DELIVERY.SEQ)))
            .orderBy(WEBHOOK_DELIVERY.SEQ).limit(BATCH * 4))
        .compose(candidates -> {
          var perEndpoint = new HashMap<UUID, Integer>();
          var chosen = new ArrayList<UUID>();
          for (var c : candidates) {
            if (chosen.size() < BATCH && perEndpoint.merge(c.value2(), 1, Integer::sum) <= PER_ENDPOINT) {
              chosen.add(c.value1());
            }
          }
          return chosen.isEmpty() ? Future.succeededFuture(List.<WebhookDeliveryRecord>of())
              // the lease: only those still due are taken (another instance may have leased some meanwhile)
              : db.fetch(Sql.DSL.update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.NEXT_AT, SqlTime.nowPlus(LEASE))
                  .set(WEBHOOK_DELIVERY.ATTEMPTS, WEBHOOK_DELIVERY.ATTEMPTS.plus(1))
                  .where(WEBHOOK_DELIVERY.ID.in(chosen)).and(WEBHOOK_DELIVERY.STATUS.eq(WebhookDeliveryStatus.pending))
                  .and(WEBHOOK_DELIVERY.NEXT_AT.le(SqlTime.now())).returning());
        })
        .compose(leased -> leased.isEmpty() ? Future.succeededFuture(0) : endpoints(leased)
            .compose(endpoints -> Future.join(leased.stream().map(d -> send(d, endpoints.get(d.getEndpointId()))
                .compose(outcome -> record(d, endpoints.get(d.getEndpointId()), outcome))).toList()))
            .map(leased.size()));
  }

  private Future<Map<UUID, WebhookEndpointRecord>> endpoints(List<WebhookDeliveryRecord> deliveries) {
    return db.fetch(Sql.DSL.selectFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ID.in(deliveries.stream()
            .map(WebhookDeliveryRecord::getEndpointId).distinct().toList())))
        .map(rows -> {
          var byId = new HashMap<UUID, WebhookEndpointRecord>();
          rows.forEach(e -> byId.put(e.getId(), e));
          return byId;
        });
  }

  /** What one attempt came to: the status (null without an answer), its latency, the answer's start or the error. */
  record Outcome(Integer status, int latencyMs, String response, String error) {
    boolean delivered() {
      return status != null && status >= 200 && status < 300;
    }
  }

  private Future<Outcome> send(WebhookDeliveryRecord delivery, WebhookEndpointRecord endpoint) {
    long started = System.nanoTime();
    var uri = Addresses.parse(endpoint.getUrl());
    String body = delivery.getPayload().data();
    return Addresses.resolve(vertx, uri, config.allowPrivate())
        .compose(address -> {
          var options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(uri.toString())
              .setConnectTimeout(TIMEOUT.toMillis()).setIdleTimeout(TIMEOUT.toMillis())
              .putHeader("Content-Type", "application/json").putHeader("User-Agent", "Bookwell-Webhooks/1")
              .putHeader("Bookwell-Event-Id", delivery.getEventId().toString())
              .putHeader("Bookwell-Event-Type", delivery.getEventType())
              .putHeader("Bookwell-Delivery-Id", delivery.getId().toString())
              .putHeader("Bookwell-Signature", signature(endpoint, body));
          // connect to the address that was checked, whatever the name resolves to by now
          options.setServer(SocketAddress.inetSocketAddress(port(uri), address.getHostAddress()));
          return http.request(options).compose(request -> request.send(body)).compose(Dispatcher::excerpt);
        })
        .timeout(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS)
        .map(answer -> new Outcome(answer.status(), millis(started), answer.text(), null))
        .otherwise(e -> new Outcome(null, millis(started), null, clip(String.valueOf(e.getMessage()), 500)));
  }

  /** {@code t=<seconds>,v1=<hex>} and, while a rotated-out secret still signs, a second {@code v1}. */
  static String signature(WebhookEndpointRecord endpoint, String body) {
    long now = Instant.now().getEpochSecond();
    String header = SecretTokens.signatureHeader(endpoint.getSecret().getBytes(StandardCharsets.UTF_8), now, body);
    if (endpoint.getPreviousSecret() != null && endpoint.getPreviousExpiresAt() != null
        && endpoint.getPreviousExpiresAt().isAfter(OffsetDateTime.now())) {
      header += ",v1=" + java.util.HexFormat.of().formatHex(SecretTokens.hmac(endpoint.getPreviousSecret()
          .getBytes(StandardCharsets.UTF_8), now + "." + body));
    }
    return header;
  }

  private record Answer(int status, String text) {
  }

  /** The status and at most {@link #EXCERPT} characters of the answer; the rest is read and dropped. */
  private static Future<Answer> excerpt(HttpClientResponse response) {
    Promise<Answer> done = Promise.promise();
    Buffer kept = Buffer.buffer();
    response.handler(chunk -> {
      if (kept.length() < EXCERPT) {
        kept.appendBuffer(chunk.slice(0, Math.min(chunk.length(), EXCERPT - kept.length())));
      }
    });
    response.exceptionHandler(done::tryFail);
    response.endHandler(x -> done.tryComplete(new Answer(response.statusCode(), clip(kept.toString(
        StandardCharsets.UTF_8), EXCERPT))));
    return done.future();
  }

  /** The attempt's log row, and the delivery and its endpoint moved on, in one transaction. */
  private Future<Void> record(WebhookDeliveryRecord d, WebhookEndpointRecord endpoint, Outcome outcome) {
    return db.transaction(tx -> tx.update(Sql.DSL.insertInto(WEBHOOK_ATTEMPT)
            .set(WEBHOOK_ATTEMPT.DELIVERY_ID, d.getId()).set(WEBHOOK_ATTEMPT.STATUS_CODE, outcome.status())
            .set(WEBHOOK_ATTEMPT.LATENCY_MS, outcome.latencyMs()).set(WEBHOOK_ATTEMPT.RESPONSE, outcome.response())
            .set(WEBHOOK_ATTEMPT.ERROR, outcome.error()))
        .compose(x -> outcome.delivered() ? delivered(tx, d) : failed(tx, d, endpoint)))
        .mapEmpty();
  }

  private static Future<Integer> delivered(Sql tx, WebhookDeliveryRecord d) {
    return tx.update(Sql.DSL.update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.STATUS, WebhookDeliveryStatus.delivered)
            .set(WEBHOOK_DELIVERY.DELIVERED_AT, SqlTime.now()).where(WEBHOOK_DELIVERY.ID.eq(d.getId())))
        .compose(x -> tx.update(Sql.DSL.update(WEBHOOK_ENDPOINT).setNull(WEBHOOK_ENDPOINT.FAILING_SINCE)
            .where(WEBHOOK_ENDPOINT.ID.eq(d.getEndpointId()))));
  }

  /**
   * Tried again later, with exponential backoff and jitter (between half and all of the step, so a crowd of
   * retries spreads out); given up, and the endpoint disabled, once its failures have lasted the give-up time.
   */
  private Future<Integer> failed(Sql tx, WebhookDeliveryRecord d, WebhookEndpointRecord endpoint) {
    long step = Math.min(config.maxBackoff().toMillis(),
        config.retryBase().toMillis() << Math.min(20, Math.max(0, d.getAttempts() - 1)));
    long delay = step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
    OffsetDateTime failingSince = endpoint.getFailingSince() == null ? OffsetDateTime.now()
        : endpoint.getFailingSince();
    boolean giveUp = failingSince.plus(config.giveUp()).isBefore(OffsetDateTime.now());
    return tx.update(Sql.DSL.update(WEBHOOK_DELIVERY)
            .set(WEBHOOK_DELIVERY.STATUS, giveUp ? WebhookDeliveryStatus.failed : WebhookDeliveryStatus.pending)
            .set(WEBHOOK_DELIVERY.NEXT_AT, SqlTime.nowPlus(Duration.ofMillis(delay)))
            .where(WEBHOOK_DELIVERY.ID.eq(d.getId())))
        .compose(x -> tx.update(Sql.DSL.update(WEBHOOK_ENDPOINT)
            .set(WEBHOOK_ENDPOINT.FAILING_SINCE, DSL.coalesce(WEBHOOK_ENDPOINT.FAILING_SINCE, SqlTime.now()))
            .where(WEBHOOK_ENDPOINT.ID.eq(d.getEndpointId()))))
        .compose(x -> !giveUp ? Future.succeededFuture(0) : tx.fetchOptional(Sql.DSL.update(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.STATUS, WebhookEndpointStatus.disabled)
                .set(WEBHOOK_ENDPOINT.DISABLED_REASON, "failing since " + failingSince.toInstant())
                .where(WEBHOOK_ENDPOINT.ID.eq(d.getEndpointId()))
                .and(WEBHOOK_ENDPOINT.STATUS.eq(WebhookEndpointStatus.active)).returning())
            .compose(disabled -> disabled.isEmpty() ? Future.succeededFuture(0)
                : Outbox.append(tx, "webhook.endpoint_disabled", "webhook", d.getEndpointId(), new JsonObject()
                    .put("webhookId", d.getEndpointId().toString())
                    .put("organizationId", d.getOrganizationId().toString()).put("url", endpoint.getUrl())
                    .put("failingSince", failingSince.toInstant().toString())).map(1)));
  }

  private static int port(java.net.URI uri) {
    return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static int millis(long startedNanos) {
    return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
  }

  private static String clip(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max);
  }
}
