package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.PROVIDER_DOCUMENT;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.REQUIREMENT_TYPE;

import dev.bookwell.db.enums.DocumentStatus;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.tables.records.RequirementTypeRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * Requirement types and the one rule about them: a provider meets a type when a document of it is approved and
 * not expired. The platform approves a provider, and a provider starts working for an organization, only when every
 * applicable type is met (the platform's, and that organization's); a round marks links whose requirements lapsed,
 * which takes their slots out of "bookable" until a new document is approved, and warns 30 days before an approved
 * document expires.
 */
final class Requirements {

  static final int WARN_DAYS = 30;

  private final Db db;
  private final EventBus bus;

  static final int MAX_PER_ORGANIZATION = 100;

  Requirements(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** POST /v1/requirement-types (platform admins) and POST /v1/organizations/{id}/requirement-types (manage_providers). */
  Future<ApiReply> create(ApiRequest request) {
    Caller caller = request.requireCaller();
    String org = request.path().getString("organizationId");
    UUID organizationId = org == null ? null : UUID.fromString(org);
    JsonObject body = request.bodyObject();
    Future<Void> allowed = organizationId == null
        ? (caller.isAdmin() ? Future.succeededFuture()
            : Future.failedFuture(Problem.forbidden("Platform requirements are the platform admins'.").toException()))
        : IdentityClient.require(bus, caller, organizationId, OrgPermission.manage_providers);
    // an organization's types are capped: each is one more document its providers may upload and keep
    return allowed.compose(x -> db.transaction(tx -> (organizationId == null ? Future.<Void>succeededFuture()
            : Locks.belowCap(tx, "requirement-types:" + organizationId, Sql.DSL.selectCount().from(REQUIREMENT_TYPE)
                    .where(REQUIREMENT_TYPE.ORGANIZATION_ID.eq(organizationId)).and(REQUIREMENT_TYPE.ARCHIVED_AT.isNull()),
                MAX_PER_ORGANIZATION, () -> Problem.of("too-many-requirements", 422, "Too many requirements",
                    "An organization has at most " + MAX_PER_ORGANIZATION + " requirement types.").toException()))
        .compose(below -> tx.fetchOne(Sql.DSL.insertInto(REQUIREMENT_TYPE)
                .set(REQUIREMENT_TYPE.ORGANIZATION_ID, organizationId).set(REQUIREMENT_TYPE.NAME, body.getString("name"))
                .set(REQUIREMENT_TYPE.DESCRIPTION, body.getString("description", ""))
                .set(REQUIREMENT_TYPE.EXPIRES, body.getBoolean("expires")).set(REQUIREMENT_TYPE.CREATED_BY,
                    caller.userId()).returning())
            .compose(Audit.after(tx, request, t -> Audit.Entry.of(organizationId, "requirement.created",
                "requirement_type", t.getId()).after(json(t)))))))
        .map(t -> ApiReply.created(json(t), "/v1/requirement-types/" + t.getId()));
  }

  /** GET /v1/requirement-types?organizationId=: the platform's and, if named, that organization's. */
  Future<ApiReply> list(ApiRequest request) {
    String org = request.query().getString("organizationId");
    Condition owner = org == null ? REQUIREMENT_TYPE.ORGANIZATION_ID.isNull()
        : REQUIREMENT_TYPE.ORGANIZATION_ID.isNull().or(REQUIREMENT_TYPE.ORGANIZATION_ID.eq(UUID.fromString(org)));
    return db.fetch(Sql.DSL.selectFrom(REQUIREMENT_TYPE).where(owner).and(REQUIREMENT_TYPE.ARCHIVED_AT.isNull())
            .orderBy(REQUIREMENT_TYPE.CREATED_AT).limit(200))
        .map(rows -> ApiReply.ok(new JsonObject().put("items", new JsonArray(rows.stream().map(Requirements::json)
            .toList()))));
  }

  /** The types applicable to a provider at an organization (null: the platform's alone) that it does not meet. */
  static Future<List<String>> unmet(Sql sql, UUID providerId, UUID organizationId) {
    return sql.fetch(Sql.DSL.select(REQUIREMENT_TYPE.NAME).from(REQUIREMENT_TYPE)
            .where(applicable(DSL.val(organizationId))).and(unmetBy(DSL.val(providerId))))
        .map(rows -> rows.stream().map(r -> r.value1()).sorted().toList());
  }

  /** 409 naming what is missing, when {@link #unmet} is not empty. */
  static Future<Void> requireMet(Sql sql, UUID providerId, UUID organizationId) {
    return unmet(sql, providerId, organizationId).map(missing -> {
      if (!missing.isEmpty()) {
        throw Problem.of("requirements-unmet", 409, "Requirements not met", "These requirements need an approved, "
            + "unexpired document first: " + String.join(", ", missing) + ".").toException();
      }
      return null;
    });
  }

  private static Condition applicable(Field<UUID> organizationId) {
    return REQUIREMENT_TYPE.ARCHIVED_AT.isNull().and(REQUIREMENT_TYPE.ORGANIZATION_ID.isNull()
        .or(REQUIREMENT_TYPE.ORGANIZATION_ID.eq(organizationId)));
  }

  private static Condition unmetBy(Field<UUID> providerId) {
    return DSL.notExists(Sql.DSL.selectOne().from(PROVIDER_DOCUMENT)
        .where(PROVIDER_DOCUMENT.PROVIDER_ID.eq(providerId))
        .and(PROVIDER_DOCUMENT.REQUIREMENT_TYPE_ID.eq(REQUIREMENT_TYPE.ID))
        .and(PROVIDER_DOCUMENT.STATUS.eq(DocumentStatus.approved))
        .and(PROVIDER_DOCUMENT.EXPIRES_ON.isNull().or(PROVIDER_DOCUMENT.EXPIRES_ON.gt(DSL.currentLocalDate()))));
  }

  /**
   * One round: active links whose state changed are marked lapsed or restored, and approved documents expiring
   * within {@link #WARN_DAYS} are announced once. Only rows that change are written. A link lapses when an
   * applicable type was met by an approved document that has expired, with no approved, unexpired one since: a type
   * created later gates new approvals and new links, and never stops a provider who is working already.
   */
  Future<Integer> round() {
    var expired = PROVIDER_DOCUMENT.as("expired");
    var unmet = DSL.exists(Sql.DSL.selectOne().from(REQUIREMENT_TYPE)
        .where(applicable(PROVIDER_ORGANIZATION.ORGANIZATION_ID)).and(unmetBy(PROVIDER_ORGANIZATION.PROVIDER_ID))
        .andExists(Sql.DSL.selectOne().from(expired).where(expired.PROVIDER_ID.eq(PROVIDER_ORGANIZATION.PROVIDER_ID))
            .and(expired.REQUIREMENT_TYPE_ID.eq(REQUIREMENT_TYPE.ID)).and(expired.STATUS.eq(DocumentStatus.approved))
            .and(expired.EXPIRES_ON.le(DSL.currentLocalDate()))));
    return db.update(Sql.DSL.update(PROVIDER_ORGANIZATION)
            .set(PROVIDER_ORGANIZATION.REQUIREMENTS_LAPSED_AT, DSL.when(unmet, SqlTime.now()).otherwise(
                DSL.inline((java.time.OffsetDateTime) null)))
            .where(PROVIDER_ORGANIZATION.STATUS.eq(ProviderLinkStatus.active))
            .and(DSL.field(PROVIDER_ORGANIZATION.REQUIREMENTS_LAPSED_AT.isNull()).eq(DSL.field(unmet))))
        .compose(changed -> db.transaction(tx -> tx.fetch(Sql.DSL.update(PROVIDER_DOCUMENT)
                .set(PROVIDER_DOCUMENT.EXPIRY_WARNED_AT, SqlTime.now())
                .where(PROVIDER_DOCUMENT.ID.in(Sql.DSL.select(PROVIDER_DOCUMENT.ID).from(PROVIDER_DOCUMENT)
                    .where(PROVIDER_DOCUMENT.STATUS.eq(DocumentStatus.approved))
                    .and(PROVIDER_DOCUMENT.EXPIRY_WARNED_AT.isNull())
                    .and(PROVIDER_DOCUMENT.EXPIRES_ON.le(LocalDate.now().plusDays(WARN_DAYS)))
                    .limit(100).forUpdate().skipLocked()))
                .returning(PROVIDER_DOCUMENT.ID, PROVIDER_DOCUMENT.PROVIDER_ID, PROVIDER_DOCUMENT.EXPIRES_ON))
            .compose(warned -> dev.bookwell.platform.db.InOrder.each(warned, d -> Outbox.append(tx,
                    "scheduling.requirement_expiring", "provider", d.getProviderId(), new JsonObject()
                        .put("providerId", d.getProviderId().toString()).put("documentId", d.getId().toString())
                        .put("expiresOn", d.getExpiresOn().toString()).put("note", d.getExpiresOn().toString())))
                .map(changed + warned.size()))));
  }

  static JsonObject json(RequirementTypeRecord t) {
    return new JsonObject().put("id", t.getId().toString())
        .put("organizationId", t.getOrganizationId() == null ? null : t.getOrganizationId().toString())
        .put("name", t.getName()).put("description", t.getDescription()).put("expires", t.getExpires());
  }
}
