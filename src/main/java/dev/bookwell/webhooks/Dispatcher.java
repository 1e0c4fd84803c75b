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
import dev.bookwell.platform.net.OutboundAddresses;
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
 * endpoint, {@link #BATCH} in all) by moving their next try a lease ahead in one short statement, so
 * no connection is held while a receiver answers and another instance never sends the same one meanwhile. A delivery waits while
 * an earlier one of the same aggregate to the same endpoint is pending: a booking's events arrive in order. Each
 * attempt is logged (status, latency, the start of the answer); see {@link #failed} for retries and giving up.
 */
final class Dispatcher {

  static final int BATCH = 100;
  static final int PER_ENDPOINT = 4;
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final Duration LEASE = Duration.ofSeconds(60);
  static final int EXCERPT = 1000;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Dispatcher.class);

  private final Db db;
  private final Vertx vertx;
  private final HttpClient http;
  private final io.vertx.core.WorkerExecutor resolver;
  private final Config.Webhooks config;

  Dispatcher(Db db, Vertx vertx, HttpClient http, io.vertx.core.WorkerExecutor resolver, Config.Webhooks config) {
    this.db = db;
    this.vertx = vertx;
    this.http = http;
    this.resolver = resolver;
    this.config = config;
  }

  /**
   * One round: leases what is due, at most {@link #PER_ENDPOINT} per endpoint counting what is being sent to it
   * (deliveries leased by any instance), each organization's first before any organization's second, and starts
   * sending it. The round does not wait for the answers: a slow receiver delays its own deliveries, never another
   * organization's. Both limits are in the statement: checked after it (as they were), an endpoint with sends in
   * flight still had its next due deliveries fill the batch, so 25 endpoints of one organization that hang their
   * answers kept every other organization's deliveries out of every round.
   */
  Future<Integer> round() {
    return db.fetch(choice()).compose(chosen -> chosen.isEmpty()
            ? Future.succeededFuture(List.<WebhookDeliveryRecord>of())
            // the lease: only those still due are taken (another instance may have leased some meanwhile)
            : db.fetch(Sql.DSL.update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.NEXT_AT, SqlTime.nowPlus(LEASE))
                .set(WEBHOOK_DELIVERY.LEASED_UNTIL, SqlTime.nowPlus(LEASE))
                .set(WEBHOOK_DELIVERY.ATTEMPTS, WEBHOOK_DELIVERY.ATTEMPTS.plus(1))
                .where(WEBHOOK_DELIVERY.ID.in(chosen.stream().map(org.jooq.Record1::value1).toList()))
                .and(WEBHOOK_DELIVERY.STATUS.eq(WebhookDeliveryStatus.pending))
                .and(WEBHOOK_DELIVERY.NEXT_AT.le(SqlTime.now())).returning()))
        .compose(leased -> leased.isEmpty() ? Future.succeededFuture(0) : endpoints(leased).map(endpoints -> {
          for (var d : leased) {
            send(d, endpoints.get(d.getEndpointId())).compose(outcome -> record(d, endpoints.get(d.getEndpointId()),
                    outcome))
                .onFailure(e -> LOG.warn("recording webhook delivery {} failed; its lease runs out and it is sent"
                    + " again", d.getId(), e));
          }
          return leased.size();
        }));
  }

  /** The deliveries a round takes: see {@link #round}. */
  private static org.jooq.Select<org.jooq.Record1<UUID>> choice() {
    var earlier = WEBHOOK_DELIVERY.as("earlier");
    var rank = DSL.rowNumber().over().partitionBy(WEBHOOK_DELIVERY.ENDPOINT_ID).orderBy(WEBHOOK_DELIVERY.SEQ)
        .as("rank");
    var due = Sql.DSL.select(WEBHOOK_DELIVERY.ID, WEBHOOK_DELIVERY.ENDPOINT_ID, WEBHOOK_DELIVERY.ORGANIZATION_ID,
            WEBHOOK_DELIVERY.SEQ, rank)
        .from(WEBHOOK_DELIVERY).join(WEBHOOK_ENDPOINT).on(WEBHOOK_ENDPOINT.ID.eq(WEBHOOK_DELIVERY.ENDPOINT_ID))
        .where(WEBHOOK_DELIVERY.STATUS.eq(WebhookDeliveryStatus.pending))
        .and(WEBHOOK_DELIVERY.NEXT_AT.le(SqlTime.now()))
        .and(WEBHOOK_ENDPOINT.STATUS.eq(WebhookEndpointStatus.active)).and(WEBHOOK_ENDPOINT.DELETED_AT.isNull())
        .andNotExists(Sql.DSL.selectOne().from(earlier).where(earlier.ENDPOINT_ID.eq(WEBHOOK_DELIVERY.ENDPOINT_ID))
            .and(earlier.AGGREGATE_ID.eq(WEBHOOK_DELIVERY.AGGREGATE_ID))
            .and(earlier.STATUS.eq(WebhookDeliveryStatus.pending)).and(earlier.SEQ.lt(WEBHOOK_DELIVERY.SEQ)))
        .asTable("due");
    var sending = Sql.DSL.select(WEBHOOK_DELIVERY.ENDPOINT_ID, DSL.count().as("n")).from(WEBHOOK_DELIVERY)
        .where(WEBHOOK_DELIVERY.LEASED_UNTIL.gt(SqlTime.now())).groupBy(WEBHOOK_DELIVERY.ENDPOINT_ID)
        .asTable("sending");
    var turn = DSL.rowNumber().over().partitionBy(due.field(WEBHOOK_DELIVERY.ORGANIZATION_ID))
        .orderBy(due.field(WEBHOOK_DELIVERY.SEQ)).as("turn");
    var open = Sql.DSL.select(due.field(WEBHOOK_DELIVERY.ID), due.field(WEBHOOK_DELIVERY.SEQ), turn).from(due)
        .leftJoin(sending).on(sending.field(WEBHOOK_DELIVERY.ENDPOINT_ID).eq(due.field(WEBHOOK_DELIVERY.ENDPOINT_ID)))
        .where(due.field(rank).plus(DSL.coalesce(sending.field("n", Integer.class), 0)).le(PER_ENDPOINT))
        .asTable("open");
    return Sql.DSL.select(open.field(WEBHOOK_DELIVERY.ID)).from(open)
        .orderBy(open.field(turn), open.field(WEBHOOK_DELIVERY.SEQ)).limit(BATCH);
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

  /**
   * One POST, over in {@link #TIMEOUT} whatever the receiver does: a request still waiting for a connection or an
   * answer that trickles in is reset at the deadline, so it is never sent late behind a later event.
   */
  private Future<Outcome> send(WebhookDeliveryRecord delivery, WebhookEndpointRecord endpoint) {
    long started = System.nanoTime();
    String body = delivery.getPayload().data();
    java.net.URI uri;
    try {
      uri = OutboundAddresses.parse(endpoint.getUrl(), config.allowPrivate());
    } catch (RuntimeException e) {  // an address the settings no longer allow: this delivery fails, the round goes on
      return Future.succeededFuture(new Outcome(null, 0, null, clean(String.valueOf(e.getMessage()), 500)));
    }
    return OutboundAddresses.resolve(resolver, uri, config.allowPrivate())
        .compose(address -> {
          var options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(uri.toString())
              .setConnectTimeout(TIMEOUT.toMillis()).setIdleTimeout(TIMEOUT.toMillis())
              .putHeader("Content-Type", "application/json").putHeader("User-Agent", "Bookwell-Webhooks/1")
              .putHeader("Bookwell-Event-Id", delivery.getEventId().toString())
              .putHeader("Bookwell-Event-Type", delivery.getEventType())
              .putHeader("Bookwell-Delivery-Id", delivery.getId().toString())
              .putHeader("Bookwell-Signature", signature(endpoint, body));
          // connect to the address that was checked, whatever the name resolves to by now
          options.setServer(SocketAddress.inetSocketAddress(OutboundAddresses.port(uri), address.getHostAddress()));
          return http.request(options).compose(request -> {
            long deadline = vertx.setTimer(TIMEOUT.toMillis(), id -> request.reset());
            return request.send(body).compose(response -> excerpt(request, response))
                .onComplete(x -> vertx.cancelTimer(deadline));
          });
        })
        .map(answer -> new Outcome(answer.status(), millis(started), answer.text(), null))
        .otherwise(e -> new Outcome(null, millis(started), null, clean(String.valueOf(e.getMessage()), 500)));
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

  /** The status and at most {@link #EXCERPT} characters of the answer; then the request is reset, not read on. */
  private static Future<Answer> excerpt(io.vertx.core.http.HttpClientRequest request, HttpClientResponse response) {
    Promise<Answer> done = Promise.promise();
    Buffer kept = Buffer.buffer();
    response.handler(chunk -> {
      kept.appendBuffer(chunk.slice(0, Math.min(chunk.length(), EXCERPT - kept.length())));
      if (kept.length() >= EXCERPT && done.tryComplete(new Answer(response.statusCode(), text(kept)))) {
        request.reset();
      }
    });
    response.exceptionHandler(done::tryFail);
    response.endHandler(x -> done.tryComplete(new Answer(response.statusCode(), text(kept))));
    return done.future();
  }

  private static String text(Buffer kept) {
    return clean(kept.toString(StandardCharsets.UTF_8), EXCERPT);
  }

  /**
   * The attempt's log row, and the delivery and its endpoint moved on, in one transaction. Only while the lease
   * is still this attempt's ({@link #stillLeased}): a late outcome never overwrites a newer one.
   */
  private Future<Void> record(WebhookDeliveryRecord d, WebhookEndpointRecord endpoint, Outcome outcome) {
    return db.transaction(tx -> tx.update(Sql.DSL.insertInto(WEBHOOK_ATTEMPT)
            .set(WEBHOOK_ATTEMPT.DELIVERY_ID, d.getId()).set(WEBHOOK_ATTEMPT.STATUS_CODE, outcome.status())
            .set(WEBHOOK_ATTEMPT.LATENCY_MS, outcome.latencyMs()).set(WEBHOOK_ATTEMPT.RESPONSE, outcome.response())
            .set(WEBHOOK_ATTEMPT.ERROR, outcome.error()))
        .compose(x -> outcome.delivered() ? delivered(tx, d) : failed(tx, d, endpoint)))
        .mapEmpty();
  }

  /**
   * The lease is still this attempt's: its {@code leased_until}, as the lease returned it, is the token. A count of
   * attempts would not do: a redelivery starts it again from 0, so a sender that outlived its lease could record its
   * outcome against the next one's.
   */
  private static org.jooq.Condition stillLeased(WebhookDeliveryRecord d) {
    return WEBHOOK_DELIVERY.ID.eq(d.getId()).and(WEBHOOK_DELIVERY.STATUS.eq(WebhookDeliveryStatus.pending))
        .and(WEBHOOK_DELIVERY.LEASED_UNTIL.eq(d.getLeasedUntil()));
  }

  private static Future<Integer> delivered(Sql tx, WebhookDeliveryRecord d) {
    return tx.update(Sql.DSL.update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.STATUS, WebhookDeliveryStatus.delivered)
            .set(WEBHOOK_DELIVERY.DELIVERED_AT, SqlTime.now()).setNull(WEBHOOK_DELIVERY.LEASED_UNTIL)
            .where(stillLeased(d)))
        .compose(x -> tx.update(Sql.DSL.update(WEBHOOK_ENDPOINT).setNull(WEBHOOK_ENDPOINT.FAILING_SINCE)
            .where(WEBHOOK_ENDPOINT.ID.eq(d.getEndpointId()))));
  }

  /**
   * Tried again later, with exponential backoff and jitter (between half and all of the step, so a crowd of
   * retries spreads out), until the delivery's own deadline (the give-up time after its first failure), when it is
   * marked failed. An endpoint whose failures have lasted the give-up time is disabled, and the organization told.
   */
  private Future<Integer> failed(Sql tx, WebhookDeliveryRecord d, WebhookEndpointRecord endpoint) {
    long step = Math.min(config.maxBackoff().toMillis(),
        config.retryBase().toMillis() << Math.min(20, Math.max(0, d.getAttempts() - 1)));
    long delay = step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
    var now = OffsetDateTime.now();
    boolean giveUp = d.getRetryUntil() != null && d.getRetryUntil().isBefore(now);
    OffsetDateTime failingSince = endpoint.getFailingSince() == null ? now : endpoint.getFailingSince();
    boolean disable = failingSince.plus(config.giveUp()).isBefore(now);
    return tx.update(Sql.DSL.update(WEBHOOK_DELIVERY)
            .set(WEBHOOK_DELIVERY.STATUS, giveUp ? WebhookDeliveryStatus.failed : WebhookDeliveryStatus.pending)
            .set(WEBHOOK_DELIVERY.NEXT_AT, SqlTime.nowPlus(Duration.ofMillis(delay)))
            .setNull(WEBHOOK_DELIVERY.LEASED_UNTIL)
            .set(WEBHOOK_DELIVERY.RETRY_UNTIL, DSL.coalesce(WEBHOOK_DELIVERY.RETRY_UNTIL,
                SqlTime.nowPlus(config.giveUp())))
            .where(stillLeased(d)))
        .compose(x -> tx.update(Sql.DSL.update(WEBHOOK_ENDPOINT)
            .set(WEBHOOK_ENDPOINT.FAILING_SINCE, DSL.coalesce(WEBHOOK_ENDPOINT.FAILING_SINCE, SqlTime.now()))
            .where(WEBHOOK_ENDPOINT.ID.eq(d.getEndpointId()))))
        .compose(x -> !disable ? Future.succeededFuture(0) : tx.fetchOptional(Sql.DSL.update(WEBHOOK_ENDPOINT)
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

  private static int millis(long startedNanos) {
    return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
  }

  /** At most {@code max} characters, without NULs (PostgreSQL text refuses them). */
  private static String clean(String text, int max) {
    if (text == null) {
      return null;
    }
    String kept = text.replace("\u0000", "");
    return kept.length() <= max ? kept : kept.substring(0, max);
  }
}
