package dev.bookwell.booking;

import static dev.bookwell.db.Tables.BOOKING;
import static dev.bookwell.db.Tables.OUTBOX_EVENT;
import static dev.bookwell.db.Tables.SEAT;
import static dev.bookwell.scheduling.World.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.bookwell.db.enums.BookingStatus;
import dev.bookwell.db.enums.SeatState;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.stream.IntStream;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A paid hold's confirmation without a transaction ({@link Promotion#confirmHeld}): it promotes only the version of
 * the booking its event was written from, all of it or nothing, and once however many race for it.
 */
class PromotionTest {

  static TestApp app;
  static World world;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    world = new World(app, "UTC");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aHoldChangedSinceItWasReadIsNotPromotedAndRacingPromotionsConfirmItOnce() {
    String priced = world.service(new JsonObject().put("name", "Class").put("priceMinor", 5000).put("seatsPerSlot", 4));
    String slot = world.session(priced, world.providerId, at(3), 4);
    var held = app.call(HttpMethod.POST, "/v1/bookings", new JsonObject().put("slotId", slot).put("seats", 2),
        world.userToken());
    assertEquals(201, held.statusCode(), held.bodyAsString());
    UUID id = UUID.fromString(held.bodyAsJsonObject().getString("id"));
    var booking = Wait.on(app.db.fetchOne(Sql.DSL.selectFrom(BOOKING).where(BOOKING.ID.eq(id))));

    String read = version(id);
    // any write since the read (here one that changes no value) makes a new version of the row
    Wait.on(app.db.update(Sql.DSL.update(BOOKING).set(BOOKING.SEATS, BOOKING.SEATS).where(BOOKING.ID.eq(id))));
    assertFalse(Wait.on(Promotion.confirmHeld(app.db, booking, read)), "an older version is not promoted");
    assertEquals(BookingStatus.held, status(id));
    assertEquals(2, seats(id, SeatState.held), "its seats stay held");
    assertEquals(0, confirmations(id), "no event");

    String now = version(id);
    var racing = IntStream.range(0, 8).mapToObj(i -> Promotion.confirmHeld(app.db, booking, now)).toList();
    Wait.on(Future.join(racing));
    assertEquals(1, racing.stream().filter(Future::result).count(), "promoted by one of them");
    assertEquals(BookingStatus.confirmed, status(id));
    assertEquals(2, seats(id, SeatState.booked), "both seats booked");
    assertEquals(1, confirmations(id), "one event");
  }

  private static String version(UUID id) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(DSL.field("xmin::text", String.class)).from(BOOKING)
        .where(BOOKING.ID.eq(id)))).value1();
  }

  private static BookingStatus status(UUID id) {
    return Wait.on(app.db.fetchOne(Sql.DSL.select(BOOKING.STATUS).from(BOOKING).where(BOOKING.ID.eq(id)))).value1();
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
