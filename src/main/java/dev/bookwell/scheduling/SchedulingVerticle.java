package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.PROVIDER;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;

import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.enums.ProviderStatus;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.Rounds;
import java.time.Duration;
import dev.bookwell.reviews.ReviewsClient;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.db.Lane;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduling area: organizations, providers, venues, services, availability, and the slots and seats the
 * booking area reserves. An hourly round extends every active provider's slots to the rolling horizon.
 */
public final class SchedulingVerticle extends VerticleBase {

  public static final String API = "scheduling.api";
  private static final Logger LOG = LoggerFactory.getLogger(SchedulingVerticle.class);

  private final Platform platform;
  private long horizonTimer = -1;
  private long ratingTimer = -1;
  private long requirementTimer = -1;
  private long calendarTimer = -1;
  private io.vertx.core.http.HttpClient calendarHttp;
  private io.vertx.core.WorkerExecutor calendarResolver;
  private Regeneration regeneration;

  public SchedulingVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var bus = vertx.eventBus();
    var organizations = new Organizations(db, bus);
    regeneration = new Regeneration(vertx, platform.config().limits());
    var providers = new Providers(db, regeneration);
    var links = new ProviderLinks(db, bus);
    var availability = new Availability(db, bus, regeneration);
    var search = new SlotSearch(db, searchLane(platform.config()));
    var venues = new Venues(db, bus);
    var services = new Services(db, bus);
    var availabilityReads = new AvailabilityReads(db, availability);

