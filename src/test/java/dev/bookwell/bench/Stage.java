package dev.bookwell.bench;

import dev.bookwell.support.TestDatabase;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * One benchmark stage: a fresh database, the data loaded into it, then Bookwell in its own JVM on that database,
 * warmed up, and a load generator pointed at it. Closing stops the service.
 */
final class Stage implements AutoCloseable {

  final String name;
  final PgConnectOptions db;
  final DataSets data;
  private final DataSets.Slots warmUpSlots;
  ServiceProcess service;
  LoadGenerator load;
  private double cpuMark;
  private double jitMark;

  private final int warmUpSeconds;

  /** A stage warmed up for {@link #WARM_UP_SECONDS}. */
  Stage(String name) {
    this(name, WARM_UP_SECONDS);
  }

  Stage(String name, int warmUpSeconds) {
    this.name = name;
    this.warmUpSeconds = warmUpSeconds;
    var database = TestDatabase.fresh();
    this.db = database.connectOptions();
    this.data = new DataSets(database);
    this.warmUpSlots = data.load(1, (warmUpSeconds + 29) / 30, Integer.getInteger("warmup", 10000), 1000);
  }

  /**
   * How long the service is warmed up ({@code -Dbench.warmup.seconds}, 30 s); the purchase stage, whose path is the
   * longest, twice as long: with 30 s, as until round two's fourteenth part, the C2 compiler was still at work
   * through its measured run (a third of a core), compiling what the warm-up had not run.
   */
  static final int WARM_UP_SECONDS = Integer.getInteger("warmup.seconds", 30);

  /**
   * Starts the service (after the data is loaded), warms it up with holds on slots of its own: 64 clients for the
   * stage's warm-up on a slot of 10,000 seats ({@code -Dbench.warmup}) for every 30 s, taken in turn, enough that
   * holds succeed for most of the warm-up. With 1,500 seats, as before, the slot sold out in a few seconds and the
   * rest of the warm-up ran only the refusal path, so the measured holds ran partly before the JIT compilers had
   * compiled them (and paid for their compiling). Then it waits until the service is idle: the warm-up's holds leave
   * their background work (events relayed, consumed), which would otherwise run during, and be counted in, the first
   * measurement. Then it settles the database ({@link #settle}).
   */
  void start(Map<String, String> env, int clients) {
    start(env, clients, HOLDS, HELD);
  }

  /** Started and warmed up as {@link #start}, the tables not yet settled ({@link #settle}). */
  void launch(Map<String, String> env, int clients) {
    launch(env, clients, HOLDS, HELD);
  }

  /** The default warm-up: holds, each client going on while they succeed. */
  private static final BiFunction<LoadGenerator, Supplier<UUID>, LoadGenerator.Action> HOLDS =
      (generator, slot) -> Actions.hold(slot);
  private static final IntPredicate HELD = status -> status == 201;

  /**
   * Starts the service as above, warmed up with the stage's own action on the warm-up slot, each warm-up client
   * going on while {@code keepGoing} says so: a purchase stage warms up with purchases, so that the webhook, the
   * capture and the confirmation are compiled before they are measured, as on a node that has run for a while.
   */
  void start(Map<String, String> env, int clients, BiFunction<LoadGenerator, Supplier<UUID>, LoadGenerator.Action> warmUp,
             IntPredicate keepGoing) {
    launch(env, clients, warmUp, keepGoing);
    settle();
  }

  private void launch(Map<String, String> env, int clients,
                      BiFunction<LoadGenerator, Supplier<UUID>, LoadGenerator.Action> warmUp, IntPredicate keepGoing) {
    System.out.printf("[%s] starting the service%n", name);
    service = ServiceProcess.start(name, db, env);
    load = new LoadGenerator(service.port, clients);
    UUID[] slots = warmUpSlots.slots();
    var next = new java.util.concurrent.atomic.AtomicInteger();
    load.run(64, Duration.ofSeconds(warmUpSeconds),
        warmUp.apply(load, () -> slots[Math.floorMod(next.getAndIncrement(), slots.length)]), keepGoing);
    quiet(Duration.ofMinutes(3));
  }

