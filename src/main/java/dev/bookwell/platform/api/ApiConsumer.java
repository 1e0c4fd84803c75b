package dev.bookwell.platform.api;

import dev.bookwell.platform.db.Overload;
import dev.bookwell.platform.db.PgErrors;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
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

  /** The operations each address answers, as registered: a test holds them against the contract. */
  private static final Map<String, Set<String>> REGISTERED = new ConcurrentHashMap<>();

  /** The operationIds registered on {@code address} (empty when none). */
  public static Set<String> operations(String address) {
    return REGISTERED.getOrDefault(address, Set.of());
  }

  /** An area's operations by operationId; an operation it does not know answers 501. */
  public static MessageConsumer<JsonObject> register(EventBus bus, String address,
                                                     Map<String, Function<ApiRequest, Future<ApiReply>>> operations) {
    REGISTERED.put(address, Set.copyOf(operations.keySet()));
    return register(bus, address, request -> {
      var operation = operations.get(request.operationId());
      if (operation == null) {
        return Future.failedFuture(Problem.of("not-implemented", 501, "Not implemented",
            address + " has no operation " + request.operationId()).toException());
      }
      return operation.apply(request);
    });
  }

  /**
   * A local consumer, as every area's request address is: requests carry their caller (user and roles) for the
   * area to trust, so none may come over the wire from another cluster member; every node runs every area, so a
   * request is answered on the node that took it, and only events are published across the cluster.
   */
  public static MessageConsumer<JsonObject> register(EventBus bus, String address,
                                                     Function<ApiRequest, Future<ApiReply>> handler) {
    return bus.localConsumer(address, message -> answer(message,
        () -> handler.apply(ApiRequest.fromJson(message.body())).map(ApiReply::toJson)));
  }

  /**
   * Answers a bus request with what {@code work} gives, or with its failure as a problem whose status is the
   * failure code: for the areas' internal addresses as much as for API requests, so a caller never waits for a
   * timeout because a handler threw, and an overloaded pool is a 503 wherever it happens.
   */
  public static void answer(Message<JsonObject> message, Supplier<Future<JsonObject>> work) {
    RequestIds.use(message.headers().get(RequestIds.HEADER));  // the request this message is part of, if any
    Future<JsonObject> result;
    try {
      result = work.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(x -> LOG.debug("answered {}", message.address()));  // on the request's context, its id in the MDC
    result.onSuccess(message::reply).onFailure(e -> {
      Problem problem = problemOf(where(message), e);
      message.fail(problem.status(), problem.toJson().encode());
    });
  }

  /** The address, and for an API request the edge's request id: a failure's log line names both. */
  private static String where(Message<JsonObject> message) {
    var headers = message.body() == null ? null : message.body().getValue("headers") instanceof JsonObject h ? h : null;
    String id = headers == null ? null : headers.getValue("request-id") instanceof String s ? s : null;
    return id == null ? message.address() : message.address() + " [request " + id + "]";
  }

  /**
   * The problem a failure means: a {@link ProblemException} as it is; a problem answered by another area over the
   * bus, passed on; an overload, 503; anything else is logged here and becomes a plain 500.
   */
  public static Problem problemOf(String address, Throwable error) {
    if (error instanceof ProblemException known) {
      return known.problem();
    }
    if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      try {
        return Problem.fromJson(new JsonObject(reply.getMessage()));
      } catch (RuntimeException notAProblem) {
        if (reply.failureCode() == 503) {
          return busy(address, error);
        }
        // otherwise: logged as an internal error below
      }
    }
    if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
      LOG.error("{}: another area did not answer in time", address, error);
      return Problem.overloaded("The service is busy right now; nothing was done, retry in a moment.");
    }
    if (Overload.is(error)) {
      return busy(address, error);
    }
    if (dev.bookwell.platform.db.DatabaseDown.is(error)) {
      LOG.warn("{}: the database cannot be reached: {}", address, error.toString());
      return Problem.databaseUnavailable();
    }
    Problem refused = PgErrors.problemOf(error);
    if (refused != null) {
      LOG.info("{}: PostgreSQL refused a value: {}", address, error.getMessage());
      return refused;
    }
    LOG.error("{} failed", address, error);
    return Problem.internal();
  }

  private static Problem busy(String address, Throwable error) {
    LOG.warn("{} refused, overloaded: {}", address, error.toString());
    return Problem.overloaded("The service is busy right now; nothing was done, retry in a moment.");
  }
}
