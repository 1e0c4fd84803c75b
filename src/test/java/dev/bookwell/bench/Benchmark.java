package dev.bookwell.bench;

import static dev.bookwell.bench.Tables.cpu;
import static dev.bookwell.bench.Tables.ms;
import static dev.bookwell.bench.Tables.seconds;
import static dev.bookwell.bench.Tables.table;
import static dev.bookwell.bench.Tables.whole;

import dev.bookwell.support.FakeStripe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Bookwell's benchmark (not a test): {@code ./mvnw -DskipTests test-compile exec:exec@bench}. Each stage runs the
 * service in a JVM of its own on a fresh database, drives it over HTTP with a fixed number of clients, checks the
 * invariants in the database, and for the hold scenarios measures the database's own ceiling with pgbench.
 * Prints markdown tables and writes bench/results/latest.json; exits 1 when an invariant broke.
 */
public final class Benchmark {

  private static final int CLIENTS = Integer.getInteger("clients", 256);
  private static final int PROVIDERS = 200;
  /** The most seats a session may have (the contract's {@code capacity} maximum). */
  private static final int SESSION_SEATS = 10_000;
  private final JsonObject report = new JsonObject()
      .put("machine", Runtime.getRuntime().availableProcessors() + " cores").put("clients", CLIENTS);
  private final List<String> broken = new ArrayList<>();

