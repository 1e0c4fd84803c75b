package dev.bookwell.booking;

import static dev.bookwell.db.Tables.PROMO_CODE;
import static dev.bookwell.db.Tables.PROMO_USE;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.enums.PromoKind;
import dev.bookwell.db.tables.records.PromoCodeRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.scheduling.SchedulingClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.api.Idempotency;
import dev.bookwell.platform.api.Page;
import dev.bookwell.platform.api.Cursor;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.api.ProblemException;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.impl.DSL;

/**
 * Promo codes: percentage or fixed amount, validity window, minimum amount, total and per-person limits, and an
 * optional restriction to a provider or service. The use is counted in the hold's transaction under the code's
 * row lock, so 200 concurrent holds on a code limited to 10 uses give exactly 10 discounted bookings.
 */
final class PromoCodes {

  private final Db db;
  private final EventBus bus;

  PromoCodes(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** POST /v1/organizations/{organizationId}/promo-codes (manage_billing) */
  Future<ApiReply> create(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    JsonObject body = request.bodyObject();
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_billing)
        .compose(x -> SchedulingClient.requireOwned(bus, organizationId, uuid(body.getString("serviceId")),
            uuid(body.getString("providerId"))))
        .compose(x -> Idempotency.once(db, request, tx -> tx.fetchOne(Sql.DSL.insertInto(PROMO_CODE)
            .set(PROMO_CODE.ORGANIZATION_ID, organizationId)
            .set(PROMO_CODE.CODE, body.getString("code").toUpperCase(Locale.ROOT))
            .set(PROMO_CODE.KIND, PromoKind.valueOf(body.getString("kind")))
            .set(PROMO_CODE.VALUE, body.getLong("value"))
            .set(PROMO_CODE.VALID_FROM, time(body.getString("validFrom")))
            .set(PROMO_CODE.VALID_UNTIL, time(body.getString("validUntil")))
            .set(PROMO_CODE.MIN_AMOUNT_MINOR, body.getLong("minAmount", 0L))
            .set(PROMO_CODE.MAX_USES, body.getInteger("maxUses"))
            .set(PROMO_CODE.MAX_USES_PER_USER, body.getInteger("maxUsesPerUser"))
            .set(PROMO_CODE.PROVIDER_ID, uuid(body.getString("providerId")))
            .set(PROMO_CODE.SERVICE_ID, uuid(body.getString("serviceId")))
            .set(PROMO_CODE.COURSES, body.getBoolean("courses", false))
            .returning())
            .compose(Audit.after(tx, request, code -> Audit.Entry.of(organizationId, "promo_code.created",
                "promo_code", code.getId()).after(toJson(code))))
            .map(code -> ApiReply.created(toJson(code),
                "/v1/organizations/" + organizationId + "/promo-codes/" + code.getId()))))
        .recover(e -> Future.failedFuture(PgErrors.is(e, PgErrors.UNIQUE)
            ? Problem.of("promo-code-exists", 409, "Code exists", "This organization already has that code.")
                .toException()
            : e instanceof PgException pg && PgErrors.CHECK.equals(pg.getSqlState())
                ? Problem.validation("The promo code is not valid: " + pg.getErrorMessage(), List.of()).toException()
                : e));
  }

