package dev.bookwell.bench;

import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Benchmark data written straight into the database (a million slots through the API would take an hour): an
 * organization, one service, active providers and hourly slots from tomorrow on, each with its seat rows.
 */
final class DataSets implements AutoCloseable {

  /** What was loaded; {@code slots} are numbered 1..n in the table bench_slot for pgbench. */
  record Slots(UUID organization, UUID service, List<UUID> providers, UUID[] slots) {
  }

  private final Connection connection;

  DataSets(dev.bookwell.platform.db.Database database) {
    var db = database.connectOptions();
    try {
      connection = DriverManager.getConnection(database.jdbcUrl(), db.getUser(), db.getPassword());
      execute("create table if not exists bench_slot (n int primary key, slot_id uuid not null)");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The providers tagged {@code tag} work for {@code org} (an accepted link: only then are their slots bookable). */
  private void linked(UUID org, String tag) {
    execute("insert into provider_organization (provider_id, organization_id, status) select id, '" + org
        + "', 'active' from provider where display_name = " + tag);
  }

  /** {@code providers} providers with {@code perProvider} hourly slots each, {@code seats} seats per slot. */
  Slots load(int providers, int perProvider, int seats, long priceMinor) {
    UUID org = UUID.randomUUID();
    UUID service = UUID.randomUUID();
    execute("insert into organization (id, kind, name, timezone, currency, created_by) values ('" + org
        + "', 'clinic', 'Bench clinic', 'UTC', 'EUR', gen_random_uuid())");
    execute("insert into service (id, organization_id, name, duration_minutes, price_minor, currency, horizon_days,"
        + " seats_per_slot) values ('" + service + "', '" + org + "', 'Bench', 30, " + priceMinor + ", 'EUR', 365, "
        + seats + ")");
    String tag = "'Bench " + service + "'";  // marks this set's providers
    execute("insert into provider (user_id, display_name, timezone, status) select gen_random_uuid(), " + tag
        + ", 'UTC', 'active' from generate_series(1, " + providers + ")");
    linked(org, tag);
    execute("insert into slot (organization_id, service_id, provider_id, starts_at, ends_at, occupied, capacity, origin)"
        + " select '" + org + "', '" + service + "', p.id, t, t + interval '30 minutes',"
        + " tstzrange(t, t + interval '30 minutes'), " + seats + ", 'rule' from provider p,"
        + " generate_series(date_trunc('hour', now()) + interval '1 day', date_trunc('hour', now()) + interval '1 day'"
        + " + interval '1 hour' * " + (perProvider - 1) + ", interval '1 hour') t where p.display_name = " + tag);
    execute("insert into seat (slot_id, seat_no) select s.id, n from slot s, generate_series(1, " + seats + ") n"
        + " where s.service_id = '" + service + "'");
    execute("truncate bench_slot");
    execute("insert into bench_slot select row_number() over (order by id), id from slot where service_id = '"
        + service + "'");
    execute("vacuum analyze");  // as a node's tables are after a while: pgbench's sets too (Stage#settle)
    var ids = new UUID[providers * perProvider];
    try (var statement = connection.createStatement();
         var rows = statement.executeQuery("select slot_id from bench_slot order by n")) {
      for (int i = 0; rows.next(); i++) {
        ids[i] = rows.getObject(1, UUID.class);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    var providerIds = new ArrayList<UUID>();
    try (var statement = connection.createStatement();
         var rows = statement.executeQuery("select id from provider where display_name = " + tag)) {
      while (rows.next()) {
        providerIds.add(rows.getObject(1, UUID.class));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return new Slots(org, service, providerIds, ids);
  }

  /**
   * A year of history for the reports scenario: one organization in Europe/Berlin with {@code services} services,
   * {@code providers} providers each with a venue of their own, group sessions of 8 seats every other hour from
   * 8:00 to 17:00 on each of the last 365 days, and about {@code bookings} bookings on them (70 % completed, 12 % cancelled, 5 % no-show,
   * 8 % confirmed, 5 % expired holds), their captures at 50.00 EUR and the cancellations' refunds.
   */
  UUID history(int services, int providers, int bookings) {
    UUID org = UUID.randomUUID();
    execute("insert into organization (id, kind, name, timezone, currency, created_by) values ('" + org
        + "', 'clinic', 'Report clinic', 'Europe/Berlin', 'EUR', gen_random_uuid())");
    execute("insert into service (organization_id, name, duration_minutes, price_minor, currency, seats_per_slot)"
        + " select '" + org + "', 'Service ' || n, 50, 5000, 'EUR', 8 from generate_series(1, " + services + ") n");
    execute("insert into venue (organization_id, name, capacity) select '" + org + "', 'Room ' || n, 10"
        + " from generate_series(1, " + providers + ") n");
    String tag = "'Report " + org + "'";
    execute("insert into provider (user_id, display_name, timezone, status) select gen_random_uuid(), " + tag
        + ", 'Europe/Berlin', 'active' from generate_series(1, " + providers + ")");
    linked(org, tag);
    // each provider on one service and in one venue, hourly sessions on the Berlin wall clock
    execute("create temporary table p as select p.id, row_number() over (order by p.id) n from provider p"
        + " where p.display_name = " + tag);
    execute("insert into slot (organization_id, service_id, provider_id, venue_id, starts_at, ends_at, occupied,"
        + " capacity, origin, status) select '" + org + "', s.id, p.id, v.id, t, t + interval '50 minutes',"
        + " tstzrange(t, t + interval '50 minutes'), 8, 'session', 'open'"
        + " from p join (select id, row_number() over (order by id) n from service where organization_id = '" + org
        + "') s on s.n = 1 + p.n % " + services
        + " join (select id, row_number() over (order by id) n from venue where organization_id = '" + org
        + "') v on v.n = p.n, generate_series(1, 365) d, generate_series(8, 17) h,"
        + " lateral (select ((current_date - d) + make_time(h, 0, 0)) at time zone 'Europe/Berlin' t) x"
        + " where (p.n + d + h) % 2 = 0");  // a session every other hour
    long slots = count("select count(*) from slot where organization_id = '" + org + "'");
    int perSlot = (int) Math.max(1, Math.min(8, Math.ceil((double) bookings / slots)));
    execute("create sequence if not exists bench_reference");
    execute("insert into booking (id, reference, status, slot_id, organization_id, provider_id, service_id,"
        + " one_to_one, starts_at, ends_at, during, user_id, seats, subtotal_minor, total_minor, currency,"
        + " full_refund_hours, late_refund_percent, hold_expires_at, created_at, updated_at, refund_percent)"
        + " select gen_random_uuid(), 'BW-' || upper(lpad(to_hex(nextval('bench_reference')), 6, '0')), st, s.id,"
        + " s.organization_id, s.provider_id, s.service_id, false, s.starts_at, s.ends_at, s.occupied,"
        + " gen_random_uuid(), 1, 5000, 5000, 'EUR', 24, 0,"
        + " case when st = 'expired' then s.starts_at - interval '20 days' end,"
        + " s.starts_at - interval '1 hour' * (2 + (k * 37) % 700), s.starts_at,"
        + " case when st = 'cancelled' then 100 end"
        + " from slot s, generate_series(1, " + perSlot + ") k,"
        + " lateral (select (case when r < 70 then 'completed' when r < 82 then 'cancelled' when r < 87"
        + " then 'no_show' when r < 95 then 'confirmed' else 'expired' end)::booking_status st"
        + " from (select (abs(hashtext(s.id::text || k)) % 100) r) x) y"
        + " where s.organization_id = '" + org + "'");
    execute("insert into payment_ledger (booking_id, kind, amount_minor, currency, created_at)"
        + " select id, 'capture', total_minor, currency, created_at from booking where organization_id = '" + org
        + "' and status in ('completed', 'cancelled', 'no_show', 'confirmed')");
    execute("insert into payment_ledger (booking_id, kind, amount_minor, currency, created_at)"
        + " select id, 'refund', total_minor, currency, starts_at - interval '1 day' from booking"
        + " where organization_id = '" + org + "' and status = 'cancelled'");
    // the rollups start out of date, as after an upgrade: every day of the year is marked for recomputing
    execute("insert into report_dirty (organization_id, day) select '" + org + "', current_date - d"
        + " from generate_series(0, 366) d");
    execute("vacuum analyze");  // as a node's tables are after a while (Stage#settle)
    return org;
  }

  /** Where the database server stands now, for {@link #workSince} after a run ({@link DatabaseWork}). */
  DatabaseWork.Mark workMark() {
    return DatabaseWork.mark(connection);
  }

  /** The database server's work since {@code before}, per success ({@link DatabaseWork}). */
  JsonObject workSince(DatabaseWork.Mark before, long successes) {
    return DatabaseWork.since(connection, before, successes);
  }

  long count(String sql) {
    try (var statement = connection.createStatement(); var rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  void execute(String sql) {
    try (var statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Slots anywhere in the database with more seats taken than their capacity: must be 0. */
  long oversoldSlots() {
    return count("select count(*) from slot where capacity < (select count(*) from seat"
        + " where seat.slot_id = slot.id and seat.state <> 'free')");
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // the benchmark is over
    }
  }
}
