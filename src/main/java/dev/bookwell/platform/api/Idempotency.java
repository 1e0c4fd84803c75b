package dev.bookwell.platform.api;

import static dev.bookwell.db.Tables.IDEMPOTENCY_KEY;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;
import java.util.function.Function;
import org.jooq.JSONB;

/**
 * Idempotency-Key handling for unsafe requests. The key row is written first in the same transaction as the work:
 * a concurrent duplicate waits on it, then replays the stored reply; a failure rolls the key back with everything
 * else, so a retry runs again. Same key with another body: 422. Keys last 24 hours.
 */
public final class Idempotency {

  private Idempotency() {
  }

  /**
   * Runs a create operation's {@code work} once per caller, operation and Idempotency-Key (the request's header): a
   * retry with the same key and the same path and body gets the first answer again; another body is 422.
   */
  public static Future<ApiReply> once(Db db, ApiRequest request, Function<Sql, Future<ApiReply>> work) {
    Caller caller = request.callerOrNull();
    // an anonymous caller (a guest with a booking token) is told apart by what it acts on
    String scope = (caller == null ? "anonymous:" + request.path().encode() : "user:" + caller.userId()) + ":"
        + request.operationId();
    return once(db, scope, request.headers().getString("idempotency-key"),
        new JsonObject().put("path", request.path()).put("body", request.body()), work);
  }

  /** Runs {@code work} in a transaction, once per {@code (scope, key)}; without a key, simply once. */
  public static Future<ApiReply> once(Db db, String scope, String key, Object request,
                                      Function<Sql, Future<ApiReply>> work) {
    if (key == null) {
      return db.transaction(work);
    }
    String hash = hash(request);
    return db.transaction(tx -> tx.fetchOptional(Sql.DSL.insertInto(IDEMPOTENCY_KEY)
            .set(IDEMPOTENCY_KEY.SCOPE, scope)
            .set(IDEMPOTENCY_KEY.KEY, key)
            .set(IDEMPOTENCY_KEY.REQUEST_HASH, hash)
            .onConflict(IDEMPOTENCY_KEY.SCOPE, IDEMPOTENCY_KEY.KEY).doUpdate()  // only an expired key is reused
            .set(IDEMPOTENCY_KEY.REQUEST_HASH, hash)
            .setNull(IDEMPOTENCY_KEY.RESPONSE_STATUS)
            .setNull(IDEMPOTENCY_KEY.RESPONSE_BODY)
            .set(IDEMPOTENCY_KEY.CREATED_AT, SqlTime.now())
            .set(IDEMPOTENCY_KEY.EXPIRES_AT, SqlTime.nowPlus(java.time.Duration.ofHours(24)))
            .where(IDEMPOTENCY_KEY.EXPIRES_AT.lt(SqlTime.now()))
            .returning(IDEMPOTENCY_KEY.KEY))
        .compose(fresh -> fresh.isPresent()
            ? work.apply(tx).compose(reply -> tx.update(Sql.DSL.update(IDEMPOTENCY_KEY)
                    .set(IDEMPOTENCY_KEY.RESPONSE_STATUS, reply.status())
                    .set(IDEMPOTENCY_KEY.RESPONSE_BODY, JSONB.valueOf(reply.toJson().encode()))
                    .where(IDEMPOTENCY_KEY.SCOPE.eq(scope)).and(IDEMPOTENCY_KEY.KEY.eq(key)))
                .map(reply))
            : replay(tx, scope, key, hash)));
  }

  private static Future<ApiReply> replay(Sql tx, String scope, String key, String hash) {
    return tx.fetchOne(Sql.DSL.selectFrom(IDEMPOTENCY_KEY)
            .where(IDEMPOTENCY_KEY.SCOPE.eq(scope)).and(IDEMPOTENCY_KEY.KEY.eq(key)))
        .map(stored -> {
          if (!stored.getRequestHash().equals(hash)) {
            throw Problem.of("idempotency-key-reused", 422, "Idempotency key reused",
                "This Idempotency-Key was used with a different request.").toException();
          }
          ApiReply reply = ApiReply.fromJson(new JsonObject(stored.getResponseBody().data()));
          return new ApiReply(reply.status(), reply.body(), reply.headers().copy().put("Idempotent-Replayed", "true"));
        });
  }

  /** SHA-256 of the request with object keys sorted, so key order does not matter. */
  static String hash(Object request) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(Json.encode(canonical(request)).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object canonical(Object value) {
    if (value instanceof JsonObject object) {
      var sorted = new TreeMap<String, Object>();
      object.forEach(e -> sorted.put(e.getKey(), canonical(e.getValue())));
      return sorted;
    }
    if (value instanceof JsonArray array) {
      return array.stream().map(Idempotency::canonical).toList();
    }
    return value;
  }
}
