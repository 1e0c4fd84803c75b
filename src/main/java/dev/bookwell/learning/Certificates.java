package dev.bookwell.learning;

import static dev.bookwell.db.Tables.CERTIFICATE;
import static dev.bookwell.db.Tables.ENROLLMENT;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.CertificateRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.RateLimits;
import dev.bookwell.platform.auth.SecretTokens;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.InOrder;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import dev.bookwell.platform.outbox.Outbox;
import dev.bookwell.platform.outbox.OutboxConsumer;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;

/**
 * Certificates, issued once per completed enrollment ({@code learning.course_completed}, handled once by an
 * {@link OutboxConsumer}): a human-readable number, the holder's name as on the account then, the course and the
 * organization, the issue date and the expiry from the course's validity years. The PDF is rendered on a worker
 * thread before the transaction and stored in the row. Anyone may verify a number (status and the minimum: initials,
 * course, organization, dates); the holder and the organization's staff download the PDF; staff revoke with a reason.
 */
final class Certificates {

  private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no 0/O, 1/I: read aloud safely

  private final Db db;
  private final Vertx vertx;
  private final String publicUrl;
  private final OutboxConsumer completions;

  Certificates(Db db, Vertx vertx, String publicUrl) {
    this.db = db;
    this.vertx = vertx;
    this.publicUrl = publicUrl;
    this.completions = new OutboxConsumer(db, "certificates", List.of("learning.course_completed"),
        Duration.ofDays(7), 50);
  }

  /** One round: completed enrollments get their certificate; those expiring within 30 days are announced. */
  Future<Integer> round() {
    return completions.round(event -> issue(UUID.fromString(new JsonObject(event.getPayload().data())
        .getString("enrollmentId")))).compose(x -> expiring());
  }

  static final Duration REMIND_BEFORE = Duration.ofDays(30);

  /**
   * Certificates expiring within {@link #REMIND_BEFORE}, not revoked and not announced yet: marked and announced
   * ({@code learning.certificate_expiring}, which the notifications area turns into a reminder with a link to
   * the course's page, where its next session is booked) in one transaction, once each, a bounded batch.
   */
  private Future<Integer> expiring() {
    return db.transaction(tx -> tx.fetch(Sql.DSL.update(CERTIFICATE).set(CERTIFICATE.EXPIRY_REMINDED_AT, SqlTime.now())
            .where(CERTIFICATE.ID.in(Sql.DSL.select(CERTIFICATE.ID).from(CERTIFICATE)
                .where(CERTIFICATE.EXPIRY_REMINDED_AT.isNull()).and(CERTIFICATE.REVOKED_AT.isNull())
                .and(CERTIFICATE.EXPIRES_AT.le(SqlTime.nowPlus(REMIND_BEFORE)))
                .and(CERTIFICATE.EXPIRES_AT.gt(SqlTime.now())).limit(100).forUpdate().skipLocked()))
            .returning(WITHOUT_PDF))
        .compose(due -> {
          return InOrder.each(due, c -> Outbox.append(tx, "learning.certificate_expiring", "certificate",
                  c.getNumber(), new JsonObject().put("number", c.getNumber()).put("userId", c.getUserId().toString())
                      .put("courseId", c.getCourseId().toString())
                      .put("organizationId", c.getOrganizationId().toString()).put("course", c.getCourseTitle())
                      .put("expiresAt", c.getExpiresAt().toInstant().toString())))
              .map(due.size());
        }));
  }

