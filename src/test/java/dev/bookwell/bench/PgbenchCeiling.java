package dev.bookwell.bench;

import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The database's own ceiling, measured with pgbench on the same database and client count: Bookwell's hold
 * transaction (SKIP LOCKED seats) and, for the hot slot, the designs peers use: a capacity counter row under a
 * plain lock, and optimistic version checks. Scripts are in src/bench/pgbench.
 */
final class PgbenchCeiling {

  record Result(String design, long attempts, long successes, double tps, double latencyMs) {
    double successesPerSecond() {
      return attempts == 0 || tps == 0 ? 0 : successes / (attempts / tps);
    }
  }

  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
  private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");
  private static final Pattern TRANSACTIONS = Pattern.compile("number of transactions actually processed: ([0-9]+)");

  /** The hold transaction as the service runs it now: two statements (issue 19). */
  static final String HOLD = "hold-one-statement.sql";
  /** Round one's hold transaction, the old ceiling. */
  static final String HOLD_ROUND_ONE = "hold.sql";

  private final Path pgbench;
  private final PgConnectOptions db;
  private final DataSets data;

  private PgbenchCeiling(Path pgbench, PgConnectOptions db, DataSets data) {
    this.pgbench = pgbench;
    this.db = db;
    this.data = data;
  }

  /** pgbench from the PATH or a Debian PostgreSQL install, if there is one. */
  static Optional<PgbenchCeiling> find(PgConnectOptions db, DataSets data) {
    var candidates = new ArrayList<Path>();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      candidates.add(Path.of(dir, "pgbench"));
    }
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      versions.forEach(v -> candidates.add(v.resolve("bin/pgbench")));
    } catch (IOException | RuntimeException none) {
      // no Debian PostgreSQL install
    }
    return candidates.stream().filter(Files::isExecutable).findFirst().map(p -> new PgbenchCeiling(p, db, data));
  }

  /** The three hot-slot designs, each on a fresh slot (or counter) of {@code seats} seats. */
  List<Result> hotSlot(int seats, int clients) {
    return hotSlot(seats, clients, Duration.ZERO);
  }

  /**
   * The same, with {@code roundTrip} of network between the client and the database: pgbench sleeps that long after
   * each statement it sends (a database across a network, not on localhost), so a design's locks are held for its
   * round trips too.
   */
  List<Result> hotSlot(int seats, int clients, Duration roundTrip) {
    var slot = data.load(1, 1, seats, 1000).slots()[0];
    data.execute("create table if not exists bench_counter (id int primary key, taken int not null,"
        + " capacity int not null, version int not null)");
    data.execute("truncate bench_counter");
    data.execute("insert into bench_counter values (1, 0, " + seats + ", 0), (2, 0, " + seats + ", 0)");
    int perClient = (seats + clients - 1) / clients + 1;  // enough attempts to sell out, and then some refused
    var transactions = List.of("-t", String.valueOf(perClient));
    var results = new ArrayList<Result>();
    results.add(result("seat rows, SKIP LOCKED, one statement (Bookwell now)",
        run(script(HOLD, roundTrip), clients, transactions, 0, 1),
        data.count("select count(*) from seat where slot_id = '" + slot + "' and state = 'held'")));
    var again = data.load(1, 1, seats, 1000).slots()[0];
    results.add(result("seat rows, SKIP LOCKED, round one's transaction",
        run(script(HOLD_ROUND_ONE, roundTrip), clients, transactions, 0, 1),
        data.count("select count(*) from seat where slot_id = '" + again + "' and state = 'held'")));
    results.add(result("counter row, plain FOR UPDATE (waits)", run(script("counter-lock.sql", roundTrip), clients,
            transactions, 1, 1),
        data.count("select taken from bench_counter where id = 1")));
    results.add(result("counter row, optimistic version check",
        run(script("counter-optimistic.sql", roundTrip), clients, transactions, 2, 1),
        data.count("select taken from bench_counter where id = 2")));
    return results;
  }

  /**
   * Bookwell's hold transaction ({@link #HOLD}, or {@link #HOLD_ROUND_ONE}) on random slots of the set numbered in
   * bench_slot, for {@code seconds}.
   */
  Result spread(String script, int slots, int clients, int seconds) {
    String output = run(script(script, Duration.ZERO), clients, List.of("-T", String.valueOf(seconds)), 0, slots);
    return result("spread, " + script, output, data.count(
        "select count(*) from seat s join bench_slot b on b.slot_id = s.slot_id where s.state = 'held'"));
  }

  /**
   * The script as it is, or a copy in target/bench with a {@code \\sleep} after every statement but the commit (a
   * round trip each: BEGIN, each query, each \\gset read).
   */
  private static Path script(String name, Duration roundTrip) {
    Path original = Path.of("src/bench/pgbench", name);
    if (roundTrip.isZero()) {
      return original;
    }
    try {
      var lines = new ArrayList<String>();
      for (String line : Files.readAllLines(original)) {
        lines.add(line);
        String code = line.replaceAll("--.*$", "").strip();
        if ((code.endsWith(";") || code.endsWith("\\gset")) && !code.equalsIgnoreCase("COMMIT;")) {
          lines.add("\\sleep " + roundTrip.toNanos() / 1000 + " us");
        }
      }
      Path copy = Path.of("target", "bench", "rt-" + roundTrip.toNanos() / 1000 + "us-" + name);
      Files.createDirectories(copy.getParent());
      return Files.write(copy, lines);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Result result(String design, String output, long successes) {
    var transactions = TRANSACTIONS.matcher(output);
    var tps = TPS.matcher(output);
    var latency = LATENCY.matcher(output);
    return new Result(design, transactions.find() ? Long.parseLong(transactions.group(1)) : 0, successes,
        tps.find() ? Double.parseDouble(tps.group(1)) : 0, latency.find() ? Double.parseDouble(latency.group(1)) : 0);
  }

  private String run(Path script, int clients, List<String> length, int counter, int slots) {
    var command = new ArrayList<>(List.of(pgbench.toString(), "-h", db.getHost(), "-p", String.valueOf(db.getPort()),
        "-U", db.getUser(), "-n", "-c", String.valueOf(clients), "-j", "2"));
    command.addAll(length);
    command.addAll(List.of("-f", script.toString(), "-D", "slots=" + slots,
        "-D", "counter=" + counter, db.getDatabase()));
    var process = new ProcessBuilder(command).redirectErrorStream(true);
    process.environment().put("PGPASSWORD", db.getPassword());
    try {
      var started = process.start();
      String output = new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (started.waitFor() != 0) {
        throw new IllegalStateException("pgbench failed:\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
