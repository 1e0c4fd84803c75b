package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.PROVIDER;

import dev.bookwell.db.enums.ProviderStatus;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
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

  public SchedulingVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var bus = vertx.eventBus();
    var organizations = new Organizations(db, bus);
    var providers = new Providers(db);
    var availability = new Availability(db, bus);
    var search = new SlotSearch(db);

    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.ofEntries(
        Map.entry("createOrganization", organizations::create),
        Map.entry("getOrganization", organizations::get),
        Map.entry("createVenue", organizations::createVenue),
        Map.entry("createService", organizations::createService),
        Map.entry("deleteService", organizations::deleteService),
        Map.entry("linkProvider", organizations::linkProvider),
        Map.entry("createProvider", providers::create),
        Map.entry("listProviders", providers::list),
        Map.entry("getProvider", providers::get),
        Map.entry("approveProvider", providers::approve),
        Map.entry("rejectProvider", providers::reject),
        Map.entry("activateProvider", providers::activate),
        Map.entry("suspendProvider", providers::suspend),
        Map.entry("putAvailability", availability::putRules),
        Map.entry("addAvailabilityException", availability::addException),
        Map.entry("createSession", availability::createSession),
        Map.entry("setSlotCapacity", availability::setCapacity),
        Map.entry("cancelSlot", availability::cancelSlot),
        Map.entry("searchSlots", search::search));
    ApiConsumer.register(bus, API, operations);

    horizonTimer = vertx.setPeriodic(3_600_000, id -> extendHorizon());
    return platform.config().demoData() ? DemoData.seed(db, bus) : Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(horizonTimer);
    return Future.succeededFuture();
  }

  /** Adds the slots that came into the horizon since the last round; idempotent, safe on several instances. */
  Future<Integer> extendHorizon() {
    var db = platform.db();
    return db.fetch(Sql.DSL.select(PROVIDER.ID).from(PROVIDER)
            .where(PROVIDER.STATUS.in(ProviderStatus.approved, ProviderStatus.active))
            .and(PROVIDER.DELETED_AT.isNull()))
        .compose(providers -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var provider : providers) {
            chain = chain.compose(total -> db.transaction(tx -> Slots.addMissing(tx, provider.value1()))
                .map(added -> total + added));
          }
          return chain;
        })
        .onFailure(e -> LOG.warn("extending the slot horizon failed", e));
  }
}
