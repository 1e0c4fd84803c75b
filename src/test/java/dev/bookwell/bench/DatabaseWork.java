package dev.bookwell.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;

/**
 * What the database server did over a run, background work included: the WAL it wrote (bytes between two WAL
 * positions; records and full-page images counted from the WAL itself with {@code pg_walinspect}), the
 * transactions that wrote (transaction ids given out; a read takes none, so the harness's own counts do not
 * count), and the CPU of the server's processes. A mark is taken just before the run, the work read once the
 * service is idle again. Per success, the WAL records and the writing transactions vary by a few per cent from run
 * to run where the rates move by a third, so two builds or two stages compare by them (the WAL's bytes too, but for
 * the full-page images written after a checkpoint that falls in the window). All of it is the whole server's: earlier stages'
 * databases are idle, but their autovacuum may run. Absent where the server cannot be asked (not a superuser, no
 * {@code pg_walinspect}); the CPU where its processes are not on this machine (a container).
 */
final class DatabaseWork {

  /**
   * Where the server stood: WAL position (as text for {@code pg_walinspect}, and in bytes), next transaction id,
   * its processes' CPU seconds (-1: not here).
   */
  record Mark(String walPosition, long walBytes, long nextTransaction, double cpuSeconds) {
  }

  private DatabaseWork() {
  }

  /**
   * The server's position before a run; null when it cannot be asked. A temporary replication slot keeps the WAL
   * from here on until {@link #since} has read it: a checkpoint meanwhile would otherwise recycle its first segments.
   */
  static Mark mark(Connection connection) {
    try (var statement = connection.createStatement()) {
      statement.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
          + SLOT + "'");  // a mark not followed by since (a run that failed)
      statement.execute("select pg_create_physical_replication_slot('" + SLOT + "', true, true)");
      return position(connection);
    } catch (SQLException e) {
      System.out.println("the database's work is not measured: " + e.getMessage());
      return null;
    }
  }

  /**
   * The work since {@code before}, per success; empty without a mark or a success. WAL records and full-page images
   * only where {@code pg_walinspect} can be had; the CPU counts the harness's own reads in the window too (its
   * checks, the purchase stage's wait for the last settlements), small beside a run's.
   */
  static JsonObject since(Connection connection, Mark before, long successes) {
    if (before == null || successes == 0) {
      return new JsonObject();
    }
    try (var statement = connection.createStatement()) {
      Mark now = position(connection);
      double each = successes;
      var work = new JsonObject()
          .put("walKbPerSuccess", Stage.round((now.walBytes - before.walBytes) / 1024.0 / each))
          .put("writingTransactionsPerSuccess", Stage.round((now.nextTransaction - before.nextTransaction) / each));
      if (now.cpuSeconds >= 0 && before.cpuSeconds >= 0) {
        work.put("databaseCpuMsPerSuccess", Stage.round((now.cpuSeconds - before.cpuSeconds) * 1000 / each));
      }
      return work.mergeIn(records(statement, before, now, each));
    } catch (SQLException e) {
      System.out.println("the database's work is not measured: " + e.getMessage());
      return new JsonObject();
    }
  }

  /** WAL records and full-page images between two marks, per success; then the WAL is let go. */
  private static JsonObject records(Statement statement, Mark before, Mark now, double each) throws SQLException {
    try {
      statement.execute("create extension if not exists pg_walinspect");
      try (var rows = statement.executeQuery("select sum(count)::bigint, sum(fpi_size)::bigint from"
          + " pg_get_wal_stats('" + before.walPosition + "', '" + now.walPosition + "')")) {
        rows.next();
        return new JsonObject().put("walRecordsPerSuccess", Stage.round(rows.getLong(1) / each))
            .put("walFullPageKbPerSuccess", Stage.round(rows.getLong(2) / 1024.0 / each));
      }
    } catch (SQLException e) {
      System.out.println("WAL records not counted: " + e.getMessage());
      return new JsonObject();
    } finally {
      statement.execute("select pg_drop_replication_slot('" + SLOT + "')");
    }
  }

  private static Mark position(Connection connection) throws SQLException {
    try (var statement = connection.createStatement(); var rows = statement.executeQuery(
        "select pg_current_wal_flush_lsn()::text, pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint,"
            + " pg_snapshot_xmax(pg_current_snapshot())::text::bigint, current_setting('data_directory'),"
            + " current_setting('port')")) {
      rows.next();
      return new Mark(rows.getString(1), rows.getLong(2), rows.getLong(3),
          serverCpuSeconds(Path.of(rows.getString(4)), rows.getString(5)));
    }
  }

  private static final String SLOT = "bench_database_work";

  /** A table's heading for {@link #shown}. */
  static final String HEADER = "database per success: WAL records, WAL, writing transactions, CPU";

  /** A result's database work per success ({@link #since}) for a table, or "-" for a run that did not measure it. */
  static String shown(JsonObject result) {
    return !result.containsKey("walRecordsPerSuccess") ? "-" : String.format("%.0f, %.1f KB, %.1f, %s",
        result.getDouble("walRecordsPerSuccess"), result.getDouble("walKbPerSuccess"),
        result.getDouble("writingTransactionsPerSuccess"), Tables.ms(result.getDouble("databaseCpuMsPerSuccess")));
  }

  /**
   * The postmaster's CPU with that of its children that have ended (autovacuum workers, closed connections), plus
   * that of every child still running (connections, WAL writer, checkpointer...); -1 when the postmaster is not a
   * process of this machine (its pid file names another's, or there is none).
   */
  private static double serverCpuSeconds(Path dataDirectory, String port) {
    try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
      var pidFile = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));  // pid, directory, ..., port
      String postmaster = pidFile.getFirst().strip();
      if (!pidFile.get(3).strip().equals(port)
          || !Files.readString(Path.of("/proc", postmaster, "comm")).strip().equals("postgres")) {
        return -1;  // another server's files, or a process of another machine's (a container's) numbering
      }
      double own = ProcStat.cpuSecondsWithEndedChildren(Path.of("/proc", postmaster, "stat"));
      double children = processes.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(p -> postmaster.equals(ProcStat.parent(p.resolve("stat"))))
          .mapToDouble(p -> Math.max(0, ProcStat.cpuSeconds(p.resolve("stat")))).sum();
      return own < 0 ? -1 : own + children;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
