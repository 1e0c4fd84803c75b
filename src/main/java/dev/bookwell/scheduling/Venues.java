package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.VENUE;

import dev.bookwell.db.enums.OrgPermission;
import dev.bookwell.db.tables.records.VenueRecord;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.audit.Audit;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.api.ETags;
import dev.bookwell.platform.api.Problem;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.platform.db.SqlPatch;
import dev.bookwell.platform.db.SqlTime;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.jooq.JSONB;

/**
 * Venues after their creation: read, list, change, remove. Reading is public (a venue is where a slot happens);
 * changing needs manage_availability in the venue's organization. Removal is soft: slots and rules made with the
 * venue keep it, but nothing new can name it.
 */
final class Venues {

  private final Db db;
  private final EventBus bus;

  Venues(Db db, EventBus bus) {
    this.db = db;
    this.bus = bus;
  }

  /** GET /v1/venues/{venueId} */
  Future<ApiReply> get(ApiRequest request) {
    return find(db, venueId(request)).map(venue -> ApiReply.ok(toJson(venue)));
  }

  /** GET /v1/organizations/{organizationId}/venues: by name, keyset pages. */
  Future<ApiReply> list(ApiRequest request) {
    return new ByName<>(VENUE, VENUE.ORGANIZATION_ID, VENUE.DELETED_AT, VENUE.NAME, VENUE.ID, Venues::toJson).list(db, request);
  }


  /** PATCH /v1/venues/{venueId}: JSON merge of name, address, capacity, facilities, online; If-Match honoured. */
  Future<ApiReply> patch(ApiRequest request) {
    UUID id = venueId(request);
    JsonObject body = request.bodyObject();
    return find(db, id).compose(venue -> require(request, venue))
        .compose(x -> db.transaction(tx -> locked(tx, id).compose(venue -> {
          ETags.requireMatch(request, toJson(venue));
          var update = SqlPatch.of(VENUE, VENUE.ID)
              .merge(body, "name", VENUE.NAME, body.getString("name"))
              .merge(body, "address", VENUE.ADDRESS, body.getString("address", ""))
              .merge(body, "capacity", VENUE.CAPACITY, body.getInteger("capacity"))
              .merge(body, "facilities", VENUE.FACILITIES,
                  JSONB.valueOf(body.getJsonObject("facilities", new JsonObject()).encode()))
              .merge(body, "online", VENUE.ONLINE, body.getBoolean("online", false))
              .update();
          return tx.fetchOne(update.where(VENUE.ID.eq(id)).returning())
              .compose(Audit.after(tx, request, after -> Audit.Entry.of(venue.getOrganizationId(), "venue.updated",
                  "venue", id).before(toJson(venue)).after(toJson(after))));
        })))
        .map(venue -> ApiReply.ok(toJson(venue)));
  }

  /** DELETE /v1/venues/{venueId}: soft; what already names the venue keeps it. */
  Future<ApiReply> delete(ApiRequest request) {
    UUID id = venueId(request);
    return find(db, id).compose(venue -> require(request, venue).map(venue))
        .compose(venue -> db.transaction(tx -> tx.update(Sql.DSL.update(VENUE).set(VENUE.DELETED_AT, SqlTime.now())
                .where(VENUE.ID.eq(id)).and(VENUE.DELETED_AT.isNull()))
            .compose(x -> Audit.record(tx, request, Audit.Entry.of(venue.getOrganizationId(), "venue.deleted", "venue",
                id)))))
        .map(x -> ApiReply.noContent());
  }

  private Future<Void> require(ApiRequest request, VenueRecord venue) {
    return IdentityClient.require(bus, request.requireCaller(), venue.getOrganizationId(),
        OrgPermission.manage_availability);
  }

  static Future<VenueRecord> find(Sql sql, UUID id) {
    return sql.fetchOptional(Sql.DSL.selectFrom(VENUE).where(VENUE.ID.eq(id)).and(VENUE.DELETED_AT.isNull()))
        .map(found -> found.orElseThrow(() -> Problem.notFound("No venue " + id + ".").toException()));
  }

  private static Future<VenueRecord> locked(Sql tx, UUID id) {
    return tx.fetchOptional(Sql.DSL.selectFrom(VENUE).where(VENUE.ID.eq(id)).and(VENUE.DELETED_AT.isNull())
            .forNoKeyUpdate())
        .map(found -> found.orElseThrow(() -> Problem.notFound("No venue " + id + ".").toException()));
  }

  private static UUID venueId(ApiRequest request) {
    return UUID.fromString(request.path().getString("venueId"));
  }

  static JsonObject toJson(VenueRecord venue) {
    return new JsonObject()
        .put("id", venue.getId().toString())
        .put("organizationId", venue.getOrganizationId().toString())
        .put("name", venue.getName())
        .put("address", venue.getAddress())
        .put("capacity", venue.getCapacity())
        .put("facilities", new JsonObject(venue.getFacilities().data()))
        .put("online", venue.getOnline());
  }
}
