package dev.bookwell.notifications;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default SMS and push channel when no gateway is configured: the message is logged, not sent, and its row is
 * {@code skipped} (never counted as sent).
 */
final class LogChannel implements Channel {

  private static final Logger LOG = LoggerFactory.getLogger(LogChannel.class);
  private final String name;

  LogChannel(String name) {
    this.name = name;
  }

  @Override
  public Future<String> send(Outgoing message) {
    LOG.info("{} to {} (no gateway configured, logged only): {}", name, message.recipient(),
        message.letter().shortText());
    return Future.failedFuture(new NotSent("no " + name + " gateway configured: logged only"));
  }
}
