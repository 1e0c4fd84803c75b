package dev.bookwell.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.stream.Stream;

/**
 * What the database server did over a run, background work included: the WAL it wrote (bytes between two WAL
 * positions; records and full-page images counted from the WAL itself with {@code pg_walinspect}), the
 * transactions that wrote (transaction ids given out; a read takes none, so the harness's own counts do not
 * count), and the CPU of the server's processes. A mark is taken just before the run, the work read once the
 * service is idle again. Per success, the WAL and the writing transactions do not move with the machine's spells
 * as the rates do, so two builds or two stages compare by them. All of it is the whole server's: earlier stages'
 * databases are idle, but their autovacuum may run. Absent where the server cannot be asked (not a superuser, no
 * {@code pg_walinspect}); the CPU where its processes are not on this machine (a container).
 */
final class DatabaseWork {

  /** Where the server stood: WAL position, next transaction id, its processes' CPU seconds (-1: not here). */
  record Mark(String walPosition, long nextTransaction, double cpuSeconds) {
  }

  private DatabaseWork() {
  }

  /** The server's position now; null when it cannot be asked. */
  static Mark mark(Connection connection) {
    try (var statement = connection.createStatement()) {
      statement.execute("create extension if not exists pg_walinspect");
      try (var rows = statement.executeQuery("select pg_current_wal_flush_lsn()::text,"
          + " pg_snapshot_xmax(pg_current_snapshot())::text::bigint, current_setting('data_directory')")) {
        rows.next();
        return new Mark(rows.getString(1), rows.getLong(2), serverCpuSeconds(Path.of(rows.getString(3))));
      }
    } catch (SQLException e) {
      System.out.println("the database's work is not measured: " + e.getMessage());
      return null;
    }
  }

  /** The work since {@code before}, per success; empty without a mark or a success. */
  static JsonObject since(Connection connection, Mark before, long successes) {
    Mark now = before == null || successes == 0 ? null : mark(connection);
    if (now == null) {
      return new JsonObject();
    }
    try (var statement = connection.createStatement(); var rows = statement.executeQuery(
        "select sum(count)::bigint, sum(fpi_count)::bigint, pg_wal_lsn_diff('" + now.walPosition + "', '"
            + before.walPosition + "')::bigint from pg_get_wal_stats('" + before.walPosition + "', '"
            + now.walPosition + "')")) {
      rows.next();
      double each = successes;
      var work = new JsonObject()
          .put("walRecordsPerSuccess", Stage.round(rows.getLong(1) / each))
          .put("walFullPagesPerSuccess", Stage.round(rows.getLong(2) / each))
          .put("walKbPerSuccess", Stage.round(rows.getLong(3) / 1024.0 / each))
          .put("writingTransactionsPerSuccess", Stage.round((now.nextTransaction - before.nextTransaction) / each));
      return now.cpuSeconds < 0 || before.cpuSeconds < 0 ? work
          : work.put("databaseCpuMsPerSuccess", Stage.round((now.cpuSeconds - before.cpuSeconds) * 1000 / each));
    } catch (SQLException e) {
      System.out.println("the database's work is not measured: " + e.getMessage());
      return new JsonObject();
    }
  }

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
  private static double serverCpuSeconds(Path dataDirectory) {
    try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
      String postmaster = Files.readAllLines(dataDirectory.resolve("postmaster.pid")).getFirst().strip();
      if (!Files.readString(Path.of("/proc", postmaster, "comm")).strip().equals("postgres")) {
        return -1;
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