  public static void main(String[] args) throws IOException {
    long start = System.nanoTime();
    var benchmark = new Benchmark();
    var scenarios = List.of(System.getProperty("scenarios",
        "hot-slot,open-loop,spread,purchase,scaling,reports").split(","));
    int spreadSlots = Integer.getInteger("spread.slots", 200_000);  // checked before any stage runs
    if (spreadSlots < PROVIDERS || spreadSlots % PROVIDERS != 0) {  // pgbench draws from 1 to the number given
      throw new IllegalArgumentException("-Dbench.spread.slots: a multiple of " + PROVIDERS + ", not " + spreadSlots);
    }
    if (scenarios.contains("hot-slot")) {
      benchmark.hotSlot(Integer.getInteger("seats", 1000));
    }
    if (scenarios.contains("open-loop")) {
      benchmark.openLoop(Integer.getInteger("open.seconds", 15));
    }
    if (scenarios.contains("spread")) {
      benchmark.spread(spreadSlots, Integer.getInteger("seconds", 30));
    }
    if (scenarios.contains("purchase")) {
      benchmark.purchase(spreadSlots, Integer.getInteger("flow.seconds", 20));
    }
    if (scenarios.contains("reports")) {
      benchmark.reports(Integer.getInteger("reports.bookings", 1_000_000), Integer.getInteger("reports.seconds", 20));
    }
    if (scenarios.contains("scaling")) {
      benchmark.scalingAndSearch(Integer.getInteger("scaling.seconds", 20));
    }
    benchmark.report.put("totalSeconds", Stage.round((System.nanoTime() - start) / 1e9))
        .put("invariants", benchmark.broken.isEmpty() ? "OK" : "BROKEN: " + benchmark.broken);
    var out = Path.of("bench/results/latest.json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, benchmark.report.encodePrettily());
    System.out.printf("%nResults written to %s; invariants: %s; %.0f s in all%n", out,
        benchmark.report.getString("invariants"), (System.nanoTime() - start) / 1e9);
    System.exit(benchmark.broken.isEmpty() ? 0 : 1);
  }

  /** Scenario 1: one session with {@code seats} seats, every client holding one seat at a time until sold out. */
  private void hotSlot(int seats) {
    try (var stage = new Stage("hot-slot")) {
      var slot = stage.data.load(1, 1, seats, 1000).slots()[0];
      stage.start(Map.of(), CLIENTS);
      var outcome = stage.load.run(CLIENTS, Duration.ofMinutes(5), Actions.hold(() -> slot), status -> status == 201);
      long held = stage.data.count("select count(*) from seat where slot_id = '" + slot + "' and state = 'held'");
      boolean ok = check("hot slot", held == seats && outcome.successes() == seats && !outcome.any5xx());
      double holdsPerSecond = seats / outcome.firstRefusalSeconds();
      var result = summary(outcome).put("seats", seats).put("soldOutSeconds", Stage.round(outcome.firstRefusalSeconds()))
          .put("holdsPerSecond", Stage.round(holdsPerSecond)).put("seatsHeld", held)
          .put("invariant", ok ? "OK" : "BROKEN").mergeIn(stage.resources(outcome.successes()));
      stage.stopService();
      System.out.printf("%n### Scenario 1, hot slot: %d seats, %d clients, one seat per hold%n", seats, CLIENTS);
      table(List.of("requests", "holds", "sold out after", "holds/s", "p50", "p95", "p99", "max", "statuses",
              "service CPU/hold (without JIT)", "service peak RSS", "invariant"),
          List.of(outcome.requests(), outcome.successes(), seconds(outcome.firstRefusalSeconds()),
              whole(holdsPerSecond), ms(outcome.ms(50)), ms(outcome.ms(95)), ms(outcome.ms(99)), ms(outcome.ms(100)),
              outcome.statuses(), cpu(result),
              result.getLong("servicePeakRssMb") + " MB", (ok ? "OK: " : "BROKEN: ") + held + " seats held"));
      report.put("hotSlot", result);
      PgbenchCeiling.find(stage.db, stage.data).ifPresentOrElse(pgbench -> {
        var designs = pgbench.hotSlot(seats, CLIENTS);
        System.out.printf("%nThe same %d seats and %d clients on pgbench (no HTTP, no Java):%n", seats, CLIENTS);
        var json = designJson(designs);
        table(List.of("design", "attempts", "successes", "successes/s", "avg latency"), designRows(designs));
        double ratio = holdsPerSecond / designs.get(0).successesPerSecond();
        double ratioRoundOne = holdsPerSecond / designs.get(1).successesPerSecond();
        System.out.printf("Bookwell / pgbench ceiling (hot slot): %.2f of its own transaction, %.2f of round one's%n",
            ratio, ratioRoundOne);
        report.put("pgbenchHotSlot", json).put("ratioHotSlot", Stage.round(ratio))
            .put("ratioHotSlotRoundOne", Stage.round(ratioRoundOne));
        // the same designs with the database 1 ms away, as across a network (a round trip per statement)
        var remote = pgbench.hotSlot(seats, CLIENTS, Duration.ofMillis(1));
        System.out.printf("%nThe same on pgbench with 1 ms per round trip (a database across a network):%n");
        table(List.of("design", "attempts", "successes", "successes/s", "avg latency"), designRows(remote));
        report.put("pgbenchHotSlotRoundTrip1ms", designJson(remote));
      }, () -> System.out.println("pgbench not found: no ceiling measured"));
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Object>[] designRows(List<PgbenchCeiling.Result> designs) {
    return designs.stream().map(design -> List.<Object>of(design.design(), design.attempts(), design.successes(),
        whole(design.successesPerSecond()), ms(design.latencyMs()))).toArray(List[]::new);
  }

  private static JsonArray designJson(List<PgbenchCeiling.Result> designs) {
    var json = new JsonArray();
    designs.forEach(design -> json.add(new JsonObject().put("design", design.design())
        .put("attempts", design.attempts()).put("successes", design.successes())
        .put("successesPerSecond", Stage.round(design.successesPerSecond())).put("latencyMs", design.latencyMs())));
    return json;
  }

  /**
   * Scenario 1b: hold latency as users feel it. Guests hold seats of big sessions (one or more per run, filled one
   * after the other) on a fixed schedule at 25 %, 50 % and 80 % ({@code -Dbench.open.shares}) of the hot slot's
   * measured maximum (closed loop, scenario 1; {@code -Dbench.open.maximum} if it did not run), each for
   * {@code seconds}; latency from each request's scheduled time.
   */
  private void openLoop(int seconds) {
    double maximum = report.containsKey("hotSlot") ? report.getJsonObject("hotSlot").getDouble("holdsPerSecond")
        : Double.parseDouble(System.getProperty("open.maximum", "250"));
    var shares = Arrays.stream(System.getProperty("open.shares", "0.25,0.5,0.8").split(","))
        .map(Double::valueOf).toList();
    // slots of their own per run, enough seats for the fastest (never sold out): a session has at most
    // SESSION_SEATS, so a run that needs more fills its sessions one after the other (one hot slot at a time)
    int needed = (int) Math.ceil(maximum * Collections.max(shares) * seconds * 1.2) + 100;
    int perRun = (needed + SESSION_SEATS - 1) / SESSION_SEATS;
    int seats = Math.min(SESSION_SEATS, needed);
    try (var stage = new Stage("open-loop")) {
      var slots = stage.data.load(1, shares.size() * perRun, seats, 1000).slots();
      stage.start(Map.of(), CLIENTS);
      var rows = new ArrayList<List<Object>>();
      var json = new JsonArray();
      for (int run = 0; run < shares.size(); run++) {
        double share = shares.get(run);
        double rate = Math.max(1, Math.round(maximum * share));
        var mine = Arrays.copyOfRange(slots, run * perRun, (run + 1) * perRun);
        var sent = new java.util.concurrent.atomic.AtomicLong();
        var before = stage.data.workMark();
        var outcome = stage.load.openLoop(rate, Duration.ofSeconds(seconds),
            Actions.hold(() -> mine[(int) Math.min(sent.getAndIncrement() / seats, perRun - 1)]));
        // each run starts from an idle service: a run leaves its events' work (notifications, webhooks, rollups)
        // for seconds after it, which would otherwise land in the next run's first seconds; it is counted here
        var used = stage.catchUp(stage.resources(outcome.successes()), before, outcome.successes());
        boolean ok = check("open loop " + share, !outcome.any5xx() && outcome.successes() == outcome.requests());
        rows.add(List.of(Math.round(share * 100) + " %", whole(rate), outcome.requests(), ms(outcome.ms(50)),
            ms(outcome.ms(99)), ms(outcome.ms(100)), outcome.statuses(), cpu(used),
            ms(used.getDouble("serviceCpuMsPerSuccessWithCatchUp")),
            ok ? "OK" : "BROKEN"));
        json.add(summary(outcome).put("share", share).put("perSecond", rate).put("invariant", ok ? "OK" : "BROKEN")
            .mergeIn(used));
      }
      long held = stage.data.count("select count(*) from seat where state = 'held' and slot_id in ("
          + Arrays.stream(slots).map(id -> "'" + id + "'").collect(Collectors.joining(", ")) + ")");
      long booked = json.stream().mapToLong(o -> ((JsonObject) o).getLong("successes")).sum();
      check("open loop seats", held == booked);
      report.put("openLoop", new JsonObject().put("maximumHoldsPerSecond", maximum).put("runs", json)
          .put("seatsHeld", held));
      System.out.printf("%n### Scenario 1b, open loop: guest holds on a fixed schedule (%d s each), latency from the"
          + " scheduled time; maximum (closed loop) %.0f holds/s%n", seconds, maximum);
      table(List.of("load", "holds/s sent", "requests", "p50", "p99", "max", "statuses",
              "service CPU/hold (without JIT)", "with its catch-up", "invariant"),
          rows.toArray(List[]::new));
      System.out.printf("%d seats held = %d holds answered 201%n", held, booked);
    }
  }

  /** Scenario 2: one-seat slots over 200 providers, clients holding random ones for {@code seconds}. */
  private void spread(int slots, int seconds) {
    try (var stage = new Stage("spread")) {
      var set = stage.data.load(PROVIDERS, slots / PROVIDERS, 1, 1000);
      stage.start(Map.of(), CLIENTS);
      var before = stage.data.workMark();
      var outcome = stage.load.run(CLIENTS, Duration.ofSeconds(seconds), Actions.hold(Actions.anyOf(set.slots())),
          status -> true);
      var result = spreadResult(stage, slots, seconds, outcome);
      stage.catchUp(result, before, result.getLong("holds"));
      stage.stopService();
      System.out.printf("%n### Scenario 2, spread: %,d one-seat slots over %d providers, %d clients, %d s%n", slots,
          PROVIDERS, CLIENTS, seconds);
      spreadTable(List.of(result));
      report.put("spread", result);
      PgbenchCeiling.find(stage.db, stage.data).ifPresent(pgbench -> {
        spreadCeiling(stage, pgbench, PgbenchCeiling.HOLD, "", result, slots, seconds);
        spreadCeiling(stage, pgbench, PgbenchCeiling.HOLD_ROUND_ONE, "RoundOne", result, slots, seconds);
      });
    }
  }

  /** pgbench runs {@code script} for {@code seconds} on a fresh set of the same size; keys end in {@code suffix}. */
  private void spreadCeiling(Stage stage, PgbenchCeiling pgbench, String script, String suffix, JsonObject result,
                             int slots, int seconds) {
    stage.data.load(PROVIDERS, slots / PROVIDERS, 1, 1000);
    var ceiling = pgbench.spread(script, slots, CLIENTS, seconds);
    double ceilingPerSecond = ceiling.successes() / (double) seconds;
    double ratio = result.getDouble("holdsPerSecond") / ceilingPerSecond;
    System.out.printf("pgbench, %s on a fresh set: %,d transactions, %,d holds, %.0f holds/s, avg latency %.1f ms%n"
        + "Bookwell / pgbench ceiling (spread, %s): %.2f%n", script, ceiling.attempts(), ceiling.successes(),
        ceilingPerSecond, ceiling.latencyMs(), script, ratio);
    report.put("pgbenchSpread" + suffix, new JsonObject().put("script", script).put("transactions", ceiling.attempts())
        .put("holds", ceiling.successes()).put("holdsPerSecond", Stage.round(ceilingPerSecond))
        .put("latencyMs", ceiling.latencyMs())).put("ratioSpread" + suffix, Stage.round(ratio));
  }

  /** Scenario 4: hold, card authorized at the fake Stripe, signed webhook, poll until confirmed. */
  private void purchase(int slots, int seconds) {
    try (var stage = new Stage("purchase", 2 * Stage.WARM_UP_SECONDS); var stripe = new FakeStripe()) {
      var set = stage.data.load(PROVIDERS, slots / PROVIDERS, 1, 1000);
      stage.start(Map.of("STRIPE_SECRET_KEY", "sk_test_bench", "STRIPE_API_BASE", stripe.apiBase(),
          "STRIPE_WEBHOOK_SECRET", Actions.WEBHOOK_SECRET, "BOOKWELL_PAYMENT_RECONCILE_INTERVAL", "5s"), CLIENTS,
          (load, slot) -> Actions.purchase(slot, stripe, load.vertx(), new Actions.Checkouts()),
          status -> status != 409);  // sold out ends a client; a purchase that was slow (504) or shed (503) does not
      int capturesBefore = stripe.captures.get();
      var checkouts = new Actions.Checkouts();
      var before = stage.data.workMark();
      var outcome = stage.load.run(CLIENTS, Duration.ofSeconds(seconds),
          Actions.purchase(Actions.anyOf(set.slots()), stripe, stage.load.vertx(), checkouts), status -> true);
      // Settlement runs after the webhook is answered: let the last ones finish before counting.
      // (a settlement cut short by an overloaded pool is the reconciler's, every 5 s here)
      for (int i = 0; i < 600 && stage.data.count("select count(*) from payment where status = 'authorized'") > 0; i++) {
        ServiceProcess.sleep(100);
      }
      String confirmedSql = "select count(*) from booking where status = 'confirmed' and service_id = '"
          + set.service() + "'";
      long confirmed = stage.data.count(confirmedSql);
      long captured = stage.data.count("select count(*) from payment p join booking b on b.id = p.booking_id"
          + " where p.status = 'captured' and b.service_id = '" + set.service() + "'");
      long capturedUnconfirmed = stage.data.count("select count(*) from payment p join booking b"
          + " on b.id = p.booking_id where p.status = 'captured' and b.status <> 'confirmed'");
      long oversold = stage.data.oversoldSlots();
      int stripeCaptures = stripe.captures.get() - capturesBefore;
      boolean ok = check("purchase", confirmed == captured && captured == stripeCaptures && capturedUnconfirmed == 0
          && oversold == 0 && confirmed >= outcome.successes() && !outcome.anyBroken());  // 503s: load shed
      var result = summary(outcome).put("slots", slots).put("seconds", seconds)
          .put("confirmedPerSecond", Stage.round(outcome.successesPerSecond())).put("confirmedInDatabase", confirmed)
          .put("capturedInDatabase", captured).put("capturesAtStripe", stripeCaptures)
          .put("oversoldSlots", oversold).put("longPoll", Actions.LONG_POLL)
          .put("bookingReadsPerPurchase", Stage.round(checkouts.reads.get()
              / (double) Math.max(1, outcome.successes())))
          .put("confirmationWaitP50Ms", checkouts.waitMs(50)).put("confirmationWaitP99Ms", checkouts.waitMs(99))
          .put("invariant", ok ? "OK" : "BROKEN")
          .mergeIn(stage.resources(outcome.successes()));
      stage.catchUp(result, before, outcome.successes());
      System.out.printf("%n### Scenario 4, purchase: hold, authorize, signed webhook, confirmed (%,d slots, %d"
          + " clients, %d s)%n", slots, CLIENTS, seconds);
      table(List.of("purchases", "confirmed/s", "p50", "p95", "p99", "max", "statuses", "booking reads each",
              "confirmed seen after the webhook's answer, p50 / p99", "service CPU/purchase (without JIT)",
              DatabaseWork.HEADER, "invariant"),
          List.of(outcome.successes(), whole(outcome.successesPerSecond()), ms(outcome.ms(50)), ms(outcome.ms(95)),
              ms(outcome.ms(99)), ms(outcome.ms(100)), outcome.statuses(), result.getDouble("bookingReadsPerPurchase"),
              ms(checkouts.waitMs(50)) + " / " + ms(checkouts.waitMs(99)),
              cpu(result), DatabaseWork.shown(result), (ok ? "OK: " : "BROKEN: ") + confirmed
                  + " confirmed = " + captured + " captured = " + stripeCaptures + " Stripe captures"));
      report.put("purchase", result);
    }
  }

  /**
   * Scenario 5, reports: a year of history with {@code bookings} bookings in one organization; the rollups rebuilt
   * from scratch (timed), then reports of the last twelve whole months by month, read by one client and by 8 at once
   * (p50/p95/p99), and the totals
   * checked against the bookings and the ledger themselves.
   */
  private void reports(int bookings, int seconds) {
    try (var stage = new Stage("reports")) {
      long loading = System.nanoTime();
      var org = stage.data.history(10, 100, bookings);
      long loaded = stage.data.count("select count(*) from booking where organization_id = '" + org + "'");
      System.out.printf("[%s] %,d bookings loaded in %.0f s%n", stage.name, loaded, (System.nanoTime() - loading) / 1e9);
      long rebuilding = System.nanoTime();
      stage.launch(Map.of("BOOKWELL_MAIL_POLL_INTERVAL", "500ms"), 8);
      while (stage.data.count("select count(*) from report_dirty") > 0) {
        ServiceProcess.sleep(200);
      }
      double rebuildSeconds = (System.nanoTime() - rebuilding) / 1e9;
      stage.settle();  // after the rebuild: its time is the rebuild's alone
      String token = stage.load.owner(stage.data, org);
      // the last twelve whole months, as a yearly report by month is asked for
      var to = java.time.LocalDate.now(java.time.ZoneId.of("Europe/Berlin")).withDayOfMonth(1).minusDays(1);
      String range = "from=" + to.withDayOfMonth(1).minusMonths(11) + "&to=" + to + "&groupBy=month";
      var rows = new ArrayList<List<Object>>();
      var results = new JsonArray();
      for (var run : List.of(List.of("bookings?" + range, 1), List.of("bookings?" + range, 8),
          List.of("bookings?" + range + "&by=provider", 8), List.of("revenue?" + range, 8),
          List.of("bookings?" + range + "&format=csv", 8))) {
        String report = (String) run.get(0);
        int clients = (Integer) run.get(1);
        String path = "/v1/organizations/" + org + "/reports/" + report;
        var outcome = stage.load.run(clients, Duration.ofSeconds(seconds), Actions.get(path, token), status -> true);
        boolean ok = check("report " + report, outcome.successes() == outcome.requests() && !outcome.any5xx());
        results.add(summary(outcome).put("report", report).put("clients", clients).put("invariant", ok ? "OK"
            : "BROKEN").mergeIn(stage.resources(outcome.successes())));
        rows.add(List.of(report.replace(range, "one year by month"), clients, outcome.requests(),
            whole(outcome.successesPerSecond()), ms(outcome.ms(50)), ms(outcome.ms(95)), ms(outcome.ms(99)),
            ms(outcome.ms(100)), outcome.statuses()));
      }
      var totals = stage.load.json("/v1/organizations/" + org + "/reports/bookings?" + range + "&groupBy=month",
          token).getJsonArray("rows");
      long reported = totals.stream().mapToLong(r -> ((JsonObject) r).getLong("bookings")).sum();
      var berlin = "(starts_at at time zone 'Europe/Berlin')::date";
      long counted = stage.data.count("select count(*) from booking where organization_id = '" + org + "' and "
          + berlin + " between '" + to.withDayOfMonth(1).minusMonths(11) + "' and '" + to + "'");
      boolean ok = check("report totals", reported == counted && counted > 0);
      System.out.printf("%n### Scenario 5, reports: %,d bookings in one organization, rollups rebuilt in %.1f s,"
          + " %d s each%n", loaded, rebuildSeconds, seconds);
      table(List.of("report", "clients", "requests", "reports/s", "p50", "p95", "p99", "max", "statuses"),
          rows.toArray(List[]::new));
      System.out.printf("Totals: the report says %,d bookings in the year, the bookings table %,d: %s%n", reported,
          counted, ok ? "OK" : "BROKEN");
      report.put("reports", new JsonObject().put("bookings", loaded).put("rollupRebuildSeconds",
          Stage.round(rebuildSeconds)).put("runs", results).put("invariant", ok ? "OK" : "BROKEN"));
    }
  }

  /** Scenario 2 again with 10k, 100k and 1M slots in the table; then scenario 3, search, on the million. */
  private void scalingAndSearch(int seconds) {
    var rows = new ArrayList<JsonObject>();
    var sizes = List.of(System.getProperty("scaling", "10000,100000,1000000").split(","));
    for (String size : sizes) {
      int slots = Integer.parseInt(size.trim());
      try (var stage = new Stage("scaling-" + slots)) {
        long loading = System.nanoTime();
        var set = stage.data.load(PROVIDERS, slots / PROVIDERS, 1, 1000);
        System.out.printf("[%s] %,d slots loaded in %.0f s%n", stage.name, slots, (System.nanoTime() - loading) / 1e9);
        stage.start(Map.of(), CLIENTS);
        var outcome = stage.load.run(CLIENTS, Duration.ofSeconds(seconds), Actions.hold(Actions.anyOf(set.slots())),
            status -> true);
        rows.add(spreadResult(stage, slots, seconds, outcome));
        if (size.equals(sizes.getLast())) {  // the largest data set
          search(stage, set);
        }
      }
    }
    System.out.printf("%n### Scaling: scenario 2 with more slots in the table (%d clients, %d s each)%n", CLIENTS,
        seconds);
    spreadTable(rows);
    report.put("scaling", new JsonArray(new ArrayList<>(rows)));
  }

  /** Scenario 3: provider-week and organization-day searches over the stage's data, with a few clients. */
  private void search(Stage stage, DataSets.Slots set) {
    int clients = Integer.getInteger("search.clients", 8);
    int seconds = Integer.getInteger("search.seconds", 10);
    long seats = stage.data.count("select count(*) from seat");
    // measured on an idle service: the holds before it leave outbox consumers minutes of work, which ran during the
    // searches in round one and two and doubled their p99 (JFR)
    var settled = stage.quiet(Duration.ofMinutes(3));
    // warmed up like the holds: the stage's warm-up only held seats, so the search's path was compiled during its
    // measurement (a third of the service's CPU in it was the JIT's), work a node running for days does not do
    for (var kind : Actions.SEARCHES) {
      stage.load.run(clients, Duration.ofSeconds(Math.max(1, seconds / 2)), Actions.search(set, kind,
          new AtomicLong()), status -> true);
    }
    stage.quiet(Duration.ofMinutes(1));
    var results = new JsonArray();
    var rows = new ArrayList<List<Object>>();
    for (var kind : Actions.SEARCHES) {
      var found = new AtomicLong();
      var outcome = stage.load.run(clients, Duration.ofSeconds(seconds), Actions.search(set, kind, found),
          status -> true);
      double perPage = outcome.successes() == 0 ? 0 : found.get() / (double) outcome.successes();
      boolean ok = check("search " + kind, perPage > 0 && !outcome.any5xx());
      results.add(summary(outcome).put("search", kind).put("slotsPerPage", Stage.round(perPage))
          .put("seatRows", seats).put("afterTheHolds", settled).put("invariant", ok ? "OK" : "BROKEN: empty pages")
          .mergeIn(stage.resources(outcome.successes())));
      rows.add(List.of(kind, whole(perPage), outcome.requests(), whole(outcome.successesPerSecond()),
          ms(outcome.ms(50)), ms(outcome.ms(95)), ms(outcome.ms(99)), ms(outcome.ms(100)), outcome.statuses()));
    }
    System.out.printf("%n### Scenario 3, search: %,d seat rows, %d clients, %d s each%n", seats, clients, seconds);
    table(List.of("search", "slots/page", "searches", "searches/s", "p50", "p95", "p99", "max", "statuses"),
        rows.toArray(List[]::new));
    report.put("search", results);
  }

  private JsonObject spreadResult(Stage stage, int slots, int seconds, LoadGenerator.Outcome outcome) {
    long holds = outcome.statuses().getOrDefault(201, 0L);
    long oversold = stage.data.oversoldSlots();
    boolean ok = check("spread " + slots, oversold == 0 && !outcome.any5xx());
    return summary(outcome).put("slots", slots).put("seconds", seconds).put("holds", holds)
        .put("holdsPerSecond", Stage.round(holds / outcome.seconds())).put("oversoldSlots", oversold)
        .put("invariant", ok ? "OK" : "BROKEN").mergeIn(stage.resources(holds));
  }

  private static void spreadTable(List<JsonObject> results) {
    var rows = new ArrayList<List<Object>>();
    for (var r : results) {
      rows.add(List.of(String.format("%,d", r.getInteger("slots")), r.getLong("requests"), r.getLong("holds"),
          whole(r.getDouble("requestsPerSecond")), whole(r.getDouble("holdsPerSecond")), ms(r.getDouble("p50Ms")),
          ms(r.getDouble("p95Ms")), ms(r.getDouble("p99Ms")), ms(r.getDouble("maxMs")), r.getString("statuses"),
          cpu(r), r.getLong("servicePeakRssMb") + " MB", DatabaseWork.shown(r),
          r.getString("invariant") + ", " + r.getLong("oversoldSlots") + " oversold"));
    }
    table(List.of("slots", "requests", "holds", "req/s", "holds/s", "p50", "p95", "p99", "max", "statuses",
        "service CPU/hold (without JIT)", "service peak RSS", DatabaseWork.HEADER, "invariant"),
        rows.toArray(List[]::new));
  }

  private static JsonObject summary(LoadGenerator.Outcome outcome) {
    return new JsonObject().put("requests", outcome.requests()).put("successes", outcome.successes())
        .put("requestsPerSecond", Stage.round(outcome.requestsPerSecond()))
        .put("p50Ms", outcome.ms(50)).put("p95Ms", outcome.ms(95)).put("p99Ms", outcome.ms(99))
        .put("maxMs", outcome.ms(100)).put("statuses", outcome.statuses().toString());
  }

  private boolean check(String what, boolean ok) {
    if (!ok) {
      broken.add(what);
      System.out.println("INVARIANT BROKEN: " + what);
    }
    return ok;
  }
}
