package dev.bookwell.identity;

import static dev.bookwell.db.Tables.APP_USER;
import static dev.bookwell.db.Tables.ORGANIZATION_INVITATION;
import static dev.bookwell.db.Tables.ORGANIZATION_MEMBER;
import static dev.bookwell.db.Tables.PASSWORD_RESET;

import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import dev.bookwell.db.enums.OrgPermission;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * The narrow call a notification sender makes to deliver a reset or an invitation: events say only which one
 * ({@code resetId}, {@code invitationId}); this answers with the address, the name and the token, and only while
 * the reset or invitation can still be used. It listens on the event bus alone, never on HTTP.
 */
final class DeliveryTokens {

  private final Db db;
  private final byte[] tokenKey;

  DeliveryTokens(Db db, byte[] tokenKey) {
    this.db = db;
    this.tokenKey = tokenKey;
  }

  /** The contact of an active account (see {@link IdentityClient#contact}). */
  Future<JsonObject> contact(UUID userId) {
    return db.fetchOptional(CONTACT_OF, Map.of("user", userId))
        .map(found -> found.map(DeliveryTokens::contactJson)
            .orElseThrow(() -> Problem.notFound("No active account " + userId + ".").toException()));
  }

  /**
   * The active members of an organization holding {@code permission} (owners hold them all), as contacts: at most
   * {@link IdentityClient#STAFF_LIMIT}, so one event never fans out without bound.
   */
  Future<JsonObject> staff(UUID organizationId, OrgPermission permission) {
    return db.fetch(STAFF.get(permission), Map.of("organization", organizationId))
        .map(rows -> new JsonObject().put("staff", new JsonArray(rows.stream().map(DeliveryTokens::contactJson)
            .toList())));
  }

  private static final List<Field<?>> CONTACT = List.of(APP_USER.ID, APP_USER.EMAIL, APP_USER.NAME, APP_USER.PHONE,
      APP_USER.TIMEZONE, APP_USER.LOCALE);

  private static Condition active() {
    return APP_USER.DELETED_AT.isNull().and(APP_USER.DEACTIVATED_AT.isNull());
  }

  // Asked for every booking event a notification goes out for (the provider's contact, the staff who hear of it):
  // rendered once, the staff's statement once per permission (written into it)
  private static final Prepared<Record> CONTACT_OF = Prepared.of(Sql.DSL.select(CONTACT).from(APP_USER)
      .where(APP_USER.ID.eq(DSL.param("user", APP_USER.ID))).and(active()));
  private static final Map<OrgPermission, Prepared<Record>> STAFF = new EnumMap<>(OrgPermission.class);

  static {
    for (OrgPermission permission : OrgPermission.values()) {
      STAFF.put(permission, Prepared.of(Sql.DSL.select(CONTACT).from(ORGANIZATION_MEMBER).join(APP_USER)
          .on(APP_USER.ID.eq(ORGANIZATION_MEMBER.USER_ID))
          .where(ORGANIZATION_MEMBER.ORGANIZATION_ID.eq(DSL.param("organization", ORGANIZATION_MEMBER.ORGANIZATION_ID)))
          .and(active()).and(Authorization.holds(permission))
          .orderBy(ORGANIZATION_MEMBER.CREATED_AT).limit(IdentityClient.STAFF_LIMIT)));
    }
  }

  private static JsonObject contactJson(Record r) {
    return new JsonObject().put("userId", r.get(APP_USER.ID).toString()).put("email", r.get(APP_USER.EMAIL))
        .put("name", r.get(APP_USER.NAME)).put("phone", r.get(APP_USER.PHONE))
        .put("timezone", r.get(APP_USER.TIMEZONE)).put("locale", r.get(APP_USER.LOCALE));
  }

  Future<JsonObject> answer(JsonObject question) {
    UUID id = UUID.fromString(question.getString("id"));
    return switch (question.getString("kind", "")) {
      case "password-reset" -> reset(id);
      case "invitation" -> invitation(id);
      default -> Future.failedFuture(Problem.invalid("body", "kind", "is not password-reset or invitation")
          .toException());
    };
  }

  private Future<JsonObject> reset(UUID id) {
    return db.fetchOptional(Sql.DSL.select(APP_USER.EMAIL, APP_USER.NAME, PASSWORD_RESET.EXPIRES_AT)
            .from(PASSWORD_RESET).join(APP_USER).on(APP_USER.ID.eq(PASSWORD_RESET.USER_ID))
            .where(PASSWORD_RESET.ID.eq(id)).and(PASSWORD_RESET.USED_AT.isNull())
            .and(PASSWORD_RESET.EXPIRES_AT.gt(SqlTime.now())))
        .map(found -> found.map(r -> new JsonObject().put("email", r.value1()).put("name", r.value2())
                .put("token", PasswordResets.token(tokenKey, id)).put("expiresAt", r.value3().toString()))
            .orElseThrow(() -> Problem.notFound("No usable password reset " + id + ".").toException()));
  }

  private Future<JsonObject> invitation(UUID id) {
    return db.fetchOptional(Sql.DSL.select(ORGANIZATION_INVITATION.EMAIL, ORGANIZATION_INVITATION.EXPIRES_AT,
                ORGANIZATION_INVITATION.ORGANIZATION_ID)
            .from(ORGANIZATION_INVITATION)
            .where(ORGANIZATION_INVITATION.ID.eq(id)).and(Invitations.open()))
        .map(found -> found.map(r -> new JsonObject().put("email", r.value1()).putNull("name")
                .put("token", Invitations.token(tokenKey, id)).put("expiresAt", r.value2().toString())
                .put("organizationId", r.value3().toString()))
            .orElseThrow(() -> Problem.notFound("No open invitation " + id + ".").toException()));
  }
}
