package dev.bookwell.booking;

import dev.bookwell.db.tables.records.OutboxEventRecord;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.outbox.OutboxConsumer;
import dev.bookwell.identity.IdentityClient;
import dev.bookwell.scheduling.SchedulingClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * What the booking area does about the scheduling area's events: a slot's capacity changed (its waitlist is
 * served), a provider left an organization ({@link Departures}); and about identity's: an account deleted or
 * deactivated loses its calendar feeds. Each event is handled for the whole cluster, not
 * once per node: {@link OutboxConsumer} records it in {@code consumed_event}, and an event whose handling failed, or
 * whose node died meanwhile, is tried again by the next round on any node. The bus event only starts a round at once
 * instead of at the next tick. The effects run before the event is recorded (they ask other areas and take
 * transactions of their own), so they are at least once: both are safe to repeat (a serve under the slot's try-lock,
 * transitions from an expected status), and rounds of two nodes racing on one event do no harm. A serve that
 * another transaction held the lock for is left to the waitlist's own round (every 10 s).
 */
final class Reactions {

  static final List<String> TYPES = List.of(SchedulingClient.SLOT_CAPACITY_CHANGED,
      SchedulingClient.PROVIDER_LINK_ENDED, IdentityClient.USER_DELETED, IdentityClient.USER_DEACTIVATED);

  private final OutboxConsumer events;
  private final WaitlistOffers offers;
  private final Departures departures;

  private final Db db;

  Reactions(Db db, WaitlistOffers offers, Departures departures) {
    this.db = db;
    this.events = new OutboxConsumer(db, "booking", TYPES, Duration.ofDays(1), 100);
    this.offers = offers;
    this.departures = departures;
  }

  /** One round; gives how many events it handled. */
  Future<Integer> round() {
    return events.round(event -> act(event).map(done -> tx -> Future.<Void>succeededFuture()));
  }

  private Future<?> act(OutboxEventRecord event) {
    var payload = new JsonObject(event.getPayload().data());
    return switch (event.getType()) {
      case SchedulingClient.SLOT_CAPACITY_CHANGED -> offers.serve(UUID.fromString(payload.getString("slotId")));
      case SchedulingClient.PROVIDER_LINK_ENDED -> departures.providerLeft(payload);
      // an account that can no longer sign in has no calendar feed either (its secret address went on working)
      default -> CalendarFeeds.revokeAllOf(db, UUID.fromString(payload.getString("userId")));
    };
  }
}
