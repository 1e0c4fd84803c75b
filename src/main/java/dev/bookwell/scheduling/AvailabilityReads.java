package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.AVAILABILITY_EXCEPTION;
import static dev.bookwell.db.Tables.AVAILABILITY_RULE;

import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.UUID;

/**
 * A provider's weekly hours and exceptions for one organization, for whoever may change them (the provider, or the
 * organization's staff with manage_availability). Both are bounded: a week has few rules, and exceptions are
 * listed from a date for at most a year.
 */
final class AvailabilityReads {

  private final Db db;
  private final Availability availability;

  AvailabilityReads(Db db, Availability availability) {
    this.db = db;
    this.availability = availability;
  }

  /** GET /v1/providers/{providerId}/availability?organizationId= */
  Future<ApiReply> rules(ApiRequest request) {
    UUID providerId = UUID.fromString(request.path().getString("providerId"));
    UUID organizationId = UUID.fromString(request.query().getString("organizationId"));
    return availability.authorize(request, providerId, organizationId)
        .compose(x -> db.fetch(Sql.DSL.selectFrom(AVAILABILITY_RULE)
            .where(AVAILABILITY_RULE.PROVIDER_ID.eq(providerId))
            .and(AVAILABILITY_RULE.ORGANIZATION_ID.eq(organizationId))
            .orderBy(AVAILABILITY_RULE.WEEKDAY, AVAILABILITY_RULE.START_TIME, AVAILABILITY_RULE.ID)))
        .map(rows -> {
          var rules = new JsonArray();
          rows.forEach(r -> rules.add(new JsonObject()
              .put("id", r.getId().toString())
              .put("weekday", r.getWeekday())
              .put("start", r.getStartTime().toString())
              .put("end", r.getEndTime().toString())
              .put("serviceIds", ids(r.getServiceIds()))
              .put("venueId", r.getVenueId() == null ? null : r.getVenueId().toString())));
          return ApiReply.ok(new JsonObject().put("organizationId", organizationId.toString()).put("rules", rules));
        });
  }

  /** GET /v1/providers/{providerId}/exceptions?organizationId=&from=: a year of them at most, by day. */
  Future<ApiReply> exceptions(ApiRequest request) {
    UUID providerId = UUID.fromString(request.path().getString("providerId"));
    UUID organizationId = UUID.fromString(request.query().getString("organizationId"));
    LocalDate from;
    try {
      from = request.query().getString("from") == null ? LocalDate.now().minusDays(1)
          : LocalDate.parse(request.query().getString("from"));
    } catch (java.time.format.DateTimeParseException e) {
      throw dev.bookwell.platform.api.Problem.invalid("query", "from", "is not a date, e.g. 2026-12-01").toException();
    }
    return availability.authorize(request, providerId, organizationId)
        .compose(x -> db.fetch(Sql.DSL.selectFrom(AVAILABILITY_EXCEPTION)
            .where(AVAILABILITY_EXCEPTION.PROVIDER_ID.eq(providerId))
            .and(AVAILABILITY_EXCEPTION.ORGANIZATION_ID.eq(organizationId)
                .or(AVAILABILITY_EXCEPTION.ORGANIZATION_ID.isNull()))
            .and(AVAILABILITY_EXCEPTION.DAY.between(from, from.plusYears(1)))
            .orderBy(AVAILABILITY_EXCEPTION.DAY, AVAILABILITY_EXCEPTION.START_TIME, AVAILABILITY_EXCEPTION.ID)))
        .map(rows -> {
          var items = new JsonArray();
          rows.forEach(r -> items.add(new JsonObject()
              .put("id", r.getId().toString())
              .put("organizationId", r.getOrganizationId() == null ? null : r.getOrganizationId().toString())
              .put("date", r.getDay().toString())
              .put("start", r.getStartTime() == null ? null : r.getStartTime().toString())
              .put("end", r.getEndTime() == null ? null : r.getEndTime().toString())
              .put("serviceIds", r.getServiceIds() == null ? new JsonArray() : ids(r.getServiceIds()))
              .put("venueId", r.getVenueId() == null ? null : r.getVenueId().toString())));
          return ApiReply.ok(new JsonObject().put("items", items));
        });
  }

  private static JsonArray ids(UUID[] ids) {
    return new JsonArray(Arrays.stream(ids).map(UUID::toString).toList());
  }
}