  /** GET /v1/organizations/{organizationId}/promo-codes (manage_billing): newest first, keyset pages. */
  Future<ApiReply> list(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    int limit = request.query().getInteger("limit", 50);
    var where = PROMO_CODE.ORGANIZATION_ID.eq(organizationId);
    if (request.query().getString("cursor") != null) {
      Cursor cursor = Cursor.decode(request.query().getString("cursor"));
      where = where.and(DSL.row(PROMO_CODE.CREATED_AT, PROMO_CODE.ID).lt(DSL.row(DSL.val(cursor.time()),
          DSL.val(cursor.uuid()))));
    }
    var condition = where;
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_billing)
        .compose(x -> db.fetch(Sql.DSL.selectFrom(PROMO_CODE).where(condition)
            .orderBy(PROMO_CODE.CREATED_AT.desc(), PROMO_CODE.ID.desc()).limit(limit + 1)))
        .map(rows -> ApiReply.ok(Page.of(rows, limit, PromoCodes::toJson,
            p -> new Cursor(p.getCreatedAt().toString(), p.getId().toString()))));
  }

  /** GET /v1/organizations/{organizationId}/promo-codes/{promoCodeId} (manage_billing) */
  Future<ApiReply> get(ApiRequest request) {
    return owned(request).map(code -> ApiReply.ok(toJson(code)));
  }

  /**
   * POST /v1/organizations/{organizationId}/promo-codes/{promoCodeId}/deactivate (manage_billing): new holds can no
   * longer use it; bookings that did keep their discount. Safe to repeat.
   */
  Future<ApiReply> deactivate(ApiRequest request) {
    return owned(request).compose(code -> db.transaction(tx -> tx.fetchOne(Sql.DSL.update(PROMO_CODE)
            .set(PROMO_CODE.DEACTIVATED_AT, DSL.coalesce(PROMO_CODE.DEACTIVATED_AT, SqlTime.now()))
            .where(PROMO_CODE.ID.eq(code.getId())).returning())
        .compose(Audit.after(tx, request, after -> Audit.Entry.of(code.getOrganizationId(), "promo_code.deactivated",
            "promo_code", code.getId()).before(toJson(code)).after(toJson(after))))))
        .map(code -> ApiReply.ok(toJson(code)));
  }

  private Future<PromoCodeRecord> owned(ApiRequest request) {
    UUID organizationId = UUID.fromString(request.path().getString("organizationId"));
    UUID id = UUID.fromString(request.path().getString("promoCodeId"));
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_billing)
        .compose(x -> db.fetchOptional(Sql.DSL.selectFrom(PROMO_CODE).where(PROMO_CODE.ID.eq(id))
            .and(PROMO_CODE.ORGANIZATION_ID.eq(organizationId))))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No promo code " + id + ".").toException()));
  }

  static JsonObject toJson(PromoCodeRecord code) {
    return new JsonObject().put("id", code.getId().toString()).put("code", code.getCode())
        .put("kind", code.getKind().getLiteral()).put("value", code.getValue()).put("maxUses", code.getMaxUses())
        .put("uses", code.getUses()).put("active", code.getDeactivatedAt() == null).put("courses", code.getCourses());
  }

  /** A rescheduled booking keeps the promo code it was booked with (and its counted use). */
  static Future<Integer> move(Sql tx, UUID from, UUID to) {
    return tx.update(Sql.DSL.update(PROMO_USE).set(PROMO_USE.BOOKING_ID, to).where(PROMO_USE.BOOKING_ID.eq(from)));
  }

  /** A code applied to a hold: its id and the discount in minor units. */
  record Applied(UUID promoCodeId, long discount) {
  }

  /**
   * What a code is applied to: the organization, and the provider and service of a booking; {@code course}: a
   * course purchase, which only codes created for courses serve.
   */
  record Scope(UUID organizationId, UUID providerId, UUID serviceId, boolean course) {
  }

  /**
   * Applies {@code code} to a hold of {@code subtotal} and counts the use; gives the discount. Refusals are
   * problems: unknown or not applicable 422 {@code promo-code-invalid}, used up 409 {@code promo-code-exhausted}.
   */
  static Future<Applied> apply(Sql tx, String code, Scope slot, long subtotal, String userKey) {
    return tx.fetchOptional(Sql.DSL.selectFrom(PROMO_CODE)
            .where(PROMO_CODE.ORGANIZATION_ID.eq(slot.organizationId()))
            .and(PROMO_CODE.CODE.eq(code.toUpperCase(Locale.ROOT)))
            .and(USABLE)
            .forUpdate())  // one hold at a time per code: the limits below cannot be raced
        .compose(found -> {
          var promo = found.filter(p -> applies(p, slot, subtotal))
              .orElseThrow(() -> invalid("The code is unknown, expired, or does not apply to this booking."));
          return use(tx, promo, userKey).map(x -> new Applied(promo.getId(), discount(promo, subtotal)));
        });
  }

  /** Active and within its dates. */
  private static final Condition USABLE = PROMO_CODE.DEACTIVATED_AT.isNull()
      .and(PROMO_CODE.VALID_FROM.isNull().or(PROMO_CODE.VALID_FROM.le(SqlTime.now())))
      .and(PROMO_CODE.VALID_UNTIL.isNull().or(PROMO_CODE.VALID_UNTIL.gt(SqlTime.now())));

  /** Counts one more use of {@code promo} (its row locked) if its limits allow it; refuses otherwise. */
  private static Future<Void> use(Sql tx, PromoCodeRecord promo, String userKey) {
    if (promo.getMaxUses() != null && promo.getUses() >= promo.getMaxUses()) {
      return Future.failedFuture(Problem.of(EXHAUSTED, 409, "Code used up", "This code has been used up.")
          .toException());
    }
    return perUserUses(tx, promo, userKey).compose(used -> {
      if (promo.getMaxUsesPerUser() != null && used >= promo.getMaxUsesPerUser()) {
        throw invalid("You have used this code as often as it allows.");
      }
      return tx.update(Sql.DSL.update(PROMO_CODE).set(PROMO_CODE.USES, PROMO_CODE.USES.plus(1))
          .where(PROMO_CODE.ID.eq(promo.getId()))).mapEmpty();
    });
  }

  static final String EXHAUSTED = "promo-code-exhausted";

  /**
   * A late payment for an expired hold takes seats afresh ({@link Lifecycle}); the hold's code use, given back when
   * it expired, is taken again under a new hold's limits, or this fails ({@link #EXHAUSTED}, or 422 when the code
   * ended or its user used it up meanwhile) and the money goes back. Without this a single-use code, paid late
   * again and again, discounted any number of bookings. Nothing to do for a booking without a code.
   */
  static Future<Void> reclaim(Sql tx, UUID bookingId) {
    return tx.fetchOptional(Sql.DSL.selectFrom(PROMO_USE).where(PROMO_USE.BOOKING_ID.eq(bookingId))
            .and(PROMO_USE.RELEASED_AT.isNotNull()))
        .compose(released -> released.isEmpty() ? Future.succeededFuture()
            : tx.fetchOptional(Sql.DSL.selectFrom(PROMO_CODE)
                    .where(PROMO_CODE.ID.eq(released.get().getPromoCodeId())).and(USABLE).forUpdate())
                .compose(found -> use(tx, found.orElseThrow(() -> invalid("The code ended meanwhile.")),
                    released.get().getUserKey()))
                .compose(x -> tx.update(Sql.DSL.update(PROMO_USE).set(PROMO_USE.RELEASED_AT, (OffsetDateTime) null)
                    .where(PROMO_USE.BOOKING_ID.eq(bookingId))))
                .mapEmpty());
  }

  /** Whether {@code failure} is a refusal of {@link #reclaim}: the code cannot be used again. */
  static boolean refused(Throwable failure) {
    return ProblemException.is(failure, EXHAUSTED) || ProblemException.is(failure, INVALID);
  }

  /** Links the use to its booking, once the booking row exists. */
  static Future<Integer> recordUse(Sql tx, UUID bookingId, Applied applied, String userKey) {
    return tx.update(Sql.DSL.insertInto(PROMO_USE).set(PROMO_USE.BOOKING_ID, bookingId)
        .set(PROMO_USE.PROMO_CODE_ID, applied.promoCodeId()).set(PROMO_USE.USER_KEY, userKey));
  }

  /** Gives back the uses of bookings that ended before payment (expired or cancelled holds). */
  static Future<Void> release(Sql tx, List<UUID> bookingIds) {
    if (bookingIds.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.fetch(Sql.DSL.update(PROMO_USE).set(PROMO_USE.RELEASED_AT, SqlTime.now())
            .where(PROMO_USE.BOOKING_ID.in(bookingIds)).and(PROMO_USE.RELEASED_AT.isNull())
            .returning(PROMO_USE.PROMO_CODE_ID))
        .compose(released -> {
          Future<?> chain = Future.succeededFuture();
          for (var use : released) {
            chain = chain.compose(x -> tx.update(Sql.DSL.update(PROMO_CODE).set(PROMO_CODE.USES, PROMO_CODE.USES.minus(1))
                .where(PROMO_CODE.ID.eq(use.getPromoCodeId()))));
          }
          return chain.mapEmpty();
        });
  }

  /**
   * For another area's purchase (a course order): {organizationId, code, subtotal, userKey, subjectId} -> the code
   * applied and its use recorded under {@code subjectId}, in one transaction: {discountMinor}. A code tied to a
   * provider or a service does not apply. Refusals as for holds.
   */
  Future<JsonObject> redeem(JsonObject q) {
    var scope = new Scope(UUID.fromString(q.getString("organizationId")), null, null, true);
    UUID subject = UUID.fromString(q.getString("subjectId"));
    return db.transaction(tx -> apply(tx, q.getString("code"), scope, q.getLong("subtotal"), q.getString("userKey"))
        .compose(applied -> recordUse(tx, subject, applied, q.getString("userKey"))
            .map(x -> new JsonObject().put("discountMinor", applied.discount()))));
  }

  /** {subjectId}: the use of a purchase that did not happen (or was refunded) is given back. */
  Future<JsonObject> releaseFor(JsonObject q) {
    return db.transaction(tx -> release(tx, List.of(UUID.fromString(q.getString("subjectId")))))
        .map(x -> new JsonObject());
  }

  private static boolean applies(PromoCodeRecord promo, Scope slot, long subtotal) {
    return subtotal >= promo.getMinAmountMinor() && (!slot.course() || promo.getCourses())
        && (promo.getProviderId() == null || promo.getProviderId().equals(slot.providerId()))
        && (promo.getServiceId() == null || promo.getServiceId().equals(slot.serviceId()));
  }

  private static Future<Integer> perUserUses(Sql tx, PromoCodeRecord promo, String userKey) {
    return tx.fetchOne(Sql.DSL.selectCount().from(PROMO_USE).where(PROMO_USE.PROMO_CODE_ID.eq(promo.getId()))
        .and(PROMO_USE.USER_KEY.eq(userKey)).and(PROMO_USE.RELEASED_AT.isNull())).map(r -> r.value1());
  }

  private static long discount(PromoCodeRecord promo, long subtotal) {
    return promo.getKind() == PromoKind.percent ? subtotal * promo.getValue() / 100
        : Math.min(promo.getValue(), subtotal);
  }

  private static RuntimeException invalid(String detail) {
    return new Problem(Problem.TYPE_BASE + INVALID, "Promo code not valid", 422, detail,
        List.of(new Problem.FieldError("body", "promoCode", detail))).toException();
  }

  private static final String INVALID = "promo-code-invalid";

  private static OffsetDateTime time(String value) {
    return value == null ? null : OffsetDateTime.parse(value);
  }

  private static UUID uuid(String value) {
    return value == null ? null : UUID.fromString(value);
  }
}
