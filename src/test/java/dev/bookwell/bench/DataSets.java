package dev.bookwell.bench;

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
    execute("analyze");
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
