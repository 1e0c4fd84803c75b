package dev.bookwell.scheduling;

import static dev.bookwell.db.Tables.SLOT;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.db.Db;
import dev.bookwell.platform.db.Sql;
import dev.bookwell.support.Plans;
import dev.bookwell.support.Wait;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With a million seat rows (250 providers x 400 slots x 10 seats), the searches people run use indexes: checked in
 * the plan, not by the clock. The execution times EXPLAIN ANALYZE reports are logged for the README.
 */
class SlotSearchPlanTest {

  private static final Logger LOG = LoggerFactory.getLogger(SlotSearchPlanTest.class);
  static final UUID ORG = UUID.randomUUID();
  static final UUID SERVICE = UUID.randomUUID();
  static final UUID SMALL = UUID.randomUUID();
  static final UUID SMALL_SERVICE = UUID.randomUUID();
  static Plans.Loaded loaded;
  static Db db;
  static UUID provider;

  @BeforeAll
  static void load() {
    loaded = Plans.load(List.of(
        "insert into organization (id, kind, name, timezone, currency, created_by) values ('" + ORG
            + "', 'clinic', 'Big clinic', 'UTC', 'EUR', gen_random_uuid())",
        "insert into service (id, organization_id, name, duration_minutes, price_minor, currency, horizon_days)"
            + " values ('" + SERVICE + "', '" + ORG + "', 'Consultation', 30, 5000, 'EUR', 365)",
        "insert into provider (user_id, display_name, timezone, status)"
            + " select gen_random_uuid(), 'Provider ' || g, 'UTC', 'active' from generate_series(1, 250) g",
        // linked to the organization, so the slots are bookable and the plan's seat part runs
        "insert into provider_organization (provider_id, organization_id, status) select id, '" + ORG
            + "', 'active' from provider",
        "insert into slot (organization_id, service_id, provider_id, starts_at, ends_at, occupied, capacity, origin)"
            + " select '" + ORG + "', '" + SERVICE + "', p.id, t, t + interval '30 minutes',"
            + " tstzrange(t, t + interval '30 minutes'), 10, 'rule' from provider p,"
            + " generate_series(date_trunc('hour', now()) + interval '1 hour',"
            + " date_trunc('hour', now()) + interval '400 hours', interval '1 hour') t",
        "insert into seat (slot_id, seat_no) select s.id, n from slot s, generate_series(1, 10) n",
        "update seat set state = 'booked', booking_id = gen_random_uuid() where seat_no <= 3",
        // and a small clinic beside it: 5 providers, all starting at each hour
        "insert into organization (id, kind, name, timezone, currency, created_by) values ('" + SMALL
            + "', 'clinic', 'Small clinic', 'UTC', 'EUR', gen_random_uuid())",
        "insert into service (id, organization_id, name, duration_minutes, price_minor, currency, horizon_days)"
            + " values ('" + SMALL_SERVICE + "', '" + SMALL + "', 'Therapy', 30, 5000, 'EUR', 365)",
        "insert into provider (user_id, display_name, timezone, status)"
            + " select gen_random_uuid(), 'Small ' || g, 'UTC', 'active' from generate_series(1, 5) g",
        "insert into provider_organization (provider_id, organization_id, status) select id, '" + SMALL
            + "', 'active' from provider where display_name like 'Small %'",
        "insert into slot (organization_id, service_id, provider_id, starts_at, ends_at, occupied, capacity, origin)"
            + " select '" + SMALL + "', '" + SMALL_SERVICE + "', p.id, t, t + interval '30 minutes',"
            + " tstzrange(t, t + interval '30 minutes'), 1, 'rule' from provider p,"
            + " generate_series(date_trunc('hour', now()) + interval '1 hour',"
            + " date_trunc('hour', now()) + interval '400 hours', interval '1 hour') t"
            + " where p.display_name like 'Small %'",
        "insert into seat (slot_id, seat_no) select id, 1 from slot where organization_id = '" + SMALL + "'",
        // and the services of the other clinics on the platform: with two rows in the service table, the planner
        // would loop over all services and search each one's slots
        "insert into service (organization_id, name, duration_minutes, price_minor, currency)"
            + " select '" + SMALL + "', 'Other ' || g, 30, 5000, 'EUR' from generate_series(1, 200) g",
        "analyze"));
    db = loaded.db();
    provider = Wait.on(db.fetchOne(Sql.DSL.select(SLOT.PROVIDER_ID).from(SLOT).limit(1))).value1();
  }

