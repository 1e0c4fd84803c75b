package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static dev.bookwell.db.Tables.REFRESH_TOKEN;
import static dev.bookwell.db.Tables.USER_SESSION;
import static org.jooq.impl.DSL.field;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.config.Config;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * Sessions and their rotating refresh tokens: open at login, rotate on refresh, revoke on logout. A refresh token
 * presented a second time was copied: the whole session is revoked, for the thief and the owner alike.
 */
final class Sessions {

  private final Db db;
  private final AccessTokens accessTokens;
  private final Config.Identity config;

  Sessions(Db db, AccessTokens accessTokens, Config.Identity config) {
    this.db = db;
    this.accessTokens = accessTokens;
    this.config = config;
  }

  /** A new session for a verified login: clears the failure count, audits, returns the token pair. */
  Future<JsonObject> open(Account account, ApiRequest request) {
    String refreshToken = SecretTokens.newToken();
    String address = request.headers().getString("client-address");
    return db.transaction(tx -> tx.fetchOne(Sql.DSL.insertInto(USER_SESSION)
            .set(USER_SESSION.USER_ID, account.id())
            .set(USER_SESSION.USER_AGENT, request.headers().getString("user-agent"))
            .set(USER_SESSION.CLIENT_ADDRESS, address)
            .set(USER_SESSION.EXPIRES_AT, SqlTime.nowPlus(config.refreshTokenTtl()))
            .returning(USER_SESSION.ID))
        .compose(session -> insertToken(tx, session.getId(), refreshToken)
            .compose(x -> tx.update(Sql.DSL.update(APP_USER)
                .set(APP_USER.FAILED_LOGINS, 0)
                .set(APP_USER.LOCKOUTS, 0)
                .setNull(APP_USER.LOCKED_UNTIL)
                .where(APP_USER.ID.eq(account.id()))))
            .compose(x -> Audit.record(tx, request, account.id(), Audit.Entry.of(null, "security.login_succeeded",
                "user", account.id()).after(new JsonObject().put("sessionId", session.getId().toString()))))
            .compose(x -> Outbox.append(tx, "identity.login_succeeded", "user", account.id(), new JsonObject()
                .put("userId", account.id().toString())
                .put("sessionId", session.getId().toString())
                .put("clientAddress", address)))
            .map(x -> accessTokens.issue(account.id(), account.roles(), session.getId(), refreshToken))));
  }

  /** POST /v1/auth/refresh */
  Future<ApiReply> refresh(ApiRequest request) {
    byte[] presented = SecretTokens.digest(request.bodyObject().getString("refreshToken"));
    return db.transaction(tx -> tx.fetchOptional(Sql.DSL
                .select(REFRESH_TOKEN.SESSION_ID, REFRESH_TOKEN.ROTATED_AT, USER_SESSION.USER_ID,
                    field(USER_SESSION.REVOKED_AT.isNull().and(USER_SESSION.EXPIRES_AT.gt(SqlTime.now()))))
                .from(REFRESH_TOKEN).join(USER_SESSION).on(USER_SESSION.ID.eq(REFRESH_TOKEN.SESSION_ID))
                .where(REFRESH_TOKEN.TOKEN_HASH.eq(presented))
                .forUpdate().of(REFRESH_TOKEN, USER_SESSION))
            .compose(found -> {
              if (found.isEmpty() || !found.get().value4()) {
                return Future.succeededFuture((JsonObject) null);
              }
              UUID sessionId = found.get().value1();
              UUID userId = found.get().value3();
              if (found.get().value2() != null) {
                return revoke(tx, sessionId, "refresh-token-reused")
                    .compose(x -> Audit.record(tx, request, userId, Audit.Entry.of(null,
                        "security.refresh_token_reused", "session", sessionId)))
                    .compose(x -> Outbox.append(tx, "identity.refresh_token_reused", "user", userId,
                        new JsonObject().put("userId", userId.toString()).put("sessionId", sessionId.toString())))
                    .map(x -> (JsonObject) null);
              }
              return Account.byId(tx, userId).compose(account -> {
                if (account.isEmpty() || !account.get().usable()) {
                  return revoke(tx, sessionId, "account-inactive").map(x -> (JsonObject) null);
                }
                return rotate(tx, presented, sessionId)
                    .map(next -> accessTokens.issue(userId, account.get().roles(), sessionId, next));
              });
            }))
        // The transaction has committed (a reuse revocation included) before the refusal goes out.
        .compose(tokens -> tokens == null
            ? Future.failedFuture(Problem.of("invalid-refresh-token", 401, "Invalid refresh token",
                "The refresh token is unknown, expired, revoked or already used; sign in again.").toException())
            : Future.succeededFuture(ApiReply.ok(tokens)));
  }

