package dev.bookwell.platform.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed configuration, read once at boot from environment variables (the README has the table).
 * A malformed value stops the boot with a message naming the variable.
 */
public record Config(
    String httpHost,
    int httpPort,
    int httpInstances,
    int eventLoops,
    Optional<String> databaseUrl,
    Path dataDir,
    int dbPoolSize,
    Duration shutdownTimeout,
    Duration outboxPollInterval,
    int outboxBatchSize,
    boolean demoData,
    Duration holdTtl,
    Duration holdSweepInterval,
    Identity identity,
    Payments payments,
    Limits limits,
    Edge edge,
    Mail mail,
    Webhooks webhooks,
    Waitlist waitlist,
    CalendarImport calendarImport,
    Cluster cluster,
    Keys keys) {

  /**
   * Clustering: with {@code enabled} ({@code BOOKWELL_CLUSTER=hazelcast}) the node joins the Hazelcast members
   * listed ({@code host} or {@code host:port}), listening for Hazelcast on {@code port} (the next free one when
   * taken) and for the event bus on {@code busPort} (0: any free port), both on {@code host}, which the other
   * members must be able to reach.
   */
  public record Cluster(boolean enabled, List<String> members, String host, int port, int busPort) {
  }

  /**
   * Where the access-token keys come from: {@code file} (made once in the data directory: one node), {@code config}
   * (the PEMs given, plus public keys of earlier pairs that still verify) or {@code database} (made once for all
   * nodes, sealed with {@code secretKey}, a new pair every {@code rotation}). {@code secretKey}, when set, also
   * derives the keys of reset, invitation and guest tokens, so these survive a rotation.
   */
  public record Keys(String source, Optional<String> secretKey, Duration rotation, List<String> previousPublicKeys) {
  }

  /**
   * Imported calendars: each polled every {@code interval}; URLs on private addresses only with
   * {@code allowPrivate} (tests reach their local server so).
   */
  public record CalendarImport(Duration interval, boolean allowPrivate) {
  }

  /** Waitlists: how long an offered seat is held for the person offered it, and how often lines are served. */
  public record Waitlist(Duration offerTtl, Duration roundInterval) {
  }

  /**
   * Outgoing webhooks: retried from {@code retryBase} doubling (with jitter), at most {@code maxBackoff} apart,
   * until {@code giveUp} after the first failure; endpoints on private addresses only with {@code allowPrivate}.
   */
  public record Webhooks(boolean allowPrivate, Duration retryBase, Duration maxBackoff, Duration giveUp,
                         Duration pollInterval) {
  }

  /**
   * Outgoing messages: the SMTP server ({@code smtp://user:pass@host:587}, {@code smtps://} for implicit TLS,
   * {@code ?starttls=required}); none configured writes mail to the demo mailbox ({@code devMailbox}, the embedded
   * demo) or keeps it queued. SMS and push go to HTTP gateways when their URLs are set (signed with
   * {@code channelSecret}), else to the log. Links in messages start with {@code publicUrl}; failed sends are retried
   * after {@code retryBase}, doubling.
   */
  public record Mail(Optional<String> smtpUrl, String from, String publicUrl, Duration pollInterval,
                     Duration retryBase, boolean devMailbox, Optional<String> smsUrl, Optional<String> pushUrl,
                     String channelSecret) {
  }

  /**
   * The HTTP edge: browser origins allowed by CORS (none by default: CORS off), and whether every success answer
   * is checked against the contract's response schemas before it leaves (the test suite turns it on; it costs a
   * schema validation per response). On shutdown {@code /ready} answers 503 for {@code drainDelay} before the edge
   * stops accepting, so a load balancer takes the node out first.
   */
  public record Edge(List<String> corsOrigins, boolean checkResponses, Duration drainDelay) {
  }

  /**
   * What one client or one organization may ask of the service. Per-minute limits are counted per client address
   * in PostgreSQL, so they hold across instances; {@code trustedProxies} are the peers whose X-Forwarded-For is
   * believed. The retention purge deletes published events, used tokens and old keys after {@code retention}.
   */
  public record Limits(int maxSlotsPerOrganization, long maxSeatsPerOrganization, int registrationsPerMinute,
                       int passwordResetsPerMinute, int guestHoldsPerMinute, int guestSeatsPerSlot,
                       List<String> trustedProxies, int dbWaitQueue, Duration retention, Duration purgeInterval,
                       Duration auditRetention, Duration dbConnectionTimeout, Duration dbStatementTimeout,
                       int searchConcurrency, int searchQueue) {
  }

  /**
   * Stripe, or the simulated gateway when chosen ({@code BOOKWELL_PAYMENTS=simulated}, the default only for the
   * embedded demo). Manual capture (the default): cards are authorized on hold and captured once the seat is
   * secured; automatic: captured at once, refunded if no seat can be had.
   */
  public record Payments(Optional<String> stripeSecretKey, List<String> webhookSecrets, Optional<String> stripeApiBase,
                         boolean manualCapture, boolean simulated, int applicationFeeBps,
                         Duration reconcileInterval) {
  }

  /** Accounts, tokens and login protection. */
  public record Identity(
      Optional<String> jwtPrivateKey,
      Optional<String> jwtPublicKey,
      String jwtIssuer,
      String jwtAudience,
      Duration accessTokenTtl,
      Duration refreshTokenTtl,
      int argon2MemoryKib,
      int argon2Iterations,
      int argon2Parallelism,
      int lockoutThreshold,
      Duration lockoutBase,
      int loginAttemptsPerMinute,
      Optional<String> adminEmail,
      Optional<String> adminPassword) {
  }

  /**
   * Fails closed: real money needs both Stripe secrets, and a real database never falls back to simulated payments
   * (where anyone could mark a hold paid) unless that is asked for by name.
   */
  private static Payments payments(EnvReader vars, boolean embedded) {
    var key = vars.optional("STRIPE_SECRET_KEY");
    var webhookSecrets = vars.optional("STRIPE_WEBHOOK_SECRET").map(v -> List.of(v.split("\\s*,\\s*")))
        .orElse(List.of());
    String mode = vars.choice("BOOKWELL_PAYMENTS", key.isPresent() || !embedded ? "stripe" : "simulated",
        List.of("stripe", "simulated"));
    if (mode.equals("stripe") && key.isEmpty()) {
      throw new IllegalArgumentException("STRIPE_SECRET_KEY is not set: payments need Stripe with a database of "
          + "your own (DATABASE_URL). Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or BOOKWELL_PAYMENTS=simulated "
          + "for a test system where nobody really pays");
    }
    if (mode.equals("stripe") && webhookSecrets.isEmpty()) {
      throw new IllegalArgumentException("STRIPE_WEBHOOK_SECRET is not set: without it no Stripe event can be "
          + "verified, and no payment would ever be confirmed");
    }
    return new Payments(key, webhookSecrets, vars.optional("STRIPE_API_BASE"),
        vars.choice("BOOKWELL_CAPTURE", "manual", List.of("manual", "automatic")).equals("manual"),
        mode.equals("simulated"), vars.integer("BOOKWELL_APPLICATION_FEE_BPS", 0, 0, 5000),
        reconcileInterval(vars));
  }

  private static Duration reconcileInterval(EnvReader vars) {
    Duration every = vars.duration("BOOKWELL_PAYMENT_RECONCILE_INTERVAL", Duration.ofMinutes(1));
    if (every.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("BOOKWELL_PAYMENT_RECONCILE_INTERVAL: at least a second");
    }
    return every;
  }

  public static Config fromEnv() {
    return from(System.getenv());
  }

  /**
   * One event loop per two cores (at least one), not Vert.x's two per core. A request crosses from the edge's loop
   * to its area's, to the database connection's, and back; each crossing to a loop that sleeps is a wake-up (a
   * system call), and a connection freed on one loop is handed to a request waiting on another. With two loops on
   * the benchmark's two cores (which PostgreSQL and the load generator share), a fifth of one loop's profile was
   * waking the other (JFR, the purchase stage); one loop took a third less service CPU per purchase (4.3 against
   * 5.8-6.7 ms) and per spread hold (1.0 against 1.5 ms), at the same or a higher rate (round two, thirteenth part,
   * in the README). What leaves the loops runs on worker threads beside them, on the same cores: Stripe, SMTP,
   * password hashing, PDF rendering, large bodies' validation, the collector and the JIT. Four loops on two cores
   * had cost more still (round two, third part). Only measured on two cores: on a node where the loops themselves
   * are the limit, raise {@code BOOKWELL_EVENT_LOOPS}.
   */
  public static int defaultEventLoops() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  public static Config from(Map<String, String> env) {
    var vars = new EnvReader(env);
    boolean embedded = vars.optional("DATABASE_URL").isEmpty();
    int eventLoops = vars.integer("BOOKWELL_EVENT_LOOPS", defaultEventLoops(), 1, 256);
    return new Config(
        // the embedded demo, with its well-known demo passwords, is reachable from this machine only by default
        vars.string("BOOKWELL_HTTP_HOST", embedded ? "127.0.0.1" : "0.0.0.0"),
        vars.integer("BOOKWELL_HTTP_PORT", 8080, 0, 65535),
        vars.integer("BOOKWELL_HTTP_INSTANCES", eventLoops, 1, 256),  // one per loop
        eventLoops,
        vars.optional("DATABASE_URL"),
        Path.of(vars.string("BOOKWELL_DATA_DIR", ".bookwell")),
        vars.integer("BOOKWELL_DB_POOL_SIZE", 16, 1, 1000),
        vars.duration("BOOKWELL_SHUTDOWN_TIMEOUT", Duration.ofSeconds(10)),
        vars.duration("BOOKWELL_OUTBOX_POLL_INTERVAL", Duration.ofMillis(200)),
        vars.integer("BOOKWELL_OUTBOX_BATCH_SIZE", 200, 1, 10_000),
        vars.bool("BOOKWELL_DEMO_DATA", vars.optional("DATABASE_URL").isEmpty()),
        vars.duration("BOOKWELL_HOLD_TTL", Duration.ofMinutes(10)),
        vars.duration("BOOKWELL_HOLD_SWEEP_INTERVAL", Duration.ofSeconds(5)),
        new Identity(
            vars.optional("BOOKWELL_JWT_PRIVATE_KEY"),
            vars.optional("BOOKWELL_JWT_PUBLIC_KEY"),
            vars.string("BOOKWELL_JWT_ISSUER", "bookwell"),
            vars.string("BOOKWELL_JWT_AUDIENCE", "bookwell-api"),
            vars.duration("BOOKWELL_ACCESS_TOKEN_TTL", Duration.ofMinutes(15)),
            vars.duration("BOOKWELL_REFRESH_TOKEN_TTL", Duration.ofDays(30)),
            vars.integer("BOOKWELL_ARGON2_MEMORY_KIB", 19_456, 8, 4_194_304),
            vars.integer("BOOKWELL_ARGON2_ITERATIONS", 2, 1, 100),
            vars.integer("BOOKWELL_ARGON2_PARALLELISM", 1, 1, 64),
            vars.integer("BOOKWELL_LOCKOUT_THRESHOLD", 5, 1, 1000),
            vars.duration("BOOKWELL_LOCKOUT_BASE", Duration.ofMinutes(1)),
            vars.integer("BOOKWELL_LOGIN_ATTEMPTS_PER_MINUTE", 30, 1, 1_000_000),
            vars.optional("BOOKWELL_ADMIN_EMAIL"),
            vars.optional("BOOKWELL_ADMIN_PASSWORD")),
        payments(vars, embedded),
        new Limits(
            vars.integer("BOOKWELL_MAX_SLOTS_PER_ORGANIZATION", 200_000, 1, 100_000_000),
            vars.integer("BOOKWELL_MAX_SEATS_PER_ORGANIZATION", 1_000_000, 1, 1_000_000_000),
            vars.integer("BOOKWELL_REGISTRATIONS_PER_MINUTE", 10, 1, 1_000_000),
            vars.integer("BOOKWELL_PASSWORD_RESETS_PER_MINUTE", 5, 1, 1_000_000),
            vars.integer("BOOKWELL_GUEST_HOLDS_PER_MINUTE", 20, 1, 1_000_000),
            vars.integer("BOOKWELL_GUEST_SEATS_PER_SLOT", 10, 1, 10_000),
            vars.cidrs("BOOKWELL_TRUSTED_PROXIES"),
            // Bounded in time by the connection timeout below. 256 shed a rush of 256 buyers at about a tenth of
            // a second of queued statements on 2 cores, and a shed settlement waits for the reconciler's next
            // round: paid bookings stayed pending for it (the purchase benchmark's 20 s p99; 3 s with 1,024)
            vars.integer("BOOKWELL_DB_WAIT_QUEUE", 1024, 1, 1_000_000),
            vars.duration("BOOKWELL_RETENTION", Duration.ofDays(30)),
            vars.duration("BOOKWELL_PURGE_INTERVAL", Duration.ofMinutes(10)),
            auditRetention(vars),
            vars.duration("BOOKWELL_DB_CONNECTION_TIMEOUT", Duration.ofSeconds(10)),
            vars.duration("BOOKWELL_DB_STATEMENT_TIMEOUT", Duration.ZERO),
            // as many slot searches at once as the node has cores: 8 at once on 2 cores took 2.7 times as long
            // each in PostgreSQL as alone, one in a hundred 50 ms or more (the search benchmark)
            vars.integer("BOOKWELL_SEARCH_CONCURRENCY", Math.max(2, Runtime.getRuntime().availableProcessors()), 1,
                1000),
            vars.integer("BOOKWELL_SEARCH_QUEUE", 1024, 0, 1_000_000)),
        new Edge(
            vars.optional("BOOKWELL_CORS_ORIGINS").map(v -> List.of(v.trim().split("\\s*,\\s*"))).orElse(List.of()),
            vars.bool("BOOKWELL_CHECK_RESPONSES", false),
            vars.duration("BOOKWELL_DRAIN_DELAY", Duration.ofSeconds(5))),
        new Mail(
            vars.optional("BOOKWELL_SMTP_URL"),
            vars.string("BOOKWELL_MAIL_FROM", "Bookwell <no-reply@bookwell.local>"),
            vars.string("BOOKWELL_PUBLIC_URL", "http://localhost:8080").replaceAll("/+$", ""),
            vars.duration("BOOKWELL_MAIL_POLL_INTERVAL", Duration.ofSeconds(2)),
            vars.duration("BOOKWELL_MAIL_RETRY_BASE", Duration.ofMinutes(1)),
            devMailbox(vars, embedded),
            vars.optional("BOOKWELL_SMS_URL"),
            vars.optional("BOOKWELL_PUSH_URL"),
            channelSecret(vars)),
        new Webhooks(
            vars.bool("BOOKWELL_WEBHOOK_ALLOW_PRIVATE", false),
            vars.duration("BOOKWELL_WEBHOOK_RETRY_BASE", Duration.ofSeconds(30)),
            vars.duration("BOOKWELL_WEBHOOK_MAX_BACKOFF", Duration.ofHours(6)),
            vars.duration("BOOKWELL_WEBHOOK_GIVE_UP", Duration.ofDays(3)),
            vars.duration("BOOKWELL_WEBHOOK_POLL_INTERVAL", Duration.ofSeconds(1))),
        new Waitlist(
            vars.duration("BOOKWELL_WAITLIST_OFFER_TTL", Duration.ofMinutes(30)),
            vars.duration("BOOKWELL_WAITLIST_ROUND", Duration.ofSeconds(10))),
        new CalendarImport(
            vars.duration("BOOKWELL_CALENDAR_IMPORT_INTERVAL", Duration.ofMinutes(15)),
            vars.bool("BOOKWELL_CALENDAR_IMPORT_ALLOW_PRIVATE", false)),
        cluster(vars),
        keys(vars));
  }

  /**
   * Fails closed: a cluster shares one external database and a secret key (its Hazelcast cluster name is derived
   * from it), and a node that others are listed at must not listen on loopback only.
   */
  private static Cluster cluster(EnvReader vars) {
    var cluster = new Cluster(vars.choice("BOOKWELL_CLUSTER", "none", List.of("none", "hazelcast"))
        .equals("hazelcast"),
        // as Hazelcast reads a member list: commas, semicolons or spaces between members
        List.of(vars.string("BOOKWELL_CLUSTER_MEMBERS", "127.0.0.1").trim().split("[,;\\s]+")),
        vars.string("BOOKWELL_CLUSTER_HOST", "127.0.0.1"),
        vars.integer("BOOKWELL_CLUSTER_PORT", 5701, 1, 65535),
        vars.integer("BOOKWELL_CLUSTER_BUS_PORT", 0, 0, 65535));
    if (!cluster.enabled()) {
      return cluster;
    }
    if (vars.optional("DATABASE_URL").isEmpty()) {
      throw new IllegalArgumentException("BOOKWELL_CLUSTER=hazelcast needs DATABASE_URL: the nodes of a cluster "
          + "share one database (an embedded one each would share nothing)");
    }
    if (vars.optional("BOOKWELL_SECRET_KEY").isEmpty()) {
      throw new IllegalArgumentException("BOOKWELL_SECRET_KEY is not set: the nodes of a cluster share it (the "
          + "Hazelcast cluster name is derived from it)");
    }
    boolean remote = cluster.members().stream().anyMatch(member -> !loopback(hostOf(member)));
    boolean loopback = loopback(cluster.host());
    if (loopback && remote) {
      throw new IllegalArgumentException("BOOKWELL_CLUSTER_HOST is a loopback address but BOOKWELL_CLUSTER_MEMBERS "
          + "lists other hosts: set it to this node's address as they reach it");
    }
    return cluster;
  }

  /** A member's host: {@code host}, {@code host:port}, {@code [v6]:port} or a bare IPv6 address. */
  private static String hostOf(String member) {
    if (member.startsWith("[")) {
      return member.substring(1, Math.max(1, member.indexOf(']')));
    }
    return member.chars().filter(c -> c == ':').count() == 1 ? member.substring(0, member.indexOf(':')) : member;
  }

  private static boolean loopback(String host) {
    byte[] address = Cidr.literal(host);
    try {
      return "localhost".equalsIgnoreCase(host)
          || address != null && java.net.InetAddress.getByAddress(address).isLoopbackAddress();
    } catch (java.net.UnknownHostException notAnAddress) {
      return false;
    }
  }

  /**
   * Fails closed: nodes of a cluster never make keys of their own (each would reject the others' tokens), and keys
   * kept in the database are never kept there readable.
   */
  private static Keys keys(EnvReader vars) {
    boolean configured = vars.optional("BOOKWELL_JWT_PRIVATE_KEY").isPresent()
        && vars.optional("BOOKWELL_JWT_PUBLIC_KEY").isPresent();
    boolean clustered = !vars.string("BOOKWELL_CLUSTER", "none").equals("none");
    String source = vars.choice("BOOKWELL_JWT_KEYS", configured ? "config" : clustered ? "database" : "file",
        List.of("file", "config", "database"));
    var secret = vars.optional("BOOKWELL_SECRET_KEY");
    if (secret.isPresent() && secret.get().length() < 32) {
      throw new IllegalArgumentException("BOOKWELL_SECRET_KEY: at least 32 characters (e.g. openssl rand -base64 32)");
    }
    if (source.equals("file") && clustered) {
      throw new IllegalArgumentException("BOOKWELL_JWT_KEYS=file in a cluster: every node would sign with keys of "
          + "its own; use database (with BOOKWELL_SECRET_KEY) or config");
    }
    if (source.equals("config") && !configured) {
      throw new IllegalArgumentException("BOOKWELL_JWT_KEYS=config needs BOOKWELL_JWT_PRIVATE_KEY and "
          + "BOOKWELL_JWT_PUBLIC_KEY");
    }
    if (source.equals("database") && secret.isEmpty()) {
      throw new IllegalArgumentException("BOOKWELL_SECRET_KEY is not set: signing keys kept in the database are "
          + "sealed with it");
    }
    Duration rotation = vars.duration("BOOKWELL_JWT_ROTATION", Duration.ofDays(30));
    if (rotation.compareTo(Duration.ofHours(1)) < 0) {
      throw new IllegalArgumentException("BOOKWELL_JWT_ROTATION: at least an hour (a key verifies for its tokens' "
          + "lifetime after the next one signs)");
    }
    // PEM bodies hold no commas, so a comma separates keys
    var previous = vars.optional("BOOKWELL_JWT_PREVIOUS_PUBLIC_KEYS")
        .map(v -> List.of(v.split(","))).orElse(List.<String>of()).stream()
        .map(String::trim).filter(k -> !k.isEmpty()).toList();
    return new Keys(source, secret, rotation, previous);
  }

  /**
   * The demo mailbox is public and holds live reset links: only for the embedded demo without SMTP, listening on
   * loopback (the default there); asked for anywhere else, the boot stops rather than expose it.
   */
  private static boolean devMailbox(EnvReader vars, boolean embedded) {
    boolean safe = embedded && vars.optional("BOOKWELL_SMTP_URL").isEmpty()
        && List.of("127.0.0.1", "localhost", "::1").contains(vars.string("BOOKWELL_HTTP_HOST", "127.0.0.1"));
    boolean wanted = vars.bool("BOOKWELL_DEV_MAILBOX", safe);
    if (wanted && !safe) {
      throw new IllegalArgumentException("BOOKWELL_DEV_MAILBOX: the demo mailbox is public and holds live links; it "
          + "runs only with the embedded database, no BOOKWELL_SMTP_URL and a loopback BOOKWELL_HTTP_HOST");
    }
    return wanted;
  }

  /** The audit trail is kept at least 30 days (the table refuses earlier deletes); two years unless set. */
  private static Duration auditRetention(EnvReader vars) {
    Duration retention = vars.duration("BOOKWELL_AUDIT_RETENTION", Duration.ofDays(730));
    if (retention.compareTo(Duration.ofDays(30)) < 0) {
      throw new IllegalArgumentException("BOOKWELL_AUDIT_RETENTION: at least 30 days (P30D)");
    }
    return retention;
  }

  /** Gateways see their messages signed; a configured gateway without a secret stops the boot. */
  private static String channelSecret(EnvReader vars) {
    var secret = vars.optional("BOOKWELL_CHANNEL_SECRET");
    if (secret.isEmpty() && (vars.optional("BOOKWELL_SMS_URL").isPresent()
        || vars.optional("BOOKWELL_PUSH_URL").isPresent())) {
      throw new IllegalArgumentException("BOOKWELL_CHANNEL_SECRET is not set: SMS and push gateways get signed "
          + "requests");
    }
    return secret.orElse("");
  }
}
