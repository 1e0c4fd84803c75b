package dev.bookwell.notifications;

import io.vertx.core.Future;

/**
 * One way of reaching a person: email (SMTP, or the demo mailbox), SMS, push. A send gives what the far end
 * answered (kept in the log); it fails with {@link Refused} when the far end will never take this message, with
 * anything else when a later attempt may succeed.
 */
interface Channel {

  Future<String> send(Outgoing message);

  /** One message on its way: the recipient's address on this channel, the rendered letter, its log row's id. */
  record Outgoing(String id, String recipient, Messages.Letter letter, Calendar calendar) {
  }

  /** A calendar entry to attach ({@code .ics}); null on messages without one. */
  record Calendar(String name, String ics) {
  }

  /** At most 1,000 characters of what a far end said, for the log. */
  static String excerpt(String text) {
    return text == null || text.length() <= 1000 ? text : text.substring(0, 1000);
  }

  /** Nothing was sent and nothing will be (no gateway for the channel): the row is skipped, with the reason. */
  final class NotSent extends RuntimeException {
    NotSent(String message) {
      super(message, null, false, false);
    }
  }

  /** The far end refused this message for good (SMTP 5xx, HTTP 4xx): no retry. */
  final class Refused extends RuntimeException {
    private final boolean addressRefused;

    Refused(String message, boolean addressRefused) {
      super(message, null, false, false);
      this.addressRefused = addressRefused;
    }

    /** The address itself was refused (unknown mailbox): later mail to it is skipped. */
    boolean addressRefused() {
      return addressRefused;
    }
  }
}
