package dev.bookwell.booking;

import dev.bookwell.platform.Platform;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.platform.api.ApiReply;
import dev.bookwell.platform.api.ApiRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.Map;
import java.util.function.Function;

/** The booking area: holds, the booking lifecycle and reads. The HTTP edge only translates to and from it. */
public final class BookingVerticle extends VerticleBase {

  public static final String API = "booking.api";

  private final Platform platform;

  public BookingVerticle(Platform platform) {
    this.platform = platform;
  }

  @Override
  public Future<?> start() {
    var db = platform.db();
    var bus = vertx.eventBus();
    var holds = new Holds(db, platform.config().holdTtl());
    var lifecycle = new Lifecycle(db, bus);
    var reads = new BookingReads(db, bus);
    var reschedules = new Reschedules(db, bus);
    Map<String, Function<ApiRequest, Future<ApiReply>>> operations = Map.ofEntries(
        Map.entry("createBooking", holds::hold),
        Map.entry("getBooking", reads::get),
        Map.entry("getBookingIcs", reads::ics),
        Map.entry("listMyBookings", reads::mine),
        Map.entry("listOrganizationBookings", reads::forOrganization),
        Map.entry("cancelBooking", lifecycle::cancel),
        Map.entry("confirmBooking", lifecycle::confirm),
        Map.entry("declineBooking", lifecycle::decline),
        Map.entry("completeBooking", lifecycle::complete),
        Map.entry("markNoShow", lifecycle::noShow),
        Map.entry("rescheduleBooking", reschedules::reschedule));
    ApiConsumer.register(bus, API, operations);
    return Future.succeededFuture();
  }
}