  /**
   * The stage's database as a node's is after a while, before anything is measured: vacuumed, its statistics those
   * of the tables as the warm-up left them, its dirty pages written; then the service idle again (the CPU counts
   * start afresh). Until round two's twenty-second part the service's own tables (bookings, payments, events)
   * kept the statistics the data set's ANALYZE took while they were empty ({@code reltuples} 0, where a table never
   * analyzed is assumed 10 pages). A generic plan made on such a table of a page or two, at a statement's sixth
   * execution on a pooled connection, was a sequential scan, and the connection kept it as the table grew, until
   * VACUUM or ANALYZE updated the table's row in {@code pg_class}; and autovacuum's first rounds over the freshly
   * written tables (the loaded ones by the rows inserted since no vacuum, the service's by a share of 0 rows) fell
   * into whichever run was going. When its launcher came by decided both: one purchase warm-up scanned the payment
   * table 56,651 times (407 million rows), one spread run recorded every intent with 130 buffers instead of 14.
   */
  void settle() {
    data.execute("vacuum analyze");
    data.execute("checkpoint");
    quiet(Duration.ofMinutes(1));
  }

  /**
   * Waits, at most {@code max}, until the service is idle (under 5 % of a core for three seconds in a row, longer
   * than the background rounds' intervals): the work an earlier run
   * left behind, such as outbox consumers catching up with thousands of holds, then no longer competes with the next
   * measurement. Gives the seconds waited and the service's CPU seconds meanwhile, and starts the CPU count afresh.
   */
  JsonObject quiet(Duration max) {
    long start = System.nanoTime();
    double cpuStart = service.cpuSeconds();
    double before = cpuStart;
    int idleSeconds = 0;
    while (idleSeconds < 3 && System.nanoTime() - start < max.toNanos()) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      double now = service.cpuSeconds();
      idleSeconds = now - before < 0.05 ? idleSeconds + 1 : 0;
      before = now;
    }
    cpuMark = service.cpuSeconds();
    jitMark = service.jitCpuSeconds();
    var waited = new JsonObject().put("quietAfterSeconds", round((System.nanoTime() - start) / 1e9))
        .put("cpuSecondsMeanwhile", round(cpuMark - cpuStart));
    System.out.printf("[%s] idle after %s%n", name, waited.encode());
    return waited;
  }

  /** The service's resources since the settling or the last call: CPU seconds, CPU ms per success, peak RSS. */
  JsonObject resources(long successes) {
    double now = service.cpuSeconds();
    double cpu = now - cpuMark;
    double jitNow = service.jitCpuSeconds();
    double jit = Math.max(0, jitNow - jitMark);  // a compiler thread that stopped takes its time with it
    cpuMark = now;
    jitMark = jitNow;
    return new JsonObject().put("serviceCpuSeconds", round(cpu))
        .put("serviceCpuMsPerSuccess", successes == 0 ? null : round(cpu * 1000 / successes))
        .put("serviceJitCpuSeconds", round(jit))
        .put("serviceCpuMsPerSuccessWithoutJit", successes == 0 ? null : round((cpu - jit) * 1000 / successes))
        .put("servicePeakRssMb", service.peakRssMb());
  }

  /**
   * Once the service is idle again (the run's events relayed and consumed), adds to a run's {@code result}, whose
   * service CPU ({@link #resources}) was taken as the run ended, that CPU with the catch-up's, and the database's
   * work since {@code before} (taken just before the run), per success.
   */
  JsonObject catchUp(JsonObject result, DatabaseWork.Mark before, long successes) {
    double run = result.getDouble("serviceCpuSeconds");  // resources() first: the wait starts its count afresh
    var waited = quiet(Duration.ofMinutes(3));
    double cpu = run + waited.getDouble("cpuSecondsMeanwhile");
    return result.put("catchUp", waited)
        .put("serviceCpuMsPerSuccessWithCatchUp", successes == 0 ? null : round(cpu * 1000 / successes))
        .mergeIn(data.workSince(before, successes));
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  void stopService() {
    if (load != null) {
      load.close();
      load = null;
    }
    if (service != null) {
      service.close();
      service = null;
    }
  }

  @Override
  public void close() {
    stopService();
    data.close();
  }
}
