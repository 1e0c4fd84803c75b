package dev.bookwell.platform.api;

import dev.bookwell.platform.db.Overload;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers an area's handler for API requests on a bus address. A {@link ProblemException} goes back to the
 * edge as its problem; any other failure is logged here with an id and goes back as a plain 500.
 */
public final class ApiConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(ApiConsumer.class);

  private ApiConsumer() {
  }

  /** An area's operations by operationId; an operation it does not know answers 501. */
  public static MessageConsumer<JsonObject> register(EventBus bus, String address,
                                                     Map<String, Function<ApiRequest, Future<ApiReply>>> operations) {
    return register(bus, address, request -> {
      var operation = operations.get(request.operationId());
      if (operation == null) {
        return Future.failedFuture(Problem.of("not-implemented", 501, "Not implemented",
            address + " has no operation " + request.operationId()).toException());
      }
      return operation.apply(request);
    });
  }

  public static MessageConsumer<JsonObject> register(EventBus bus, String address,
                                                     Function<ApiRequest, Future<ApiReply>> handler) {
    return bus.consumer(address, message -> {
      Future<ApiReply> reply;
      try {
        reply = handler.apply(ApiRequest.fromJson(message.body()));
      } catch (RuntimeException e) {
        reply = Future.failedFuture(e);
      }
      reply.onSuccess(r -> message.reply(r.toJson()))
          .onFailure(e -> fail(message, address, e));
    });
  }

  private static void fail(Message<JsonObject> message, String address, Throwable error) {
    Problem problem;
    if (error instanceof ProblemException known) {
      problem = known.problem();
    } else if (Overload.is(error)) {
      LOG.warn("{} refused, overloaded: {}", address, error.toString());
      problem = Problem.overloaded("Too many requests are waiting for the database; retry in a moment.");
    } else {
      LOG.error("{} failed", address, error);
      problem = Problem.internal();
    }
    message.fail(problem.status(), problem.toJson().encode());
  }
}
