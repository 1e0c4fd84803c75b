package dev.bookwell.platform.api;

/** A failure an area means to show the client as it is; anything else becomes a logged 500. */
public final class ProblemException extends RuntimeException {

  private final Problem problem;

  public ProblemException(Problem problem) {
    super(problem.type() + ": " + problem.detail(), null, false, false);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }

  /** Whether {@code failure} is the problem {@code slug} (e.g. {@code hold-lost}). */
  public static boolean is(Throwable failure, String slug) {
    return failure instanceof ProblemException p && p.problem.type().equals(Problem.TYPE_BASE + slug);
  }

  /**
   * For {@code recover}: a 403 becomes {@code notFound}, so that whoever may not see a thing cannot tell it exists;
   * any other failure stays as it was.
   */
  public static <T> java.util.function.Function<Throwable, io.vertx.core.Future<T>> forbiddenAsNotFound(
      java.util.function.Supplier<RuntimeException> notFound) {
    return e -> io.vertx.core.Future.failedFuture(e instanceof ProblemException p && p.problem().status() == 403
        ? notFound.get() : e);
  }
}
