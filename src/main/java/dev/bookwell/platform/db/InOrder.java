package dev.bookwell.platform.db;

import io.vertx.core.Future;
import java.util.function.Function;

/**
 * Runs a step for each item one after the other (a transaction's statements go one at a time on its connection);
 * the first failure stops the rest.
 */
public final class InOrder {

  private InOrder() {
  }

  public static <T> Future<Void> each(Iterable<T> items, Function<T, Future<?>> step) {
    Future<Void> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(x -> step.apply(item).mapEmpty());
    }
    return chain;
  }
}
