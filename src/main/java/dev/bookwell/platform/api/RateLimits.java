package dev.bookwell.platform.api;

import static dev.bookwell.db.Tables.RATE_LIMIT;
import static org.jooq.impl.DSL.inline;

import dev.bookwell.platform.config.Cidr;
import dev.bookwell.db.tables.records.RateLimitRecord;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.Map;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Per-client limits per minute (logins, registrations, password resets, guest holds), counted in PostgreSQL with
 * one upsert, so every instance shares the count and concurrent hits never lose one.
 */
public final class RateLimits {

  private static final Field<OffsetDateTime> MINUTE =
      DSL.field("date_trunc('minute', now())", SQLDataType.TIMESTAMPWITHTIMEZONE);

  /** Every guest hold and login counts one: rendered once. */
  private static final Prepared<RateLimitRecord> HIT = Prepared.of(Sql.DSL.insertInto(RATE_LIMIT)
      .columns(RATE_LIMIT.BUCKET, RATE_LIMIT.CLIENT, RATE_LIMIT.WINDOW_START, RATE_LIMIT.HITS)
      .values(DSL.param("bucket", RATE_LIMIT.BUCKET), DSL.param("client", RATE_LIMIT.CLIENT), MINUTE, inline(1))
      .onConflict(RATE_LIMIT.BUCKET, RATE_LIMIT.CLIENT, RATE_LIMIT.WINDOW_START)
      .doUpdate().set(RATE_LIMIT.HITS, RATE_LIMIT.HITS.plus(1))
      .returning(RATE_LIMIT.HITS, RATE_LIMIT.WINDOW_START));

  private RateLimits() {
  }

  /**
   * Whom a hit counts against: the address, or for IPv6 its /64 network, since one subscriber commonly holds a
   * whole /64 and could otherwise use a fresh address for every request.
   */
  static String key(String client) {
    byte[] address = Cidr.literal(client);
    if (address == null) {
      return client == null ? "unknown" : client;
    }
    if (address.length == 16) {
      return HexFormat.of().formatHex(address, 0, 8) + "::/64";
    }
    return client;
  }

  /**
   * Counts one hit of {@code client} in {@code bucket}; past {@code perMinute} this minute, fails with 429 saying
   * "Too many {@code what}": name whom it counts ("guest bookings from this address", "reads of this feed").
   */
  public static Future<Void> hit(Sql sql, String bucket, String client, int perMinute, String what) {
    return sql.fetchOne(HIT, Map.of("bucket", bucket, "client", key(client)))
        .compose(row -> {
          if (row.getHits() <= perMinute) {
            return Future.succeededFuture();
          }
          long left = Duration.between(OffsetDateTime.now(), row.getWindowStart().plusMinutes(1)).toSeconds();
          return Future.failedFuture(Problem.tooManyRequests("Too many " + what + "; at most "
              + perMinute + " a minute.", (int) Math.max(1, Math.min(60, left + 1))).toException());
        });
  }

}
