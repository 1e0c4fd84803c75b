package dev.bookwell.platform.db;

import dev.bookwell.platform.api.Problem;
import io.vertx.pgclient.PgException;
import java.util.List;
import java.util.Map;

/** The PostgreSQL errors areas turn into problems: constraints that keep the data right did their job. */
public final class PgErrors {

  public static final String UNIQUE = "23505";
  public static final String FOREIGN_KEY = "23503";
  public static final String CHECK = "23514";
  public static final String EXCLUSION = "23P01";
  /** A lock asked for with NOWAIT is held by another transaction. */
  public static final String LOCK_NOT_AVAILABLE = "55P03";

  /**
   * The one mapping of the schema's overlap (exclusion) constraints to what a client is told: a provider's time
   * taken twice, a venue used by two providers at once. Every statement that can trip one ends up here.
   */
  private static final Map<String, Problem> OVERLAPS = Map.of(
      "booking_provider_no_overlap", Problem.of("provider-busy", 409, "Provider busy",
          "The provider has another booking at this time."),
      "slot_venue_no_overlap", Problem.of("venue-overlap", 409, "Venue already in use",
          "Another provider uses the venue at that time (buffers included)."));

  private PgErrors() {
  }

  public static final String DEADLOCK = "40P01";
  public static final String QUERY_CANCELED = "57014";
  public static final String SERIALIZATION = "40001";

  /** A deadlock victim or a serialization failure: the transaction did nothing and may simply run again. */
  public static boolean retryable(Throwable error) {
    return is(error, DEADLOCK) || is(error, SERIALIZATION);
  }

  /**
   * A value PostgreSQL refused (SQLSTATE class 22: too long, out of range, not valid text; or 23: a CHECK, NOT NULL,
   * unique, foreign-key or exclusion constraint that an area did not turn into a problem of its own): the request
   * was at fault, not the service, so it is a 4xx naming the column or constraint, never a 500. Null for others.
   */
  public static Problem problemOf(Throwable error) {
    if (!(error instanceof PgException pg) || pg.getSqlState() == null) {
      return null;
    }
    String what = pg.getColumn() != null ? pg.getColumn() : pg.getConstraint() != null ? pg.getConstraint()
        : "a value";
    String state = pg.getSqlState();
    if (state.startsWith("22") || state.equals(CHECK) || state.equals("23502")) {
      return Problem.validation("The request is not valid: " + what + " is not accepted ("
          + pg.getErrorMessage() + ").", List.of(new Problem.FieldError("body", what, "is not accepted")));
    }
    if (state.equals(EXCLUSION) && OVERLAPS.containsKey(pg.getConstraint())) {
      return OVERLAPS.get(pg.getConstraint());
    }
    if (state.equals(UNIQUE) || state.equals(EXCLUSION)) {
      return Problem.of("conflict", 409, "Conflict", "This clashes with something that exists (" + what + ").");
    }
    if (state.equals(FOREIGN_KEY)) {
      return Problem.of("unknown-reference", 422, "Unknown reference", "The request names something that does "
          + "not exist (" + what + ").");
    }
    return null;
  }

  /** Whether {@code error} is PostgreSQL refusing with SQLSTATE {@code state}. */
  public static boolean is(Throwable error, String state) {
    return error instanceof PgException pg && state.equals(pg.getSqlState());
  }
}
