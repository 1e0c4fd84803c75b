package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.db.Tables.PROVIDER_ORGANIZATION;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.ProviderLinkStatus;
import dev.bookwell.db.enums.SeatState;
import dev.bookwell.db.tables.records.BookingRecord;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A paid hold's confirmation without a transaction ({@link Promotion#confirmHeld}): it promotes only the version of
 * the booking its event was written from (also when the change comes while it waits for the lock), all of it or
 * nothing (a seat, the provider or the hold's time gone: nothing written), and once however many race for it.
 */
class PromotionTest {

  static TestApp app;
  static World world;
  static String service;
  static int sessions;

  @BeforeAll
  static void start() {
    // the outbox relay idle after startup: a page waiting on its booking hears of its confirmation from that alone
    app = TestApp.start("openapi.yaml", java.util.Map.of("BOOKWELL_OUTBOX_POLL_INTERVAL", "1h"));
    world = new World(app, "UTC");
    service = world.service(new JsonObject().put("name", "Class").put("priceMinor", 5000).put("seatsPerSlot", 4));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aHoldChangedSinceItWasReadIsNotPromotedAndRacingPromotionsConfirmItOnce() {
    var booking = held(2);
    UUID id = booking.getId();

    String read = version(id);
    // any write since the read (here one that changes no value) makes a new version of the row
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.SEATS, BOOKING.SEATS).where(BOOKING.ID.eq(id))));
    assertFalse(Wait.on(Promotion.confirmHeld(app.db, booking, read)), "an older version is not promoted");
    assertUntouched(id, 2);

    String now = version(id);
    var racing = IntStream.range(0, 8).mapToObj(i -> Promotion.confirmHeld(app.db, booking, now)).toList();
    Wait.on(Future.join(racing));
    assertEquals(1, racing.stream().filter(Future::result).count(), "promoted by one of them");
    assertEquals(BookingStatus.confirmed, Wait.on(app.db.fetchOne(Sql.DSL.select(BOOKING.STATUS).from(BOOKING)
        .where(BOOKING.ID.eq(id)))).value1());
    assertEquals(2, seats(id, SeatState.booked), "both seats booked");
    assertEquals(1, confirmations(id), "one event");
  }

  @Test
  void aHoldIsNotPromotedWhenItChangesWhileThePromotionWaitsForItsLock() {
    var booking = held(2);
    UUID id = booking.getId();
    String read = version(id);
    // another transaction changes the booking and keeps it locked until the promotion waits for it
    var updated = io.vertx.core.Promise.<Void>promise();
    var changing = app.db.transaction(tx -> tx.update(Sql.DSL.update(BOOKING).set(BOOKING.SEATS, BOOKING.SEATS)
        .where(BOOKING.ID.eq(id))).onSuccess(x -> updated.complete()).compose(x -> app.vertx.timer(2000)));
    changing.onFailure(updated::tryFail);
    Wait.on(updated.future());  // the row is locked now, whatever the machine's pace
    assertFalse(Wait.on(Promotion.confirmHeld(app.db, booking, read)), "the version it waited for is gone");
    Wait.on(changing);
    assertUntouched(id, 2);
  }

  @Test
  void aHoldThatLostASeatItsProviderOrItsTimeIsNotPromotedAndKeepsWhatItHad() {
    var seatLost = held(2);
    long lostSeat = Wait.on(app.db.fetchOne(Sql.DSL.select(SEAT.ID).from(SEAT).where(SEAT.BOOKING_ID
        .eq(seatLost.getId())).limit(1))).value1();
    Wait.on(app.db.update(Sql.DSL.update(SEAT).setNull(SEAT.BOOKING_ID).set(SEAT.STATE, SeatState.free)
        .setNull(SEAT.HELD_UNTIL).where(SEAT.ID.eq(lostSeat))));
    assertFalse(Wait.on(Promotion.confirmHeld(app.db, seatLost, version(seatLost.getId()))));
    assertUntouched(seatLost.getId(), 1);

    var runOut = held(2);
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.HOLD_EXPIRES_AT, OffsetDateTime.now().minusSeconds(1))
        .where(BOOKING.ID.eq(runOut.getId()))));
    assertFalse(Wait.on(Promotion.confirmHeld(app.db, runOut, version(runOut.getId()))));
    assertUntouched(runOut.getId(), 2);

    String leaving = world.newActiveProvider(world.userToken(), "UTC", List.of(), List.of());
    var providerLeft = held(2, world.session(service, leaving, at(4), 4));
    Wait.on(app.db.update(Sql.DSL.update(PROVIDER_ORGANIZATION).set(PROVIDER_ORGANIZATION.STATUS,
        ProviderLinkStatus.ended).where(PROVIDER_ORGANIZATION.PROVIDER_ID.eq(UUID.fromString(leaving)))));
    assertFalse(Wait.on(Promotion.confirmHeld(app.db, providerLeft, version(providerLeft.getId()))));
    assertUntouched(providerLeft.getId(), 2);
  }

  /**
   * The guest's page waiting on its booking (a long poll with its ETag) is answered with the confirmation when the
   * payment secures it, though the outbox relay, which tells every other change, is idle within the test: a hold
   * that stands (confirmed without a transaction) and a hold whose time ran out with its seat still free (taken
   * again in the locked path).
   */
  @Test
  void aPageWaitingOnItsBookingHearsOfItsConfirmationAtOnce() {
    answeredWhenSecured(held(1));
    var late = held(1);
    var past = OffsetDateTime.now().minusSeconds(1);
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.HOLD_EXPIRES_AT, past)
        .where(BOOKING.ID.eq(late.getId()))));
    Wait.on(app.db.update(Sql.DSL.update(SEAT).set(SEAT.HELD_UNTIL, past).where(SEAT.BOOKING_ID.eq(late.getId()))));
    answeredWhenSecured(late);
  }

  private static void answeredWhenSecured(BookingRecord booking) {
    var first = Wait.on(read(booking.getId(), null));
    assertEquals(200, first.statusCode());
    var waiting = read(booking.getId(), first.getHeader("ETag"));
    Wait.on(app.vertx.timer(300));  // waiting by now: a read after the confirmation would see it without being told
    assertFalse(waiting.isComplete(), "nothing changed yet");
    assertTrue(Wait.on(BookingClient.paymentSecured(app.vertx.eventBus(), booking.getId())).getBoolean("confirmed"));
    var answer = Wait.on(waiting, 10);
    assertEquals(200, answer.statusCode());
    assertEquals("confirmed", answer.bodyAsJsonObject().getString("status"));
  }

  private static io.vertx.core.Future<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>> read(
      UUID id, String etag) {
    var get = app.client.get("/v1/bookings/" + id).putHeader("Authorization", "Bearer " + world.owner);
    if (etag != null) {
      get.putHeader("If-None-Match", etag).putHeader("Prefer", "wait=30");
    }
    return get.send();
  }

  /** Still held with {@code seats} seats held, none booked, and no event of a confirmation. */
  private static void assertUntouched(UUID id, int seats) {
    assertEquals(BookingStatus.held, Wait.on(app.db.fetchOne(Sql.DSL.select(BOOKING.STATUS).from(BOOKING)
        .where(BOOKING.ID.eq(id)))).value1());
    assertEquals(seats, seats(id, SeatState.held), "its seats stay held");
    assertEquals(0, seats(id, SeatState.booked), "none booked");
    assertEquals(0, confirmations(id), "no event");
  }

  private static BookingRecord held(int seats) {
    // each session at a time of its own: a provider has one session of a service at a time
    return held(seats, world.session(service, world.providerId, at(3).plusMinutes(37L * sessions++), 4));
  }

  private static BookingRecord held(int seats, String slot) {
    var held = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot).put("seats", seats),
        world.userToken());
    assertEquals(201, held.statusCode(), held.bodyAsString());
    UUID id = UUID.fromString(held.bodyAsJsonObject().getString("id"));
    return Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(BOOKING).where(BOOKING.ID.eq(id))));
  }

  private static String version(UUID id) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(DSL.field("xmin::text", String.class)).from(BOOKING)
        .where(BOOKING.ID.eq(id)))).value1();
  }

  private static int seats(UUID id, SeatState state) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(SEAT).where(SEAT.BOOKING_ID.eq(id))
        .and(SEAT.STATE.eq(state)))).value1();
  }

  private static int confirmations(UUID id) {
    return Wait.on(app.db.fetchOne(Sql.DSL.selectCount().from(OUTBOX_EVENT)
        .where(OUTBOX_EVENT.AGGREGATE_ID.eq(id.toString())).and(OUTBOX_EVENT.TYPE.eq("booking.confirmed")))).value1();
  }
}
