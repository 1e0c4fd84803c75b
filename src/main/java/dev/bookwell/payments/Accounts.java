package dev.bookwell.payments;

import static dev.bookwell.db.Tables.ORGANIZATION_PAYMENT_ACCOUNT;
import dev.bookwell.platform.db.Prepared;
import java.util.Map;
import org.jooq.Record2;
import org.jooq.impl.DSL;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.Caller;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.PgErrors;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * Which Stripe account an organization is paid into (Stripe Connect, direct charges) and the platform's fee on it.
 * The organization's billing admins ({@code manage_billing}) onboard (the platform makes the account, naming the
 * organization in its metadata), connect it again, or disconnect it; the fee is a platform setting, changed by
 * platform admins only. Only an account made for the organization can be connected, and only to one (409).
 */
final class Accounts {

  /**
   * An organization's account (null: paid into the platform's own) and its fee override (null: the default), as
   * answered to its billing admins. A payment reads the same row in the statement that makes it ({@code Intents}).
   */
  record Account(String stripeAccount, Integer feeBps) {

    static final Account PLATFORM = new Account(null, null);
  }

  private final Db db;
  private final EventBus bus;
  private final PaymentGateway gateway;
  private final int defaultFeeBps;
  private final String publicUrl;

  Accounts(Db db, EventBus bus, PaymentGateway gateway, int defaultFeeBps, String publicUrl) {
    this.publicUrl = publicUrl;
    this.db = db;
    this.bus = bus;
    this.gateway = gateway;
    this.defaultFeeBps = defaultFeeBps;
  }

  private static Future<Account> of(Sql tx, UUID organizationId) {
    return tx.fetchOptional(ACCOUNT, Map.of("organization", organizationId))
        .map(found -> found.map(r -> new Account(r.value1(), r.value2())).orElse(Account.PLATFORM));
  }

  /** The organization's account row, read by each change of it and each answer about it. */
  private static final Prepared<Record2<String, Integer>> ACCOUNT = Prepared.of(Sql.DSL.select(
          ORGANIZATION_PAYMENT_ACCOUNT.STRIPE_ACCOUNT, ORGANIZATION_PAYMENT_ACCOUNT.APPLICATION_FEE_BPS)
      .from(ORGANIZATION_PAYMENT_ACCOUNT)
      .where(ORGANIZATION_PAYMENT_ACCOUNT.ORGANIZATION_ID.eq(DSL.param("organization",
          ORGANIZATION_PAYMENT_ACCOUNT.ORGANIZATION_ID))));

  /** GET /v1/organizations/{organizationId}/payment-account */
  Future<ApiReply> get(ApiRequest request) {
    UUID organizationId = organizationId(request);
    return billing(request, organizationId).compose(x -> answer(organizationId));
  }

  /**
   * PUT /v1/organizations/{organizationId}/payment-account {stripeAccountId}: an account the platform made for this
   * organization (its metadata names it): a billing admin elsewhere who learned the id (payers see it) cannot
   * route their organization's money into it, nor keep its owner out.
   */
  Future<ApiReply> connect(ApiRequest request) {
    UUID organizationId = organizationId(request);
    String account = request.bodyObject().getString("stripeAccountId");
    return billing(request, organizationId)
        .compose(x -> available(gateway.accountOwner(account)))
        .compose(owner -> {
          if (!owner.equals(java.util.Optional.of(organizationId.toString()))) {
            throw Problem.of("payment-account-unknown", 422, "Not this organization's account", "Stripe knows no "
                + "account " + account + " the platform made for this organization; start with POST "
                + "/v1/organizations/" + organizationId + "/payment-account/onboarding.").toException();
          }
          return save(request, organizationId, account);
        })
        .compose(x -> answer(organizationId));
  }

  /**
   * POST .../payment-account/onboarding: the organization's own Stripe account (Express), made once and connected,
   * and a one-time link where its people give Stripe their details. Asking again gives a fresh link to the same
   * account.
   */
  Future<ApiReply> onboard(ApiRequest request) {
    UUID organizationId = organizationId(request);
    String returnUrl = publicUrl + "/v1/organizations/" + organizationId + "/payment-account";
    return billing(request, organizationId)
        .compose(x -> db.transaction(tx -> of(tx, organizationId)))
        .compose(current -> current.stripeAccount() != null ? Future.succeededFuture(current.stripeAccount())
            : available(gateway.createAccount(organizationId, "account-" + organizationId))
                .compose(made -> save(request, organizationId, made).map(made)))
        .compose(account -> available(gateway.onboardingLink(account, returnUrl)))
        .compose(link -> answer(organizationId).map(reply -> {
          ((JsonObject) reply.body()).put("onboardingUrl", link);
          return reply;
        }));
  }

