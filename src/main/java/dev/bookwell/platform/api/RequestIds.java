package dev.bookwell.platform.api;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.spi.VertxServiceProvider;
import io.vertx.core.spi.context.storage.ContextLocal;

/**
 * The request id of the work running now. Vert.x runs each HTTP request and each bus message on a context of its
 * own (a duplicate of the verticle's, which the request's futures keep), so the id is kept there: every log line
 * of the request names it ({@link RequestIdMdc}), and every bus message its work sends carries it (an outbound
 * interceptor), so the edge's id follows a request into the area that answers it and the areas that one asks, on
 * whichever node they run. Registered as a {@link VertxServiceProvider} because a context local must exist before
 * the first Vert.x instance.
 */
public final class RequestIds implements VertxServiceProvider {

  /** The bus header that carries the id. */
  public static final String HEADER = "request-id";
  private static final ContextLocal<String> KEY = ContextLocal.registerLocal(String.class);

  @Override
  public void init(VertxBootstrap builder) {
    // registering KEY, above, is all this provider is for
  }

  /** The id of the request whose work runs now; null outside one. */
  public static String current() {
    ContextInternal context = own(Vertx.currentContext());
    return context == null ? null : context.getLocal(KEY);
  }

  /**
   * Marks the work on the current context as request {@code id}. Only a request's own (duplicate) context takes it:
   * on a verticle's shared context it would stick to every later request.
   */
  public static void use(String id) {
    ContextInternal context = own(Vertx.currentContext());
    if (context != null && id != null) {
      context.putLocal(KEY, id);
    }
  }

  /** Every message sent from a request's work carries its id. */
  public static void carry(EventBus bus) {
    bus.addOutboundInterceptor(delivery -> {
      String id = current();
      if (id != null && !delivery.message().headers().contains(HEADER)) {
        delivery.message().headers().add(HEADER, id);
      }
      delivery.next();
    });
  }

  private static ContextInternal own(Context context) {
    return context instanceof ContextInternal internal && internal.isDuplicate() ? internal : null;
  }
}