  @AfterAll
  static void close() {
    loaded.close();
  }

  @Test
  void aProviderWeekUsesTheProviderTimeIndex() {
    var now = OffsetDateTime.now(ZoneOffset.UTC);
    String plan = explain(List.of(SLOT.PROVIDER_ID.eq(provider), SLOT.STARTS_AT.ge(now),
        SLOT.STARTS_AT.lt(now.plusDays(7))), provider);
    assertTrue(plan.contains("slot_provider_start_id"), plan);
    assertTrue(plan.contains("CTE Scan on provider_organization")
        && plan.contains("CTE Scan on organization"), "the provider's links, read once: " + plan);
    assertNoSeqScan(plan);
  }

  @Test
  void anOrganizationDayUsesAnIndex() {
    var now = OffsetDateTime.now(ZoneOffset.UTC);
    String plan = explain(List.of(SLOT.ORGANIZATION_ID.eq(ORG), SLOT.STARTS_AT.ge(now.plusDays(2)),
        SLOT.STARTS_AT.lt(now.plusDays(3))), null);
    assertTrue(plan.contains("Index"), plan);
    // 250 slots start in each hour: the index gives the page's (starts_at, id) order, so only the page is read
    // (V48), not the whole hour's slots for a sort to choose from
    assertFalse(plan.contains("Sort"), plan);
    assertNoSeqScan(plan);
  }

  /**
   * A small clinic's next page of a day, after a cursor in an hour all its providers start at: the slot index takes
   * the cursor as an index condition (V48), so no slot before the cursor is read again. (Whether the plan then
   * sorts a day of 120 slots is the planner's cheap choice; the big clinic's test checks the order.)
   */
  @Test
  void aNextPageStartsInTheIndexAtItsCursor() {
    var from = OffsetDateTime.now(ZoneOffset.UTC).plusDays(2);
    var cursor = Wait.on(db.fetchOne(Sql.DSL.select(SLOT.STARTS_AT, SLOT.ID).from(SLOT)
        .where(SLOT.ORGANIZATION_ID.eq(SMALL)).and(SLOT.STARTS_AT.ge(from))
        .orderBy(SLOT.STARTS_AT, SLOT.ID).offset(2).limit(1)));
    String plan = explain(List.of(SLOT.ORGANIZATION_ID.eq(SMALL), SLOT.STARTS_AT.ge(from),
        SLOT.STARTS_AT.lt(from.plusDays(1)),
        DSL.row(SLOT.STARTS_AT, SLOT.ID).gt(DSL.row(DSL.val(cursor.value1()), DSL.val(cursor.value2())))), null);
    // the planner takes the clinic's index, or each of its 5 providers' (by its statistics): either ends with id
    assertTrue(plan.contains("slot_organization_start_id") || plan.contains("slot_provider_start_id"), plan);
    assertTrue(plan.lines().anyMatch(line -> line.contains("Index Cond") && line.contains("ROW(starts_at, id) >")),
        plan);
    assertNoSeqScan(plan);
  }

  private static void assertNoSeqScan(String plan) {
    assertFalse(plan.contains("Seq Scan on slot"), plan);
    assertFalse(plan.contains("Seq Scan on seat"), plan);
    assertFalse(plan.contains("on seat (never executed)"), "the seats were looked at: " + plan);
  }

  /** EXPLAIN ANALYZE of the real search statement, with the real search's conditions, page size 50. */
  private static String explain(List<Condition> filters, UUID onlyProvider) {
    var query = SlotSearch.search(filters, onlyProvider == null ? null : DSL.val(onlyProvider), DSL.val(51));
    String plan = Plans.explain(db, query);
    LOG.info("search plan:\n{}", plan);
    return plan;
  }
}
