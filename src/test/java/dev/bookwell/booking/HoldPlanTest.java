package dev.bookwell.booking;

import static dev.bookwell.db.Tables.SEAT;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.db.enums.SeatState;
import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Prepared;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.Plans;
import dev.bookwell.support.Wait;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hold reads its slot's facts first, and with them whether any seat is left (a sold-out slot is refused from
 * that alone). On a big session most of whose seats are taken, among other sessions' seats, that is a probe of the
 * partial index of free seats, not a walk over the session's taken seats in seat order. Checked in the plan, not by
 * the clock.
 */
class HoldPlanTest {

  static final UUID SLOT = UUID.randomUUID();
  static final UUID RUSH = UUID.randomUUID();
  static Plans.Loaded loaded;
  static Db db;

  @BeforeAll
  static void load() {
    UUID org = UUID.randomUUID();
    UUID service = UUID.randomUUID();
    loaded = Plans.load(List.of(
        "insert into organization (id, kind, name, timezone, currency, created_by) values ('" + org
            + "', 'clinic', 'Big clinic', 'UTC', 'EUR', gen_random_uuid())",
        "insert into service (id, organization_id, name, duration_minutes, price_minor, currency, horizon_days,"
            + " seats_per_slot) values ('" + service + "', '" + org + "', 'Course', 30, 5000, 'EUR', 365, 10000)",
        "insert into provider (user_id, display_name, timezone, status) values (gen_random_uuid(), 'Teacher', 'UTC',"
            + " 'active')",
        "insert into slot (id, organization_id, service_id, provider_id, starts_at, ends_at, occupied, capacity,"
            + " origin) select '" + SLOT + "', '" + org + "', '" + service + "', p.id, now() + interval '2 days',"
            + " now() + interval '2 days 30 minutes', tstzrange(now() + interval '2 days', now() + interval"
            + " '2 days 30 minutes'), 10000, 'session' from provider p",
        // other sessions around it, 200 of 100 seats, as in any clinic's table
        "insert into slot (organization_id, service_id, provider_id, starts_at, ends_at, occupied, capacity, origin)"
            + " select '" + org + "', '" + service + "', p.id, t, t + interval '30 minutes',"
            + " tstzrange(t, t + interval '30 minutes'), 100, 'session' from provider p, generate_series(now()"
            + " + interval '3 days', now() + interval '3 days' + interval '199 hours', interval '1 hour') t",
        "insert into seat (slot_id, seat_no) select id, n from slot, generate_series(1, 100) n where id <> '" + SLOT
            + "'",
        "insert into seat (slot_id, seat_no) select '" + SLOT + "', n from generate_series(1, 10000) n",
        "update seat set state = 'held', held_until = now() + interval '10 minutes', booking_id = gen_random_uuid()"
            + " where seat_no <= 9000",
        "analyze",
        // a course that opened after the last ANALYZE: the statistics say its 10,000 seats are free, and the first
        // 5,000 in seat order are taken
        "alter table seat set (autovacuum_enabled = false)",
        "insert into provider_organization (provider_id, organization_id, status) select id, '" + org
            + "', 'active' from provider",
        "insert into slot (id, organization_id, service_id, provider_id, starts_at, ends_at, occupied, capacity,"
            + " origin) select '" + RUSH + "', '" + org + "', '" + service + "', p.id, now() + interval '4 days',"
            + " now() + interval '4 days 30 minutes', tstzrange(now() + interval '4 days', now() + interval"
            + " '4 days 30 minutes'), 10000, 'session' from provider p",
        "insert into seat (slot_id, seat_no) select '" + RUSH + "', n from generate_series(1, 10000) n",
        "analyze seat",
        "update seat set state = 'held', held_until = now() + interval '10 minutes', booking_id = gen_random_uuid()"
            + " where slot_id = '" + RUSH + "' and seat_no <= 5000",
        // then the rush: 4,000 guests' and 1,000 users' bookings arrive before the next ANALYZE, as when a course
        // opens, so the statistics still say the slot has about one booking
        "alter table booking set (autovacuum_enabled = false)",
        "insert into booking (id, reference, status, slot_id, organization_id, provider_id, service_id, one_to_one,"
            + " starts_at, ends_at, during, user_id, guest, seats, subtotal_minor, total_minor, currency,"
            + " full_refund_hours, late_refund_percent, hold_expires_at)"
            + " select gen_random_uuid(), 'BW-' || lpad(n::text, 6, '0'), 'held', s.id, s.organization_id,"
            + " s.provider_id, s.service_id, false, s.starts_at, s.ends_at, s.occupied,"
            + " case when n > 4000 then gen_random_uuid() end,"
            + " case when n <= 4000 then jsonb_build_object('name', 'Guest', 'email', 'guest-' || n || '@example.org')"
            + " end, 1, 5000, 5000, 'EUR', 24, 0, now() + interval '10 minutes'"
            + " from slot s, generate_series(1, 5000) n where s.id = '" + SLOT + "'"));
    db = loaded.db();
  }

  @AfterAll
  static void close() {
    loaded.close();
  }

