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
}
