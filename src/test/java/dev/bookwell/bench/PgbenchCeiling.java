package dev.bookwell.bench;

import dev.bookwell.platform.db.Sql;
import dev.bookwell.scheduling.World;
import dev.bookwell.support.TestApp;
import dev.bookwell.support.Wait;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The database's own ceiling for the hot slot, measured with pgbench on the same database and client count:
 * Bookwell's hold transaction (SKIP LOCKED seats) and, beside it, the designs peers use: a capacity counter row
 * under a plain lock, and optimistic version checks. Scripts are in src/bench/pgbench.
 */
final class PgbenchCeiling {

  record Result(String design, int attempts, int successes, double tps, double latencyMs) {
    double successesPerSecond() {
      return attempts == 0 || tps == 0 ? 0 : successes / (attempts / tps);
    }
  }

  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
  private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");

  private PgbenchCeiling() {
  }

  static Optional<Path> pgbench() {
    var candidates = new ArrayList<Path>();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      candidates.add(Path.of(dir, "pgbench"));
    }
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      versions.forEach(v -> candidates.add(v.resolve("bin/pgbench")));
    } catch (IOException | RuntimeException none) {
      // no Debian PostgreSQL install
    }
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  static List<Result> run(Path pgbench, TestApp app, World world, String service, int seats, int clients)
      throws IOException, InterruptedException {
    String slot = world.session(service, world.providerId, OffsetDateTime.now(ZoneOffset.UTC).plusDays(6), seats);
    Wait.on(app.db.execute(Sql.DSL.query("create table if not exists bench_counter (id int primary key, "
        + "taken int not null, capacity int not null, version int not null)")));
    Wait.on(app.db.execute(Sql.DSL.query(
        "create table if not exists bench_slot (n int primary key, slot_id uuid not null)")));
    Wait.on(app.db.execute(Sql.DSL.query("truncate bench_slot")));
    Wait.on(app.db.execute(Sql.DSL.query("insert into bench_slot values (1, '" + slot + "')")));
    Wait.on(app.db.execute(Sql.DSL.query("insert into bench_counter values (1, 0, " + seats + ", 0), (2, 0, "
        + seats + ", 0)")));
    int perClient = (seats + clients - 1) / clients + 1;
    var results = new ArrayList<Result>();
    results.add(measure(pgbench, app, "seat rows, FOR UPDATE SKIP LOCKED", "hold.sql", 0, clients,
        perClient, () -> count(app, "select count(*) from seat where slot_id = '" + slot + "' and state = 'held'")));
    results.add(measure(pgbench, app, "counter row, plain FOR UPDATE (waits)", "counter-lock.sql", 1, clients,
        perClient, () -> count(app, "select taken from bench_counter where id = 1")));
    results.add(measure(pgbench, app, "counter row, optimistic version check", "counter-optimistic.sql", 2,
        clients, perClient, () -> count(app, "select taken from bench_counter where id = 2")));
    return results;
  }

  /** pgbench's spread run: random one-seat slots numbered in bench_slot, for {@code seconds}. */
  static Result spread(Path pgbench, TestApp app, int slots, int clients, int seconds)
      throws IOException, InterruptedException {
    var options = app.database.connectOptions();
    var command = List.of(pgbench.toString(), "-h", options.getHost(), "-p", String.valueOf(options.getPort()),
        "-U", options.getUser(), "-n", "-c", String.valueOf(clients), "-j", "2", "-T", String.valueOf(seconds),
        "-f", Path.of("src/bench/pgbench", "hold.sql").toString(), "-D", "slots=" + slots,
        options.getDatabase());
    String output = execute(command, options.getPassword());
    var transactions = Pattern.compile("number of transactions actually processed: ([0-9]+)").matcher(output);
    var tps = TPS.matcher(output);
    var latency = LATENCY.matcher(output);
    int held = count(app, "select count(*) from seat s join bench_slot b on b.slot_id = s.slot_id"
        + " where s.state = 'held'");
    return new Result("spread, seat rows, SKIP LOCKED", transactions.find() ? Integer.parseInt(transactions.group(1))
        : 0, held, tps.find() ? Double.parseDouble(tps.group(1)) : 0,
        latency.find() ? Double.parseDouble(latency.group(1)) : 0);
  }

  private static String execute(List<String> command, String password) throws IOException, InterruptedException {
    var process = new ProcessBuilder(command).redirectErrorStream(true);
    process.environment().put("PGPASSWORD", password);
    var started = process.start();
    String output = new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (started.waitFor() != 0) {
      throw new IllegalStateException("pgbench failed:\n" + output);
    }
    return output;
  }

  private interface Counter {
    int count();
  }

  private static Result measure(Path pgbench, TestApp app, String design, String script, int counter,
                                int clients, int perClient, Counter successes)
      throws IOException, InterruptedException {
    var options = app.database.connectOptions();
    var command = List.of(pgbench.toString(), "-h", options.getHost(), "-p", String.valueOf(options.getPort()),
        "-U", options.getUser(), "-n", "-c", String.valueOf(clients), "-j", "2", "-t", String.valueOf(perClient),
        "-f", Path.of("src/bench/pgbench", script).toString(), "-D", "slots=1",
        "-D", "counter=" + counter, options.getDatabase());
    String output = execute(command, options.getPassword());
    var tps = TPS.matcher(output);
    var latency = LATENCY.matcher(output);
    return new Result(design, clients * perClient, successes.count(), tps.find() ? Double.parseDouble(tps.group(1)) : 0,
        latency.find() ? Double.parseDouble(latency.group(1)) : 0);
  }

  private static int count(TestApp app, String sql) {
    var rows = Wait.on(app.db.execute(Sql.DSL.query(sql)));
    return ((Number) rows.iterator().next().getValue(0)).intValue();
  }
}