  /**
   * The guards find the holder's own bookings of the slot by (slot, who booked), however few bookings the
   * statistics think the slot has. With an index on the slot alone to choose from, PostgreSQL read every booking of
   * the slot on every hold of the rush (16 ms of a 17 ms hold in the open-loop benchmark).
   */
  @Test
  void theGuardsFindTheHoldersOwnBookingsWhateverTheStatisticsSay() {
    String user = Wait.on(db.fetchOne(Sql.DSL.select(DSL.field("user_id::text", String.class)).from("booking")
        .where("user_id is not null").limit(1))).value1();
    var slot = DSL.param("slot", UUID.class);
    var booker = DSL.param("booker", String.class);
    for (var guard : List.of(Map.entry(HoldGuards.guestSeats(slot, booker), "guest:guest-17@example.org"),
        Map.entry(HoldGuards.stacked(slot, booker), user))) {
      var values = Map.of("slot", SLOT, "booker", guard.getValue());
      guard.getKey().bind("slot", SLOT).bind("booker", guard.getValue());
      // as written with its values, and as the service runs it once cached: the generic plan
      for (String plan : List.of(Plans.explain(db, guard.getKey()),
          Plans.explainGeneric(db, Prepared.of(guard.getKey()), values))) {
        assertTrue(plan.contains("booking_slot_booker"), plan);
        assertFalse(java.util.regex.Pattern.compile("Rows Removed by Filter: \\d{3,}").matcher(plan).find(), plan);
      }
    }
  }

  /**
   * A pick looks for its seat near a random seat number first: a few seats read, whatever the plan, rather than a
   * walk over the seats taken before it. Picking from the first seat in seat order, this plan sorted the course's
   * 5,000 free seats (or, as in the open-loop benchmark, read its 5,000 taken ones through the unique (slot, seat
   * number) index). Started where the seats are free, and where the window straddles taken and free seats.
   */
  @Test
  void aPickReadsAFewSeatsNearItsStartWhateverTheStatisticsSay() {
    var slot = DSL.param("slot", UUID.class);
    for (int start : List.of(7000, 4990)) {
      var pick = Seats.picking(slot, SEAT.STATE.eq(SeatState.free), DSL.param("count", Integer.class),
          DSL.select(DSL.inline(start)));
      var values = Map.of("slot", RUSH, "count", 1);
      values.forEach(pick::bind);
      for (String plan : List.of(Plans.explain(db, pick), Plans.explainGeneric(db, Prepared.of(pick), values))) {
        assertTrue(plan.startsWith("Append (actual") && plan.contains("rows=1.00"), plan);
        assertFalse(plan.contains("Seq Scan on seat"), plan);
        // each scan of the seats reads at most the window: what it gives and what its filter removes
        for (String node : plan.split("->")) {
          if (node.matches("(?s)\\s*\\w[\\w ]* Scan (using \\w+ )?on seat\\w*\\b.*")) {
            var read = java.util.regex.Pattern.compile("rows=(\\d+)|Rows Removed by Filter: (\\d+)").matcher(node);
            int rows = 0;
            while (read.find()) {
              rows += Integer.parseInt(read.group(1) != null ? read.group(1) : read.group(2));
            }
            assertTrue(rows <= Seats.WINDOW, plan);
          }
        }
      }
    }
  }

  /**
   * A school with three big courses (as the open-loop benchmark's data): the statistics say thousands of each
   * course's seats are free, and PostgreSQL, asked whether one exists, scanned the seat table for it, past the
   * seats of the courses stored before (0.7 ms of each hold). Asked for the first free seat in seat order, it
   * probes the index.
   */
  @Test
  void whetherASeatIsLeftIsAnIndexProbeInASmallSchoolToo() {
    UUID org = UUID.randomUUID();
    UUID service = UUID.randomUUID();
    try (var school = Plans.load(List.of(
        "insert into organization (id, kind, name, timezone, currency, created_by) values ('" + org
            + "', 'training_centre', 'Small school', 'UTC', 'EUR', gen_random_uuid())",
        "insert into service (id, organization_id, name, duration_minutes, price_minor, currency, horizon_days,"
            + " seats_per_slot) values ('" + service + "', '" + org + "', 'Course', 30, 5000, 'EUR', 365, 8000)",
        "insert into provider (user_id, display_name, timezone, status) values (gen_random_uuid(), 'Teacher', 'UTC',"
            + " 'active')",
        "insert into slot (organization_id, service_id, provider_id, starts_at, ends_at, occupied, capacity, origin)"
            + " select '" + org + "', '" + service + "', p.id, t, t + interval '30 minutes',"
            + " tstzrange(t, t + interval '30 minutes'), 8000, 'session' from provider p, generate_series(now()"
            + " + interval '3 days', now() + interval '5 days', interval '1 day') t",
        "insert into seat (slot_id, seat_no) select id, n from (select id from slot order by starts_at) s,"
            + " generate_series(1, 8000) n",
        "analyze"))) {
      UUID last = Wait.on(school.db().fetchOne(Sql.DSL.select(DSL.field("id", UUID.class)).from("slot")
          .orderBy(DSL.field("starts_at").desc()).limit(1))).value1();
      var facts = Holds.facts(DSL.selectOne().asTable("no_lock"));
      facts.bind("slot", last);
      for (String plan : List.of(Plans.explain(school.db(), facts),
          Plans.explainGeneric(school.db(), Prepared.of(facts), Map.of("slot", last)))) {
        assertFalse(plan.contains("Seq Scan on seat"), plan);
        assertTrue(plan.contains("Index Only Scan using seat_free on seat") || plan.contains(
            "Index Scan using seat_free on seat"), plan);
      }
    }
  }

  @Test
  void whetherASeatIsLeftIsTwoIndexProbes() {
    for (UUID slot : List.of(SLOT, RUSH)) {
      var facts = Holds.facts(DSL.selectOne().asTable("no_lock"));
      facts.bind("slot", slot);
      for (String plan : List.of(Plans.explain(db, facts),
          Plans.explainGeneric(db, Prepared.of(facts), Map.of("slot", slot)))) {
        assertTrue(plan.contains("seat_free"), plan);
        assertFalse(plan.contains("seat_slot_id_seat_no_key"), plan);
        assertFalse(plan.contains("Seq Scan on seat"), plan);
      }
    }
  }
}