  /** Connects the account (audited); 409 when another organization has it. */
  private Future<Void> save(ApiRequest request, UUID organizationId, String account) {
    UUID by = request.requireCaller().userId();
    return db.transaction(tx -> of(tx, organizationId).compose(before -> tx.update(Sql.DSL
                .insertInto(ORGANIZATION_PAYMENT_ACCOUNT).set(ORGANIZATION_PAYMENT_ACCOUNT.ORGANIZATION_ID, organizationId)
                .set(ORGANIZATION_PAYMENT_ACCOUNT.STRIPE_ACCOUNT, account)
                .set(ORGANIZATION_PAYMENT_ACCOUNT.CONNECTED_BY, by)
                .onConflict(ORGANIZATION_PAYMENT_ACCOUNT.ORGANIZATION_ID).doUpdate()
                .set(ORGANIZATION_PAYMENT_ACCOUNT.STRIPE_ACCOUNT, account)
                .set(ORGANIZATION_PAYMENT_ACCOUNT.CONNECTED_BY, by)
                .set(ORGANIZATION_PAYMENT_ACCOUNT.UPDATED_AT, SqlTime.now()))
            .compose(y -> audit(tx, request, organizationId, "payment_account.connected", before.stripeAccount(),
                account))))
        .recover(e -> Future.failedFuture(PgErrors.is(e, PgErrors.UNIQUE) ? Problem.of("payment-account-taken", 409,
            "Account taken", "This Stripe account is connected to another organization.").toException() : e));
  }

  /** Stripe unreachable or failing is a 503 the client may retry, not a 500. */
  private static <T> Future<T> available(Future<T> call) {
    return call.recover(e -> Future.failedFuture(e instanceof StripeGateway.GatewayException
        ? Problem.of("payment-provider-unavailable", 503, "Payment provider unavailable", "Stripe could not be "
            + "reached or refused the request; try again in a moment.").retryAfter(30).toException() : e));
  }

  /** DELETE .../payment-account: new payments go to the platform's account; ones made keep theirs. */
  Future<ApiReply> disconnect(ApiRequest request) {
    UUID organizationId = organizationId(request);
    return billing(request, organizationId)
        .compose(x -> db.transaction(tx -> of(tx, organizationId).compose(before -> before.stripeAccount() == null
            ? Future.<Void>succeededFuture()
            : tx.update(Sql.DSL.update(ORGANIZATION_PAYMENT_ACCOUNT)
                    .setNull(ORGANIZATION_PAYMENT_ACCOUNT.STRIPE_ACCOUNT)
                    .set(ORGANIZATION_PAYMENT_ACCOUNT.UPDATED_AT, SqlTime.now())
                    .where(ORGANIZATION_PAYMENT_ACCOUNT.ORGANIZATION_ID.eq(organizationId)))
                .compose(y -> audit(tx, request, organizationId, "payment_account.disconnected",
                    before.stripeAccount(), null)))))
        .compose(x -> answer(organizationId));
  }

  /** PUT /v1/admin/organizations/{organizationId}/application-fee {bps}: platform admins; null: the default. */
  Future<ApiReply> setFee(ApiRequest request) {
    Caller caller = request.requireCaller();
    if (!caller.isAdmin()) {
      throw Problem.forbidden("Only platform admins set application fees.").toException();
    }
    UUID organizationId = organizationId(request);
    Integer bps = request.bodyObject().getInteger("bps");
    return db.transaction(tx -> tx.update(Sql.DSL.insertInto(ORGANIZATION_PAYMENT_ACCOUNT)
                .set(ORGANIZATION_PAYMENT_ACCOUNT.ORGANIZATION_ID, organizationId)
                .set(ORGANIZATION_PAYMENT_ACCOUNT.APPLICATION_FEE_BPS, bps)
                .onConflict(ORGANIZATION_PAYMENT_ACCOUNT.ORGANIZATION_ID).doUpdate()
                .set(ORGANIZATION_PAYMENT_ACCOUNT.APPLICATION_FEE_BPS, bps)
                .set(ORGANIZATION_PAYMENT_ACCOUNT.UPDATED_AT, SqlTime.now()))
            .compose(x -> Audit.record(tx, request, Audit.Entry.of(organizationId, "payment_account.fee_set",
                "organization", organizationId).after(new JsonObject().put("bps", bps)))))
        .recover(e -> Future.failedFuture(PgErrors.is(e, PgErrors.FOREIGN_KEY)
            ? Problem.notFound("No organization " + organizationId + ".").toException() : e))
        .compose(x -> answer(organizationId));
  }

  private Future<ApiReply> answer(UUID organizationId) {
    return db.transaction(tx -> of(tx, organizationId)).map(account -> ApiReply.ok(new JsonObject()
        .put("organizationId", organizationId.toString()).put("stripeAccountId", account.stripeAccount())
        .put("applicationFeeBps", account.feeBps() != null ? account.feeBps() : defaultFeeBps)
        .put("feeIsDefault", account.feeBps() == null)));
  }

  private static Future<Void> audit(Sql tx, ApiRequest request, UUID organizationId, String action, String before,
                                    String after) {
    return Audit.record(tx, request, Audit.Entry.of(organizationId, action, "organization", organizationId)
        .before(new JsonObject().put("stripeAccountId", before)).after(new JsonObject().put("stripeAccountId", after)));
  }

  /** The organization's billing admins; anyone else 404, as if the organization's settings did not exist. */
  private Future<Void> billing(ApiRequest request, UUID organizationId) {
    return IdentityClient.require(bus, request.requireCaller(), organizationId, OrgPermission.manage_billing)
        .recover(dev.bookwell.platform.api.ProblemException.forbiddenAsNotFound(() -> Problem.notFound(
            "No organization " + organizationId + ".").toException()))
        .mapEmpty();
  }

  private static UUID organizationId(ApiRequest request) {
    return UUID.fromString(request.path().getString("organizationId"));
  }
}
