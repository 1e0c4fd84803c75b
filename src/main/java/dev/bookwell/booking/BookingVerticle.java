package dev.bookwell.booking;

import dev.bookwell.payments.PaymentsClient;
import dev.bookwell.platform.Platform;
import dev.bookwell.platform.Rounds;
import dev.bookwell.scheduling.SchedulingClient;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import dev.bookwell.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/** The booking area: holds, the booking lifecycle and reads. The HTTP edge only translates to and from it. */
public final class BookingVerticle extends VerticleBase {

  public static final String API = "booking.api";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BookingVerticle.class);

  private final Platform platform;
  private long releaseTimer = -1;
  private long waitlistTimer = -1;
  private long reactionTimer = -1;

  public BookingVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var bus = vertx.eventBus();
    var paymentsClient = new PaymentsClient(bus);
    var lifecycle = new Lifecycle(db, bus, paymentsClient);
    var reads = new BookingReads(db, bus, platform.jwtKeys().tokenKey());
    var feeds = new CalendarFeeds(vertx, db, platform.config().mail().publicUrl());
    var payments = new PaymentRequests(db, paymentsClient, reads);
    var holds = new Holds(db, platform.config().holdTtl(), payments, platform.config().limits(),
        platform.jwtKeys().tokenKey());
    var reschedules = new Reschedules(db, bus);
    var offers = new WaitlistOffers(db, platform.config().waitlist().offerTtl());
    var waitlist = new Waitlist(db, bus, offers, payments);
    // a seat freed by a client or staff goes to the slot's line at once; other frees wait for the round
    Function<Function<ApiRequest, Future<ApiReply>>, Function<ApiRequest, Future<ApiReply>>> freeing =
        op -> request -> op.apply(request).onSuccess(reply -> offers.freed(
            UUID.fromString(((JsonObject) reply.body()).getString("slotId"))));
    var promoCodes = new PromoCodes(db, bus);
    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.ofEntries(
        Map.entry("createBooking", holds::hold),
        Map.entry("getBooking", reads::get),
        Map.entry("getBookingIcs", reads::ics),
        Map.entry("createMyCalendarFeed", feeds::createMine),
        Map.entry("revokeMyCalendarFeed", feeds::revokeMine),
        Map.entry("createProviderCalendarFeed", feeds::createProvider),
        Map.entry("revokeProviderCalendarFeed", feeds::revokeProvider),
        Map.entry("getCalendarFeed", feeds::read),
        Map.entry("listMyBookings", reads::mine),
        Map.entry("listOrganizationBookings", reads::forOrganization),
        Map.entry("cancelBooking", freeing.apply(lifecycle::cancel)),
        Map.entry("confirmBooking", lifecycle::confirm),
        Map.entry("declineBooking", freeing.apply(lifecycle::decline)),
        Map.entry("joinWaitlist", waitlist::join),
        Map.entry("getWaitlistEntry", waitlist::get),
        Map.entry("listMyWaitlist", waitlist::mine),
        Map.entry("leaveWaitlist", waitlist::leave),
        Map.entry("acceptWaitlistOffer", waitlist::accept),
        Map.entry("listSlotWaitlist", waitlist::forSlot),
        Map.entry("completeBooking", lifecycle::complete),
        Map.entry("markNoShow", lifecycle::noShow),
        Map.entry("rescheduleBooking", reschedules::reschedule),
        Map.entry("retryPayment", payments::retry),
        Map.entry("getBookingPayments", payments::ledger),
        Map.entry("simulatePaymentSuccess", request -> payments.simulate(request, "succeed")),
        Map.entry("simulatePaymentFailure", request -> payments.simulate(request, "fail")),
        Map.entry("createPromoCode", promoCodes::create),
        Map.entry("listPromoCodes", promoCodes::list),
        Map.entry("getPromoCode", promoCodes::get),
        Map.entry("deactivatePromoCode", promoCodes::deactivate));
    bus.<JsonObject>localConsumer(BookingClient.PROMO_REDEEM, message -> ApiConsumer.answer(message,
        () -> promoCodes.redeem(message.body())));
    bus.<JsonObject>localConsumer(BookingClient.PROMO_RELEASE, message -> ApiConsumer.answer(message,
        () -> promoCodes.releaseFor(message.body())));
    ApiConsumer.register(bus, API, operations);
    var departures = new Departures(db, lifecycle);
    waitlistTimer = Rounds.every(vertx, platform.config().waitlist().roundInterval(), "waitlist round",
        offers::round);
    bus.<JsonObject>localConsumer(BookingClient.WAITLIST_ROUND, message -> ApiConsumer.answer(message, offers::round));
    var reactions = new Reactions(db, offers, departures);
    Runnable react = Rounds.coalescing("booking reactions", reactions::round);
    for (String type : Reactions.TYPES) {
      bus.consumer(Outbox.address(type), message -> react.run());
    }
    reactionTimer = vertx.setPeriodic(5_000, id -> react.run());
    // Every minute: money owed back whose request never reached the payments area is asked for again, and
    // bookings that waited for confirmation too long lapse. Tests ask for a round over the bus.
    releaseTimer = Rounds.every(vertx, java.time.Duration.ofMinutes(1), "booking housekeeping",
        () -> housekeeping(lifecycle, departures));
    var delivery = new BookingDelivery(db, platform.jwtKeys().tokenKey());
    bus.<JsonObject>localConsumer(BookingClient.DELIVERY, message -> ApiConsumer.answer(message,
        () -> delivery.answer(message.body())));
    bus.<JsonObject>localConsumer(BookingClient.HOUSEKEEPING, message -> ApiConsumer.answer(message,
        () -> housekeeping(lifecycle, departures)));
    bus.<JsonObject>localConsumer(BookingClient.PAYMENT_SECURED, message -> ApiConsumer.answer(message, () -> lifecycle
        .paymentSecured(UUID.fromString(message.body().getString("bookingId")))
        .compose(secured -> secured != Lifecycle.Secured.MOVED ? Future.succeededFuture(secured)
            : Future.<Lifecycle.Secured>failedFuture(dev.bookwell.platform.api.Problem.of("booking-moved", 409,
                "Booking moved", "The booking was rescheduled; settle against the new one.").toException()))
        .compose(secured -> {
          var answer = new JsonObject().put("confirmed", secured == Lifecycle.Secured.CONFIRMED)
              .put("awaitingConfirmation", secured == Lifecycle.Secured.AWAITING_CONFIRMATION);
          // what is owed back matters only when the money cannot buy the seat: not read for every purchase
          return secured != Lifecycle.Secured.GONE ? Future.succeededFuture(answer)
              : lifecycle.owedBack(UUID.fromString(message.body().getString("bookingId")))
                  .map(percent -> answer.put("refundPercent", percent));
        })));
    return Future.succeededFuture();
  }

  private static Future<JsonObject> housekeeping(Lifecycle lifecycle, Departures departures) {
    return lifecycle.resendReleases().compose(asked -> departures.lapse()
        .map(lapsed -> new JsonObject().put("asked", asked).put("lapsed", lapsed)));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(releaseTimer);
    vertx.cancelTimer(waitlistTimer);
    vertx.cancelTimer(reactionTimer);
    return Future.succeededFuture();
  }
}
