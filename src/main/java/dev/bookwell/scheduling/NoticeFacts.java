package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.ORGANIZATION;
import static dev.bookwell.db.Tables.PROVIDER;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Record3;
import org.jooq.Record4;
import org.jooq.impl.DSL;

/**
 * The narrow call a notification sender makes about who a message is from and about: an organization's name,
 * contact and zone, a provider's account and name. Removed ones still answer (a message about a past booking names
 * its organization). Bus only, never HTTP.
 */
final class NoticeFacts {

  private NoticeFacts() {
  }

  static Future<JsonObject> answer(Db db, JsonObject question) {
    return organization(db, question.getString("organizationId"))
        .compose(organization -> provider(db, question.getString("providerId"))
            .map(provider -> new JsonObject().put("organization", organization.orElse(null))
                .put("provider", provider.orElse(null))));
  }

  // Every booking event the notifications area handles asks both: rendered once
  private static final Prepared<Record4<String, String, String, String>> ORGANIZATION_FACTS = Prepared.of(
      Sql.DSL.select(ORGANIZATION.NAME, ORGANIZATION.CONTACT_EMAIL, ORGANIZATION.CONTACT_PHONE, ORGANIZATION.TIMEZONE)
          .from(ORGANIZATION).where(ORGANIZATION.ID.eq(DSL.param("id", ORGANIZATION.ID))));
  private static final Prepared<Record3<UUID, String, String>> PROVIDER_FACTS = Prepared.of(
      Sql.DSL.select(PROVIDER.USER_ID, PROVIDER.DISPLAY_NAME, PROVIDER.TIMEZONE).from(PROVIDER)
          .where(PROVIDER.ID.eq(DSL.param("id", PROVIDER.ID))));

  private static Future<Optional<JsonObject>> organization(Db db, String id) {
    return id == null ? Future.succeededFuture(Optional.empty())
        : db.fetchOptional(ORGANIZATION_FACTS, Map.of("id", UUID.fromString(id)))
            .map(found -> found.map(r -> new JsonObject().put("name", r.value1()).put("contactEmail", r.value2())
                .put("contactPhone", r.value3()).put("timezone", r.value4())));
  }

  private static Future<Optional<JsonObject>> provider(Db db, String id) {
    return id == null ? Future.succeededFuture(Optional.empty())
        : db.fetchOptional(PROVIDER_FACTS, Map.of("id", UUID.fromString(id)))
            .map(found -> found.map(r -> new JsonObject().put("userId", r.value1().toString())
                .put("displayName", r.value2()).put("timezone", r.value3())));
  }
}