  private Future<String> rotate(Sql tx, byte[] presented, UUID sessionId) {
    String next = SecretTokens.newToken();
    return tx.update(Sql.DSL.update(REFRESH_TOKEN).set(REFRESH_TOKEN.ROTATED_AT, SqlTime.now())
            .where(REFRESH_TOKEN.TOKEN_HASH.eq(presented)))
        .compose(x -> insertToken(tx, sessionId, next))
        .compose(x -> tx.update(Sql.DSL.update(USER_SESSION).set(USER_SESSION.LAST_USED_AT, SqlTime.now())
            .where(USER_SESSION.ID.eq(sessionId))))
        .map(next);
  }

  private static Future<Integer> insertToken(Sql tx, UUID sessionId, String token) {
    return tx.update(Sql.DSL.insertInto(REFRESH_TOKEN)
        .set(REFRESH_TOKEN.TOKEN_HASH, SecretTokens.digest(token))
        .set(REFRESH_TOKEN.SESSION_ID, sessionId));
  }

  private static Future<Integer> revoke(Sql tx, UUID sessionId, String reason) {
    return tx.update(Sql.DSL.update(USER_SESSION)
        .set(USER_SESSION.REVOKED_AT, SqlTime.now())
        .set(USER_SESSION.REVOKED_REASON, reason)
        .where(USER_SESSION.ID.eq(sessionId)).and(USER_SESSION.REVOKED_AT.isNull()));
  }

  /** Revokes every session of a user (password reset, deactivation, deletion). */
  static Future<Integer> revokeAll(Sql tx, UUID userId, String reason) {
    return tx.update(Sql.DSL.update(USER_SESSION)
        .set(USER_SESSION.REVOKED_AT, SqlTime.now())
        .set(USER_SESSION.REVOKED_REASON, reason)
        .where(USER_SESSION.USER_ID.eq(userId)).and(USER_SESSION.REVOKED_AT.isNull()));
  }

  /** POST /v1/auth/logout: ends the session the access token belongs to. */
  Future<ApiReply> logout(ApiRequest request) {
    Caller caller = request.requireCaller();
    return end(caller, caller.sessionId(), "logout").map(x -> ApiReply.noContent());
  }

  /** DELETE /v1/auth/sessions/{id} */
  Future<ApiReply> endOne(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID id = UUID.fromString(request.path().getString("id"));
    return end(caller, id, "ended-by-user").map(count -> {
      if (count == 0) {
        throw Problem.notFound("No active session " + id + ".").toException();
      }
      return ApiReply.noContent();
    });
  }

  private Future<Integer> end(Caller caller, UUID sessionId, String reason) {
    return db.update(Sql.DSL.update(USER_SESSION)
        .set(USER_SESSION.REVOKED_AT, SqlTime.now())
        .set(USER_SESSION.REVOKED_REASON, reason)
        .where(USER_SESSION.ID.eq(sessionId))
        .and(USER_SESSION.USER_ID.eq(caller.userId()))
        .and(USER_SESSION.REVOKED_AT.isNull()));
  }

  /** GET /v1/auth/sessions: the caller's active sessions, most recently used first. */
  Future<ApiReply> list(ApiRequest request) {
    Caller caller = request.requireCaller();
    return db.fetch(Sql.DSL.selectFrom(USER_SESSION)
            .where(USER_SESSION.USER_ID.eq(caller.userId()))
            .and(USER_SESSION.REVOKED_AT.isNull())
            .and(USER_SESSION.EXPIRES_AT.gt(SqlTime.now()))
            .orderBy(USER_SESSION.LAST_USED_AT.desc()))
        .map(rows -> {
          var items = new JsonArray();
          rows.forEach(s -> items.add(new JsonObject()
              .put("id", s.getId().toString())
              .put("userAgent", s.getUserAgent())
              .put("clientAddress", s.getClientAddress())
              .put("createdAt", s.getCreatedAt().toString())
              .put("lastUsedAt", s.getLastUsedAt().toString())
              .put("expiresAt", s.getExpiresAt().toString())
              .put("current", s.getId().equals(caller.sessionId()))));
          return ApiReply.ok(new JsonObject().put("items", items));
        });
  }
}
