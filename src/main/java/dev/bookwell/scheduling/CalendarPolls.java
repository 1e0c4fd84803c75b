package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.CALENDAR_BUSY;
import static dev.bookwell.db.Tables.CALENDAR_IMPORT;
import static dev.bookwell.db.Tables.PROVIDER;

import dev.bookwell.db.enums.ProviderStatus;
import dev.bookwell.db.tables.records.CalendarImportRecord;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.net.OutboundAddresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.jooq.postgres.extensions.types.OffsetDateTimeRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls imported calendars and keeps their busy times. Bounded work: {@link #BATCH} calendars a round (of active
 * providers), each fetched once within {@link #TIMEOUT} from asking for a connection to the last byte, at most
 * {@link #MAX_BYTES}, with its ETag and Last-Modified (304: nothing to do); parsed on the calendars' own two worker
 * threads into at most {@link #MAX_BUSY} busy times in the next {@link #WINDOW} (whole days, so the busy times of
 * an unchanged file stay the same all day). The same SSRF rules as webhooks: the host is resolved and checked, and the request goes to
 * the address checked; redirects are not followed. A calendar that fails keeps its last busy times (a flaky
 * server must not suddenly open the provider's day), and says why in {@code lastStatus}. When the busy times
 * changed, the provider's free rule-made slots are fitted around them in the same transaction.
 */
final class CalendarPolls {

  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_BYTES = 1 << 20;
  static final int MAX_BUSY = 5_000;
  static final Duration WINDOW = Duration.ofDays(731);  // the longest booking horizon, and a day
  private static final int BATCH = 100;
  private static final Logger LOG = LoggerFactory.getLogger(CalendarPolls.class);

  /** What a fetch brought back; {@code body} only for a 200. */
  private record Fetched(int status, String etag, String lastModified, String body) {
  }

  private final Db db;
  private final Vertx vertx;
  private final HttpClient http;
  private final WorkerExecutor workers;
  private final Regeneration regeneration;
  private final Config.CalendarImport config;

  CalendarPolls(Db db, Vertx vertx, HttpClient http, WorkerExecutor workers, Regeneration regeneration,
                Config.CalendarImport config) {
    this.db = db;
    this.vertx = vertx;
    this.http = http;
    this.workers = workers;
    this.regeneration = regeneration;
    this.config = config;
  }

  /**
   * One round: the calendars of active providers that are due, claimed (several instances never poll one twice),
   * polled side by side (the HTTP client's small pool and the two parsing threads bound how many at once).
   */
  Future<JsonObject> round() {
    return db.transaction(tx -> tx.fetch(Sql.DSL.update(CALENDAR_IMPORT)
            .set(CALENDAR_IMPORT.NEXT_POLL_AT, SqlTime.nowPlus(config.interval()))
            .where(CALENDAR_IMPORT.ID.in(Sql.DSL.select(CALENDAR_IMPORT.ID).from(CALENDAR_IMPORT)
                .join(PROVIDER).on(PROVIDER.ID.eq(CALENDAR_IMPORT.PROVIDER_ID))
                .where(CALENDAR_IMPORT.NEXT_POLL_AT.le(SqlTime.now())).and(PROVIDER.STATUS.eq(ProviderStatus.active))
                .orderBy(CALENDAR_IMPORT.NEXT_POLL_AT).limit(BATCH).forUpdate().of(CALENDAR_IMPORT).skipLocked()))
            .returning()))
        .compose(due -> Future.join(due.stream().map(this::poll).toList())
            .map(all -> new JsonObject().put("polled", due.size())));
  }

  /** Fetches, parses and keeps one calendar; never fails (what went wrong is its {@code lastStatus}). */
  Future<CalendarImportRecord> poll(CalendarImportRecord calendar) {
    return Future.succeededFuture().compose(x -> fetch(calendar))  // a URL no longer allowed fails like a fetch
        .compose(fetched -> switch (fetched.status()) {
          case 200 -> parse(calendar, fetched.body()).compose(busy -> keep(calendar, busy, fetched));
          case 304 -> finish(calendar, "not-modified", fetched);
          default -> finish(calendar, "HTTP " + fetched.status(), null);
        })
        .recover(e -> finish(calendar, reason(e), null))
        .recover(e -> {
          LOG.warn("recording the poll of calendar {} failed", calendar.getId(), e);
          return Future.succeededFuture(calendar);
        });
  }

  private static String reason(Throwable e) {
    String why = e instanceof ProblemException p ? p.problem().detail() : e instanceof IcsBusy.TooMany
        ? "the calendar has " + e.getMessage() + " (in the next two years)" : String.valueOf(e.getMessage());
    return ("failed: " + why).substring(0, Math.min(200, ("failed: " + why).length()));
  }

  private Future<Fetched> fetch(CalendarImportRecord calendar) {
    var uri = OutboundAddresses.parse(calendar.getUrl(), config.allowPrivate());
    return OutboundAddresses.resolve(workers, uri, config.allowPrivate()).compose(address -> {
      var options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri.toString())
          .setConnectTimeout(TIMEOUT.toMillis()).setIdleTimeout(TIMEOUT.toMillis())
          .putHeader("Accept", "text/calendar").putHeader("User-Agent", "Bookwell-Calendar/1")
          .setServer(SocketAddress.inetSocketAddress(OutboundAddresses.port(uri), address.getHostAddress()));
      if (calendar.getEtag() != null) {
        options.putHeader("If-None-Match", calendar.getEtag());
      }
      if (calendar.getLastModified() != null) {
        options.putHeader("If-Modified-Since", calendar.getLastModified());
      }
      // one deadline for the whole exchange: a server that accepts and then trickles never holds a poll longer
      Promise<Fetched> done = Promise.promise();
      var sent = new java.util.concurrent.atomic.AtomicReference<HttpClientRequest>();
      long deadline = vertx.setTimer(TIMEOUT.toMillis(), id -> {
        if (done.tryFail("no complete answer within " + TIMEOUT.toSeconds() + " s") && sent.get() != null) {
          sent.get().reset();
        }
      });
      http.request(options).compose(request -> {
        sent.set(request);
        return request.send().compose(response -> read(request, response));
      }).onComplete(done::tryComplete, done::tryFail);
      return done.future().onComplete(x -> vertx.cancelTimer(deadline));
    });
  }

  /** The answer; a body past {@link #MAX_BYTES} fails and the request is reset, not read on. */
  private static Future<Fetched> read(HttpClientRequest request, HttpClientResponse response) {
    Promise<Fetched> done = Promise.promise();
    Buffer body = Buffer.buffer();
    response.handler(chunk -> {
      body.appendBuffer(chunk);
      if (body.length() > MAX_BYTES && done.tryFail("the calendar is larger than " + MAX_BYTES / 1024 + " KiB")) {
        request.reset();
      }
    });
    response.exceptionHandler(done::tryFail);
    response.endHandler(x -> done.tryComplete(new Fetched(response.statusCode(), response.getHeader("ETag"),
        response.getHeader("Last-Modified"), body.toString(StandardCharsets.UTF_8))));
    return done.future();
  }

  /** The busy times in the provider's zone, parsed on a worker thread. */
  private Future<List<BusyTimes.Interval>> parse(CalendarImportRecord calendar, String body) {
    return db.fetchOne(Sql.DSL.select(PROVIDER.TIMEZONE).from(PROVIDER)
            .where(PROVIDER.ID.eq(calendar.getProviderId())))
        .compose(zone -> workers.executeBlocking(() -> {
          Instant today = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
          return IcsBusy.parse(body, ZoneId.of(zone.value1()), today, today.plus(WINDOW), MAX_BUSY);
        }, false));
  }

  /**
   * Keeps the busy times when they changed (and fits the provider's slots around them), in one transaction with the
   * calendar's row locked: a calendar removed meanwhile keeps nothing.
   */
  private Future<CalendarImportRecord> keep(CalendarImportRecord calendar, List<BusyTimes.Interval> busy,
                                            Fetched fetched) {
    byte[] digest = digest(busy);
    return db.transaction(tx -> lock(tx, calendar.getId()).compose(locked -> {
      if (locked == null || Arrays.equals(digest, locked.getBusyDigest())) {
        return Future.succeededFuture(0);
      }
      return tx.update(Sql.DSL.deleteFrom(CALENDAR_BUSY).where(CALENDAR_BUSY.IMPORT_ID.eq(calendar.getId())))
          .compose(x -> insert(tx, calendar, busy))
          .compose(x -> tx.update(Sql.DSL.update(CALENDAR_IMPORT).set(CALENDAR_IMPORT.BUSY_DIGEST, digest)
              .set(CALENDAR_IMPORT.BUSY_COUNT, busy.size()).where(CALENDAR_IMPORT.ID.eq(calendar.getId()))))
          .compose(x -> regeneration.applyBusy(tx, calendar.getProviderId()))
          .map(1);
    })).compose(x -> finish(calendar, "ok", fetched));
  }

  private static Future<CalendarImportRecord> lock(Sql tx, UUID id) {
    return tx.fetchOptional(Sql.DSL.selectFrom(CALENDAR_IMPORT).where(CALENDAR_IMPORT.ID.eq(id)).forUpdate())
        .map(found -> found.orElse(null));
  }

  private static Future<Integer> insert(Sql tx, CalendarImportRecord calendar, List<BusyTimes.Interval> busy) {
    if (busy.isEmpty()) {
      return Future.succeededFuture(0);
    }
    var insert = Sql.DSL.insertInto(CALENDAR_BUSY, CALENDAR_BUSY.IMPORT_ID, CALENDAR_BUSY.PROVIDER_ID,
        CALENDAR_BUSY.DURING);
    for (var interval : busy) {
      insert = insert.values(calendar.getId(), calendar.getProviderId(), OffsetDateTimeRange.offsetDateTimeRange(
          interval.start().atOffset(java.time.ZoneOffset.UTC), interval.end().atOffset(java.time.ZoneOffset.UTC)));
    }
    return tx.update(insert);
  }

  /** Records the poll: when, how it went, and the validators for the next one (kept when there are none). */
  private Future<CalendarImportRecord> finish(CalendarImportRecord calendar, String status, Fetched fetched) {
    var update = Sql.DSL.update(CALENDAR_IMPORT).set(CALENDAR_IMPORT.POLLED_AT, SqlTime.now())
        .set(CALENDAR_IMPORT.LAST_STATUS, status);
    if (fetched != null && fetched.status() == 200) {
      update.set(CALENDAR_IMPORT.ETAG, fetched.etag()).set(CALENDAR_IMPORT.LAST_MODIFIED, fetched.lastModified());
    }
    return db.fetchOptional(update.where(CALENDAR_IMPORT.ID.eq(calendar.getId())).returning())
        .map(found -> found.orElse(calendar));
  }

  private static byte[] digest(List<BusyTimes.Interval> busy) {
    try {
      var sha = MessageDigest.getInstance("SHA-256");
      busy.stream().sorted(java.util.Comparator.comparing(BusyTimes.Interval::start)
              .thenComparing(BusyTimes.Interval::end))
          .forEach(i -> sha.update((i.start() + "/" + i.end() + ";").getBytes(StandardCharsets.US_ASCII)));
      return sha.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonObject json(CalendarImportRecord c) {
    return new JsonObject().put("id", c.getId().toString()).put("providerId", c.getProviderId().toString())
        .put("url", c.getUrl()).put("createdAt", c.getCreatedAt().toInstant().toString())
        .put("polledAt", c.getPolledAt() == null ? null : c.getPolledAt().toInstant().toString())
        .put("nextPollAt", c.getNextPollAt().toInstant().toString())
        .put("lastStatus", c.getLastStatus()).put("busyCount", c.getBusyCount());
  }
}
