package dev.bookwell.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.stream.Stream;

/**
 * What PostgreSQL has done so far: the WAL it wrote ({@code pg_stat_wal}, the whole server's: only the stage's
 * database is busy), this database's commits ({@code pg_stat_database}), and the CPU of the server's processes
 * (-1 when they are not on this machine, as in a container). Read before a run and again once the service is idle
 * (its background work for the run done), the difference is the run's database work; per success, the WAL and the
 * commits do not move with the machine's spells as the rates do, so two builds or two stages compare by them.
 */
record DatabaseWork(long walRecords, long walFullPages, long walBytes, long commits, double cpuSeconds) {

  static DatabaseWork read(Connection connection) {
    try (var statement = connection.createStatement(); var rows = statement.executeQuery(
        "select w.wal_records, w.wal_fpi, w.wal_bytes::bigint, d.xact_commit, current_setting('data_directory')"
            + " from pg_stat_wal w, pg_stat_database d where d.datname = current_database()")) {
      rows.next();
      return new DatabaseWork(rows.getLong(1), rows.getLong(2), rows.getLong(3), rows.getLong(4),
          serverCpuSeconds(Path.of(rows.getString(5))));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A table's heading for {@link #shown}. */
  static final String HEADER = "database per success: WAL records, WAL, commits, CPU";

  /** A result's database work per success ({@link #since}) for a table, or "-" for a run that did not measure it. */
  static String shown(JsonObject result) {
    Double cpu = result.getDouble("databaseCpuMsPerSuccess");
    return !result.containsKey("walRecordsPerSuccess") ? "-" : String.format("%.0f, %.1f KB, %.1f, %s",
        result.getDouble("walRecordsPerSuccess"), result.getDouble("walKbPerSuccess"),
        result.getDouble("commitsPerSuccess"), cpu == null ? "-" : String.format("%.1f ms", cpu));
  }

  /** The work since {@code before}, per success. */
  JsonObject since(DatabaseWork before, long successes) {
    double each = Math.max(1, successes);
    var work = new JsonObject()
        .put("walRecordsPerSuccess", Stage.round((walRecords - before.walRecords) / each))
        .put("walKbPerSuccess", Stage.round((walBytes - before.walBytes) / 1024.0 / each))
        .put("walFullPagesPerSuccess", Stage.round((walFullPages - before.walFullPages) / each))
        .put("commitsPerSuccess", Stage.round((commits - before.commits) / each));
    return cpuSeconds < 0 || before.cpuSeconds < 0 ? work
        : work.put("databaseCpuMsPerSuccess", Stage.round((cpuSeconds - before.cpuSeconds) * 1000 / each));
  }

  /**
   * The postmaster's CPU with that of its children that have ended (autovacuum workers, closed connections), plus
   * that of every child still running (connections, WAL writer, checkpointer...); -1 without the server's files.
   */
  private static double serverCpuSeconds(Path dataDirectory) {
    try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
      String postmaster = Files.readAllLines(dataDirectory.resolve("postmaster.pid")).getFirst().strip();
      double own = ServiceProcess.cpuSeconds(Path.of("/proc", postmaster, "stat"), true);
      double children = processes.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(p -> postmaster.equals(parent(p.resolve("stat"))))
          .mapToDouble(p -> Math.max(0, ServiceProcess.cpuSeconds(p.resolve("stat"), false))).sum();
      return own < 0 ? -1 : own + children;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static String parent(Path stat) {
    try {
      String text = Files.readString(stat);
      return text.substring(text.lastIndexOf(')') + 2).split(" ")[1];
    } catch (IOException | RuntimeException e) {
      return "";  // a process that ended meanwhile
    }
  }
}
