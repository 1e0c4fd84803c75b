package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.PROVIDER_DOCUMENT;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.REQUIREMENT_TYPE;

import dev.bookwell.db.enums.DocumentStatus;
import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.tables.records.ProviderDocumentRecord;
import dev.bookwell.db.tables.records.RequirementTypeRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Locks;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A provider's documents for requirement types: uploaded by the provider (at most {@link #MAX_BYTES}, a PDF, PNG
 * or JPEG by its content, whatever its name says), kept in PostgreSQL, and shown only to the provider and to the
 * type's reviewers (platform admins for the platform's types, the organization's manage_providers for its own);
 * everyone else gets 404. Reviewers approve or reject with a reason.
 */
final class Documents {

  static final int MAX_BYTES = 700 * 1024;
  static final int UPLOADS_PER_MINUTE = 10;
  /**
   * Documents a provider may have {@link #COUNTED}: each is up to {@link #MAX_BYTES} in the database. Not every
   * one ever uploaded: renewals year after year, or another organization's reviewer rejecting each upload, would
   * otherwise lock the provider out of uploading for good.
   */
  static final int MAX_PER_PROVIDER = 200;
  /** Waiting, approved and not expired, or rejected in the last 30 days. */
  private static final org.jooq.Condition COUNTED = PROVIDER_DOCUMENT.STATUS.eq(DocumentStatus.submitted)
      .or(PROVIDER_DOCUMENT.STATUS.eq(DocumentStatus.approved).and(PROVIDER_DOCUMENT.EXPIRES_ON.isNull()
          .or(PROVIDER_DOCUMENT.EXPIRES_ON.ge(org.jooq.impl.DSL.currentLocalDate()))))
      .or(PROVIDER_DOCUMENT.STATUS.eq(DocumentStatus.rejected).and(PROVIDER_DOCUMENT.REVIEWED_AT
          .gt(dev.bookwell.platform.db.SqlTime.nowPlus(java.time.Duration.ofDays(-30)))));
  /** Every column but the bytes: only a download reads them. */
  private static final List<org.jooq.Field<?>> WITHOUT_CONTENT = java.util.Arrays.stream(PROVIDER_DOCUMENT.fields())
      .filter(field -> !field.equals(PROVIDER_DOCUMENT.CONTENT)).toList();

  private final Db db;
  private final EventBus bus;