    var requirements = new Requirements(db, vertx.eventBus());
    var documents = new Documents(db, vertx.eventBus());
    // calendars are fetched with redirects not followed (a 3xx is an answer, not a way around the address check)
    calendarHttp = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setConnectTimeout((int) CalendarPolls.TIMEOUT.toMillis()), new io.vertx.core.http.PoolOptions()
        .setHttp1MaxSize(4));
    calendarResolver = vertx.createSharedWorkerExecutor("bookwell-calendar", 2);  // DNS and parsing: never more
    var calendarConfig = platform.config().calendarImport();
    var polls = new CalendarPolls(db, vertx, calendarHttp, calendarResolver, regeneration, calendarConfig);
    var calendars = new CalendarImports(db, calendarResolver, polls, regeneration, calendarConfig);
    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.ofEntries(
        Map.entry("createOrganization", organizations::create),
        Map.entry("getOrganization", organizations::get),
        Map.entry("patchOrganization", organizations::patch),
        Map.entry("deleteOrganization", organizations::delete),
        Map.entry("listVenues", venues::list),
        Map.entry("getVenue", venues::get),
        Map.entry("patchVenue", venues::patch),
        Map.entry("deleteVenue", venues::delete),
        Map.entry("listServices", services::list),
        Map.entry("getService", services::get),
        Map.entry("patchService", services::patch),
        Map.entry("getAvailability", availabilityReads::rules),
        Map.entry("listAvailabilityExceptions", availabilityReads::exceptions),
        Map.entry("deleteAvailabilityException", availability::deleteException),
        Map.entry("deleteAvailabilityRule", availability::deleteRule),
        Map.entry("getSlot", search::get),
        Map.entry("createVenue", organizations::createVenue),
        Map.entry("createService", organizations::createService),
        Map.entry("deleteService", organizations::deleteService),
        Map.entry("linkProvider", links::request),
        Map.entry("endProviderLink", links::end),
        Map.entry("listOrganizationProviders", links::forOrganization),
        Map.entry("listProviderOrganizations", links::forProvider),
        Map.entry("acceptProviderLink", links::accept),
        Map.entry("declineProviderLink", links::decline),
        Map.entry("createProvider", providers::create),
        Map.entry("listProviders", providers::list),
        Map.entry("getProvider", providers::get),
        Map.entry("patchProvider", providers::patch),
        Map.entry("approveProvider", providers::approve),
        Map.entry("rejectProvider", providers::reject),
        Map.entry("activateProvider", providers::activate),
        Map.entry("suspendProvider", providers::suspend),
        Map.entry("putAvailability", availability::putRules),
        Map.entry("addAvailabilityException", availability::addException),
        Map.entry("createSession", availability::createSession),
        Map.entry("setSlotCapacity", availability::setCapacity),
        Map.entry("cancelSlot", availability::cancelSlot),
        Map.entry("searchSlots", search::search),
        Map.entry("createRequirementType", requirements::create),
        Map.entry("createOrganizationRequirementType", requirements::create),
        Map.entry("listRequirementTypes", requirements::list),
        Map.entry("uploadProviderDocument", documents::upload),
        Map.entry("listProviderDocuments", documents::list),
        Map.entry("getDocumentContent", documents::content),
        Map.entry("reviewDocument", documents::review),
        Map.entry("createCalendarImport", calendars::create),
        Map.entry("listCalendarImports", calendars::list),
        Map.entry("refreshCalendarImport", calendars::refresh),
        Map.entry("deleteCalendarImport", calendars::delete));
    ApiConsumer.register(bus, API, operations);
    bus.<JsonObject>localConsumer(SchedulingClient.OWNS, message -> ApiConsumer.answer(message,
        () -> Ownership.answer(db, message.body())));
    bus.<JsonObject>localConsumer(SchedulingClient.NOTICE_FACTS, message -> ApiConsumer.answer(message,
        () -> NoticeFacts.answer(db, message.body())));

    // hourly for the whole cluster: every node looks every 5 minutes, the one that takes the lease walks
    horizonTimer = Rounds.every(vertx, Duration.ofMinutes(5), "extending the horizon", () -> dev.bookwell.platform
        .db.Leases.take(db, "horizon", Duration.ofHours(1))
        .compose(mine -> mine ? extendHorizon() : Future.succeededFuture(0)));
    var ratings = new ReviewsClient.Follower(db, "provider", (tx, rating) -> tx.update(Sql.DSL.update(PROVIDER)
        .set(PROVIDER.RATING_AVERAGE, rating.average()).set(PROVIDER.RATING_COUNT, rating.count())
        .set(PROVIDER.RATING_REVISION, rating.revision()).where(PROVIDER.ID.eq(rating.subjectId()))
        .and(PROVIDER.RATING_REVISION.lt(rating.revision()))));
    Duration poll = platform.config().mail().pollInterval();
    ratingTimer = Rounds.every(vertx, poll, "copying provider ratings", ratings::round);
    // requirements on their own, less often: a lapse a few poll intervals late is fine, a scan every one is not
    requirementTimer = Rounds.every(vertx, poll.multipliedBy(15), "checking requirements", requirements::round);
    // each calendar is polled every interval; the round looks for due ones more often, to spread them out
    calendarTimer = Rounds.every(vertx, calendarConfig.interval().compareTo(Duration.ofMinutes(1)) < 0
        ? calendarConfig.interval() : Duration.ofMinutes(1), "polling calendars", polls::round);
    bus.<JsonObject>localConsumer(SchedulingClient.CALENDAR_ROUND, message -> ApiConsumer.answer(message, polls::round));
    return platform.config().demoData() ? DemoData.seed(db, bus, regeneration) : Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(horizonTimer);
    vertx.cancelTimer(ratingTimer);
    vertx.cancelTimer(requirementTimer);
    vertx.cancelTimer(calendarTimer);
    calendarResolver.close();
    return calendarHttp.close();
  }

  /**
   * Adds the slots that came into the horizon since the last round, for every active provider in every
   * organization they work for, one transaction each; idempotent, safe on several instances. An organization at
   * its limit gets no more (logged).
   */
  Future<Integer> extendHorizon() {
    var db = platform.db();
    return db.fetch(Sql.DSL.select(PROVIDER_ORGANIZATION.PROVIDER_ID, PROVIDER_ORGANIZATION.ORGANIZATION_ID)
            .from(PROVIDER_ORGANIZATION).join(PROVIDER).on(PROVIDER.ID.eq(PROVIDER_ORGANIZATION.PROVIDER_ID))
            .where(PROVIDER.STATUS.eq(ProviderStatus.active)).and(PROVIDER.DELETED_AT.isNull())
            .and(PROVIDER_ORGANIZATION.STATUS.eq(ProviderLinkStatus.active)))
        .compose(links -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var link : links) {
            chain = chain.compose(total -> db.transaction(tx -> regeneration.addMissing(tx, link.value1(),
                    link.value2()))
                .recover(e -> {
                  LOG.warn("extending the horizon of provider {} in {} failed: {}", link.value1(), link.value2(),
                      e.getMessage());
                  return Future.succeededFuture(0);
                })
                .map(added -> total + added));
          }
          return chain;
        })
        .onFailure(e -> LOG.warn("extending the slot horizon failed", e));
  }

  /**
   * The searches' lane: at most half the pool's connections (the rest stay for holds and bookings), and a search
   * waits for its turn no longer than it would for a connection.
   */
  private static Lane searchLane(dev.bookwell.platform.config.Config config) {
    var limits = config.limits();
    int width = Math.min(limits.searchConcurrency(), Math.max(1, config.dbPoolSize() / 2));
    return new Lane(width, limits.searchQueue(), limits.dbConnectionTimeout());
  }
}
