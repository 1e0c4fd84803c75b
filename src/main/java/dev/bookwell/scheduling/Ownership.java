package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SERVICE;

import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * "Is this service, this provider, the organization's own?" for other areas (e.g. a promo code restricted to a
 * service), answered by the scheduling area over the bus. A service belongs to one organization; a provider
 * belongs to every organization whose request they accepted. Anything else is 404 with the field named.
 */
final class Ownership {

  private Ownership() {
  }

  /** The answer, run by the scheduling area: {@code {notOurs: null | "serviceId" | "providerId"}}. */
  static Future<JsonObject> answer(Sql sql, JsonObject question) {
    UUID organizationId = UUID.fromString(question.getString("organizationId"));
    String service = question.getString("serviceId");
    String provider = question.getString("providerId");
    Future<Boolean> serviceOk = service == null ? Future.succeededFuture(true)
        : sql.fetchOptional(Sql.DSL.selectOne().from(SERVICE).where(SERVICE.ID.eq(UUID.fromString(service)))
            .and(SERVICE.ORGANIZATION_ID.eq(organizationId)).and(SERVICE.DELETED_AT.isNull())).map(r -> r.isPresent());
    return serviceOk.compose(ok -> !ok ? Future.succeededFuture(new JsonObject().put("notOurs", "serviceId"))
        : provider == null ? Future.succeededFuture(new JsonObject().putNull("notOurs"))
        : sql.fetchOptional(Sql.DSL.selectOne().from(PROVIDER_ORGANIZATION)
                .where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(UUID.fromString(provider)))
                .and(PROVIDER_ORGANIZATION.ORGANIZATION_ID.eq(organizationId))
                .and(PROVIDER_ORGANIZATION.STATUS.eq(ProviderLinkStatus.active)))
            .map(r -> r.isPresent() ? new JsonObject().putNull("notOurs") : new JsonObject().put("notOurs",
                "providerId")));
  }
}
