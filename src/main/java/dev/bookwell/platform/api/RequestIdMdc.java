package dev.bookwell.platform.api;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Puts the current request's id ({@link RequestIds}) in the MDC as {@code requestId} before each log line, on the
 * thread that logs it: event-loop threads serve many requests in turn, so the MDC is set from the Vert.x context each
 * time rather than once per request. The text format prints it ({@code %X{requestId}}); the JSON format has it in
 * {@code mdc}. Declared in logback.xml as a turbo filter (it only annotates, never filters).
 */
public final class RequestIdMdc extends TurboFilter {

  static final String KEY = "requestId";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                            Throwable t) {
    String id = RequestIds.current();
    if (id == null) {
      if (MDC.get(KEY) != null) {
        MDC.remove(KEY);
      }
    } else if (!id.equals(MDC.get(KEY))) {
      MDC.put(KEY, id);
    }
    return FilterReply.NEUTRAL;
  }
}