  /** What a completion calls for: the facts asked first, the PDF rendered on a worker, then one insert. */
  private Future<Function<Sql, Future<Void>>> issue(UUID enrollmentId) {
    return db.fetchOne(Sql.DSL.selectFrom(ENROLLMENT).where(ENROLLMENT.ID.eq(enrollmentId)))
        .compose(enrollment -> Courses.find(db, enrollment.getCourseId())
            .compose(course -> IdentityClient.contact(vertx.eventBus(), enrollment.getUserId())
                .compose(holder -> SchedulingClient.noticeFacts(vertx.eventBus(), course.getOrganizationId(), null)
                    .compose(facts -> {
                      var issued = OffsetDateTime.now(ZoneOffset.UTC);
                      var expires = course.getValidityYears() == null ? null
                          : issued.plusYears(course.getValidityYears());
                      String number = number(issued);
                      var pdfFacts = new CertificatePdf.Facts(number, holder.getString("name"), course.getTitle(),
                          facts.getJsonObject("organization", new JsonObject()).getString("name", ""), issued,
                          expires, publicUrl + "/v1/certificates/" + number + "/verify");
                      return vertx.executeBlocking(() -> CertificatePdf.render(pdfFacts), false)
                          .map(pdf -> (Function<Sql, Future<Void>>) tx -> tx.update(Sql.DSL.insertInto(CERTIFICATE)
                                  .set(CERTIFICATE.NUMBER, number).set(CERTIFICATE.ENROLLMENT_ID, enrollmentId)
                                  .set(CERTIFICATE.COURSE_ID, course.getId())
                                  .set(CERTIFICATE.ORGANIZATION_ID, course.getOrganizationId())
                                  .set(CERTIFICATE.USER_ID, enrollment.getUserId())
                                  .set(CERTIFICATE.HOLDER_NAME, pdfFacts.holder())
                                  .set(CERTIFICATE.COURSE_TITLE, course.getTitle())
                                  .set(CERTIFICATE.ORGANIZATION_NAME, pdfFacts.organization())
                                  .set(CERTIFICATE.ISSUED_AT, issued).set(CERTIFICATE.EXPIRES_AT, expires)
                                  // a number clash fails (and is tried again with a new number); only a second
                                  // certificate for the enrollment is nothing
                                  .set(CERTIFICATE.PDF, pdf).onConflict(CERTIFICATE.ENROLLMENT_ID).doNothing())
                              .compose(inserted -> inserted == 0 ? Future.succeededFuture()
                                  : Outbox.append(tx, "learning.certificate_issued", "certificate", number,
                                      new JsonObject().put("number", number)
                                          .put("enrollmentId", enrollmentId.toString())
                                          .put("userId", enrollment.getUserId().toString())
                                          .put("expiresAt", expires == null ? null : expires.toString()))
                                  .mapEmpty()));
                    }))));
  }