  Documents(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** POST /v1/providers/{providerId}/documents {requirementTypeId, fileName, content (base64), expiresOn?} */
  Future<ApiReply> upload(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID providerId = UUID.fromString(request.path().getString("providerId"));
    JsonObject body = request.bodyObject();
    byte[] content;
    try {
      content = Base64.getDecoder().decode(body.getString("content"));
    } catch (IllegalArgumentException e) {
      throw Problem.invalid("body", "content", "is not base64").toException();
    }
    String mediaType = sniff(content);
    LocalDate expiresOn = body.getString("expiresOn") == null ? null : LocalDate.parse(body.getString("expiresOn"));
    return Providers.userOf(db, providerId)
        .map(userId -> {
          if (!userId.equals(caller.userId())) {
            throw Problem.notFound("No provider " + providerId + " of yours.").toException();
          }
          return null;
        })
        .compose(x -> RateLimits.hit(db, "document-upload", providerId.toString(), UPLOADS_PER_MINUTE,
            "document uploads for this provider"))
        .compose(x -> type(UUID.fromString(body.getString("requirementTypeId"))))
        .compose(type -> type.getOrganizationId() == null ? Future.succeededFuture(type)
            // an organization's types are for providers it works with or has asked to
            : db.fetchOptional(Sql.DSL.selectOne().from(PROVIDER_ORGANIZATION)
                    .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(providerId))
                    .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(type.getOrganizationId()))
                    .and(PROVIDER_ORGANIZATION.STATUS.in(ProviderLinkStatus.requested, ProviderLinkStatus.active)))
                .map(link -> {
                  if (link.isEmpty()) {
                    throw Problem.notFound("No requirement type " + type.getId() + " for this provider.").toException();
                  }
                  return type;
                }))
        .compose(type -> {
          if (type.getExpires() && (expiresOn == null || !expiresOn.isAfter(LocalDate.now()))) {
            throw Problem.invalid("body", "expiresOn", "this requirement expires: give the document's expiry, "
                + "in the future").toException();
          }
          // one waiting for review per type (the review list stays the provider's latest word), and so many kept
          // in all: under the provider's lock, so racing uploads count one after the other (FOR UPDATE on the
          // waiting one locked nothing while there was none, and racing uploads all went in); V54 also says it
          return db.transaction(tx -> Locks.belowCap(tx, "documents:" + providerId, Sql.DSL.selectCount()
                  .from(PROVIDER_DOCUMENT).where(PROVIDER_DOCUMENT.PROVIDER_ID.eq(providerId)).and(COUNTED),
                  MAX_PER_PROVIDER, () -> Problem.of("document-quota", 409, "Too many documents", "A provider has at "
                      + "most " + MAX_PER_PROVIDER + " documents waiting, valid, or rejected in the last 30 days.")
                  .toException())
              .compose(below -> tx.fetchOptional(Sql.DSL.selectOne().from(PROVIDER_DOCUMENT)
                  .where(PROVIDER_DOCUMENT.PROVIDER_ID.eq(providerId))
                  .and(PROVIDER_DOCUMENT.REQUIREMENT_TYPE_ID.eq(type.getId()))
                  .and(PROVIDER_DOCUMENT.STATUS.eq(DocumentStatus.submitted))))
              .compose(waiting -> {
                if (waiting.isPresent()) {
                  throw Problem.of("document-pending", 409, "A document waits for review", "A document for this "
                      + "requirement is waiting for review; upload another once it is reviewed.").toException();
                }
                return tx.fetchOne(Sql.DSL.insertInto(PROVIDER_DOCUMENT)
                  .set(PROVIDER_DOCUMENT.PROVIDER_ID, providerId).set(PROVIDER_DOCUMENT.REQUIREMENT_TYPE_ID, type.getId())
                  .set(PROVIDER_DOCUMENT.FILE_NAME, body.getString("fileName"))
                  .set(PROVIDER_DOCUMENT.MEDIA_TYPE, mediaType).set(PROVIDER_DOCUMENT.SIZE_BYTES, content.length)
                  .set(PROVIDER_DOCUMENT.CONTENT, content).set(PROVIDER_DOCUMENT.EXPIRES_ON, type.getExpires()
                      ? expiresOn : null)
                  .set(PROVIDER_DOCUMENT.UPLOADED_BY, caller.userId()).returning(WITHOUT_CONTENT));
              })
              .map(row -> row.into(PROVIDER_DOCUMENT)));
        })
        .map(d -> ApiReply.created(json(d), "/v1/documents/" + d.getId()));
  }

  /** PDF, PNG or JPEG by their first bytes; anything else is 422, and an empty or oversized file 400. */
  static String sniff(byte[] content) {
    if (content.length == 0 || content.length > MAX_BYTES) {
      throw Problem.invalid("body", "content", "must be 1 byte to " + MAX_BYTES / 1024 + " KB").toException();
    }
    if (starts(content, 0x25, 0x50, 0x44, 0x46, 0x2d)) {
      return "application/pdf";
    }
    if (starts(content, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) {
      return "image/png";
    }
    if (starts(content, 0xff, 0xd8, 0xff)) {
      return "image/jpeg";
    }
    throw Problem.of("unsupported-document", 422, "Unsupported document", "Documents are PDF, PNG or JPEG files.")
        .toException();
  }

  private static boolean starts(byte[] content, int... magic) {
    if (content.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((content[i] & 0xff) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * GET /v1/providers/{providerId}/documents?organizationId=: the provider and platform admins see every document;
   * an organization's reviewers (naming it) see the documents of its own types.
   */
  Future<ApiReply> list(ApiRequest request) {
    Caller caller = request.requireCaller();
    UUID providerId = UUID.fromString(request.path().getString("providerId"));
    String organization = request.query().getString("organizationId");
    return Providers.userOf(db, providerId)
        .compose(userId -> userId.equals(caller.userId()) || caller.isAdmin()
            ? Future.succeededFuture(organization == null ? org.jooq.impl.DSL.noCondition()
                : REQUIREMENT_TYPE.ORGANIZATION_ID.eq(UUID.fromString(organization)))
            : organization == null ? Future.<org.jooq.Condition>failedFuture(Problem.notFound("No provider "
                + providerId + ".").toException())
            : IdentityClient.require(bus, caller, UUID.fromString(organization), OrgPermission.manage_providers)
                .map(x -> (org.jooq.Condition) REQUIREMENT_TYPE.ORGANIZATION_ID.eq(UUID.fromString(organization))))
        .compose(scope -> db.fetch(Sql.DSL.select(WITHOUT_CONTENT).from(PROVIDER_DOCUMENT).join(REQUIREMENT_TYPE)
            .on(REQUIREMENT_TYPE.ID.eq(PROVIDER_DOCUMENT.REQUIREMENT_TYPE_ID))
            .where(PROVIDER_DOCUMENT.PROVIDER_ID.eq(providerId)).and(scope)
            .orderBy(PROVIDER_DOCUMENT.UPLOADED_AT.desc()).limit(200)))
        .map(rows -> ApiReply.ok(new JsonObject().put("items", new JsonArray(rows.stream()
            .map(r -> json(r.into(PROVIDER_DOCUMENT))).toList()))));
  }

  /** GET /v1/documents/{documentId}/content: the file, to the provider and the type's reviewers (404 to others). */
  Future<ApiReply> content(ApiRequest request) {
    return readable(request).compose(d -> db.fetchOne(Sql.DSL.select(PROVIDER_DOCUMENT.CONTENT)
            .from(PROVIDER_DOCUMENT).where(PROVIDER_DOCUMENT.ID.eq(d.getId())))
        .map(row -> new ApiReply(200, Buffer.buffer(row.value1()), new JsonObject()
            .put("Content-Type", d.getMediaType())
            .put("Content-Disposition", "attachment; filename=\"document-" + d.getId() + "\"")
            .put("X-Content-Type-Options", "nosniff").put("Cache-Control", "no-store")
            .put("Content-Security-Policy", "sandbox"))));
  }

  /** POST /v1/documents/{documentId}/review {decision: approved|rejected, reason?}: the type's reviewers. */
  Future<ApiReply> review(ApiRequest request) {
    Caller caller = request.requireCaller();
    JsonObject body = request.bodyObject();
    var decision = DocumentStatus.lookupLiteral(body.getString("decision"));
    return document(request).compose(d -> Providers.userOf(db, d.getProviderId())
            .map(owner -> {
              if (owner.equals(caller.userId())) {
                throw Problem.forbidden("Nobody reviews their own documents.").toException();
              }
              return owner;
            })
            .compose(owner -> type(d.getRequirementTypeId()))
            .compose(type -> reviewer(caller, type).map(type))
            .compose(type -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.update(PROVIDER_DOCUMENT)
                    .set(PROVIDER_DOCUMENT.STATUS, decision).set(PROVIDER_DOCUMENT.REASON, body.getString("reason"))
                    .set(PROVIDER_DOCUMENT.REVIEWED_BY, caller.userId()).set(PROVIDER_DOCUMENT.REVIEWED_AT, SqlTime.now())
                    .where(PROVIDER_DOCUMENT.ID.eq(d.getId())).and(PROVIDER_DOCUMENT.STATUS.eq(DocumentStatus.submitted))
                    .returning(WITHOUT_CONTENT))
                .map(row -> row.orElseThrow(() -> Problem.of("already-reviewed", 409, "Already reviewed",
                    "This document has been reviewed; a new one can be uploaded.").toException()).into(PROVIDER_DOCUMENT))
                .compose(Audit.after(tx, request, reviewed -> Audit.Entry.of(type.getOrganizationId(),
                    "requirement.document_" + decision.getLiteral(), "provider_document", d.getId())
                    .after(new JsonObject().put("reason", body.getString("reason")))))))
        .map(reviewed -> ApiReply.ok(json(reviewed))));
  }

  private Future<ProviderDocumentRecord> readable(ApiRequest request) {
    Caller caller = request.requireCaller();
    return document(request).compose(d -> Providers.userOf(db, d.getProviderId())
        .compose(userId -> userId.equals(caller.userId()) ? Future.succeededFuture(d)
            : type(d.getRequirementTypeId()).compose(type -> reviewer(caller, type)).map(d))
        .recover(ProblemException.forbiddenAsNotFound(() -> notFound(d.getId()))));
  }

  /** Platform admins review the platform's types; an organization's manage_providers its own. */
  private Future<Void> reviewer(Caller caller, RequirementTypeRecord type) {
    if (type.getOrganizationId() == null) {
      return caller.isAdmin() ? Future.succeededFuture()
          : Future.failedFuture(Problem.forbidden("Platform requirements are reviewed by platform admins.")
              .toException());
    }
    return IdentityClient.require(bus, caller, type.getOrganizationId(), OrgPermission.manage_providers);
  }

  private Future<ProviderDocumentRecord> document(ApiRequest request) {
    UUID id = UUID.fromString(request.path().getString("documentId"));
    return db.fetchOptional(Sql.DSL.select(WITHOUT_CONTENT).from(PROVIDER_DOCUMENT).where(PROVIDER_DOCUMENT.ID.eq(id)))
        .map(found -> found.orElseThrow(() -> notFound(id)).into(PROVIDER_DOCUMENT));
  }

  private Future<RequirementTypeRecord> type(UUID id) {
    return db.fetchOptional(Sql.DSL.selectFrom(REQUIREMENT_TYPE).where(REQUIREMENT_TYPE.ID.eq(id))
            .and(REQUIREMENT_TYPE.ARCHIVED_AT.isNull()))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No requirement type " + id + ".").toException()));
  }

  private static RuntimeException notFound(UUID id) {
    return Problem.notFound("No document " + id + ".").toException();
  }

  static JsonObject json(ProviderDocumentRecord d) {
    return new JsonObject().put("id", d.getId().toString()).put("providerId", d.getProviderId().toString())
        .put("requirementTypeId", d.getRequirementTypeId().toString()).put("fileName", d.getFileName())
        .put("mediaType", d.getMediaType()).put("sizeBytes", d.getSizeBytes())
        .put("expiresOn", d.getExpiresOn() == null ? null : d.getExpiresOn().toString())
        .put("status", d.getStatus().getLiteral()).put("reason", d.getReason())
        .put("uploadedAt", d.getUploadedAt().toInstant().toString())
        .put("reviewedAt", d.getReviewedAt() == null ? null : d.getReviewedAt().toInstant().toString());
  }
}