  /** "BW-2026-7K3QX9HD": the year and eight unambiguous characters (40 bits: guessing one is hopeless). */
  private static String number(OffsetDateTime issued) {
    byte[] random = Base64.getUrlDecoder().decode(SecretTokens.newToken());
    var code = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      code.append(ALPHABET.charAt((random[i] & 0xff) % ALPHABET.length()));
    }
    return "BW-" + issued.getYear() + "-" + code;
  }

  /** Verifications per client address per minute: plenty for a person or an employer, useless for guessing. */
  static final int VERIFICATIONS_PER_MINUTE = 60;

  /**
   * GET /v1/certificates/{number}/verify: public; the minimum of personal data (the holder's initials). Rate
   * limited per client address, so numbers cannot be enumerated.
   */
  Future<ApiReply> verify(ApiRequest request) {
    return RateLimits.hit(db, "certificate-verify", request.headers().getString("client-address"),
            VERIFICATIONS_PER_MINUTE, "certificate verifications from this address")
        .compose(x -> find(request)).map(c -> ApiReply.ok(new JsonObject().put("number", c.getNumber()).put("status", status(c))
        .put("holderInitials", initials(c.getHolderName())).put("course", c.getCourseTitle())
        .put("organization", c.getOrganizationName()).put("issuedAt", c.getIssuedAt().toInstant().toString())
        .put("expiresAt", c.getExpiresAt() == null ? null : c.getExpiresAt().toInstant().toString())));
  }

  /** GET /v1/me/certificates */
  Future<ApiReply> mine(ApiRequest request) {
    return db.fetch(Sql.DSL.select(WITHOUT_PDF).from(CERTIFICATE)
            .where(CERTIFICATE.USER_ID.eq(request.requireCaller().userId()))
            .orderBy(CERTIFICATE.ISSUED_AT.desc()).limit(200))
        .map(rows -> rows.stream().map(r -> r.into(CERTIFICATE)).toList())
        .map(rows -> ApiReply.ok(new JsonObject().put("items", new JsonArray(rows.stream().map(Certificates::json)
            .toList()))));
  }

  /** GET /v1/certificates/{number}/pdf: the holder, or the organization's staff (manage_bookings); 404 to others. */
  Future<ApiReply> pdf(ApiRequest request) {
    Caller caller = request.requireCaller();
    return find(request).compose(c -> holderOrStaff(caller, c))
        .compose(c -> db.fetchOne(Sql.DSL.select(CERTIFICATE.PDF).from(CERTIFICATE).where(CERTIFICATE.ID.eq(c.getId())))
            .map(row -> c.setPdf(row.value1())))
        .map(c -> new ApiReply(200, Buffer.buffer(c.getPdf()), new JsonObject()
            .put("Content-Type", "application/pdf")
            .put("Content-Disposition", "attachment; filename=\"" + c.getNumber() + ".pdf\"")));
  }

  /**
   * POST /v1/certificates/{number}/revoke {reason} (manage_bookings in its organization); 404 to anyone else, as for
   * a number that does not exist: a 403 told any signed-in caller which numbers exist, with no rate limit, and
   * verify then gave each one's holder, course and organization.
   */
  Future<ApiReply> revoke(ApiRequest request) {
    Caller caller = request.requireCaller();
    String reason = request.bodyObject().getString("reason");
    return find(request)
        .compose(c -> IdentityClient.require(vertx.eventBus(), caller, c.getOrganizationId(),
            OrgPermission.manage_bookings).map(c).recover(dev.bookwell.platform.api.ProblemException
                .forbiddenAsNotFound(() -> notFound(c.getNumber()))))
        .compose(c -> db.transaction(tx -> tx.fetchOptional(Sql.DSL.update(CERTIFICATE)
                .set(CERTIFICATE.REVOKED_AT, SqlTime.now()).set(CERTIFICATE.REVOKED_REASON, reason)
                .set(CERTIFICATE.REVOKED_BY, caller.userId())
                .where(CERTIFICATE.ID.eq(c.getId())).and(CERTIFICATE.REVOKED_AT.isNull()).returning(WITHOUT_PDF))
            .compose(revoked -> revoked.isEmpty() ? Future.failedFuture(Problem.of("already-revoked", 409,
                    "Already revoked", "This certificate is revoked already.").toException())
                : Audit.record(tx, request, Audit.Entry.of(c.getOrganizationId(), "certificate.revoked", "certificate",
                        c.getNumber()).after(new JsonObject().put("reason", reason)))
                    .compose(x -> Outbox.append(tx, "learning.certificate_revoked", "certificate", c.getNumber(),
                        new JsonObject().put("number", c.getNumber()).put("reason", reason)
                            .put("by", caller.userId().toString())))
                    .map(revoked.get()))))
        .map(c -> ApiReply.ok(json(c)));
  }

  private Future<CertificateRecord> holderOrStaff(Caller caller, CertificateRecord c) {
    return c.getUserId().equals(caller.userId()) ? Future.succeededFuture(c)
        : IdentityClient.require(vertx.eventBus(), caller, c.getOrganizationId(), OrgPermission.manage_bookings)
            .map(c).recover(dev.bookwell.platform.api.ProblemException.forbiddenAsNotFound(
                () -> notFound(c.getNumber())));
  }

  private Future<CertificateRecord> find(ApiRequest request) {
    String number = request.path().getString("number").toUpperCase(Locale.ROOT);
    return db.fetchOptional(Sql.DSL.select(WITHOUT_PDF).from(CERTIFICATE).where(CERTIFICATE.NUMBER.eq(number)))
        .map(found -> found.orElseThrow(() -> notFound(number)).into(CERTIFICATE));
  }

  /** Every column but the PDF: only a download reads its bytes. */
  private static final List<org.jooq.Field<?>> WITHOUT_PDF = java.util.Arrays.stream(CERTIFICATE.fields())
      .filter(field -> !field.equals(CERTIFICATE.PDF)).toList();

  private static RuntimeException notFound(String number) {
    return Problem.notFound("No certificate " + number + ".").toException();
  }

  static String status(CertificateRecord c) {
    return c.getRevokedAt() != null ? "revoked"
        : c.getExpiresAt() != null && c.getExpiresAt().toInstant().isBefore(java.time.Instant.now()) ? "expired"
        : "valid";
  }

  private static String initials(String name) {
    var out = new StringBuilder();
    for (String part : name.trim().split("\\s+")) {
      if (!part.isEmpty()) {
        out.append(Character.toUpperCase(part.charAt(0))).append('.');
      }
    }
    return out.toString();
  }

  private static JsonObject json(CertificateRecord c) {
    return new JsonObject().put("number", c.getNumber()).put("status", status(c))
        .put("courseId", c.getCourseId().toString()).put("course", c.getCourseTitle())
        .put("organization", c.getOrganizationName()).put("holderName", c.getHolderName())
        .put("issuedAt", c.getIssuedAt().toInstant().toString())
        .put("expiresAt", c.getExpiresAt() == null ? null : c.getExpiresAt().toInstant().toString())
        .put("revokedReason", c.getRevokedReason());
  }
}
