package dev.bookwell.notifications;

import static dev.bookwell.db.Tables.EMAIL_UNSUBSCRIBE;
import static dev.bookwell.db.Tables.OUTGOING_MESSAGE;

import dev.bookwell.platform.db.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import org.jooq.JSONB;

/**
 * Queues one message for one person on each channel they chose for its category, inside the transaction that
 * records the event as handled (so a redelivered event queues nothing twice). The log rows name what to say
 * (template, ids, zone); the text is rendered when the row is sent.
 */
final class Deliveries {

  /**
   * One message to one person: {@code params} holds {@code id} (the booking, reset, invitation or provider it is
   * about) and what the text needs beyond it; {@code inApp} is its inbox entry (null: none).
   */
  record Note(Recipient to, String category, String template, UUID organizationId, JsonObject params, InApp inApp) {
  }

  /** An inbox entry: title and line, and where it leads. */
  record InApp(String title, String message, String link) {
  }

  private Deliveries() {
  }

  /**
   * A note about a booking: in the recipient's words and zone, its inbox entry titled like the mail's subject;
   * {@code extra} adds to the row's params.
   */
  static Note aboutBooking(Recipient to, String category, String template, UUID organizationId, String bookingId,
                           String reference, String startsAt, JsonObject extra) {
    String when = Messages.when(startsAt, to.timezone(), to.locale());
    var facts = new Messages.Facts(reference, when, null, null, null, null);
    var params = (extra == null ? new JsonObject() : extra.copy()).put("id", bookingId);
    return new Note(to, category, template, organizationId, params, new InApp(Messages.subject(template,
        to.locale(), facts), reference + ", " + when, "/v1/bookings/" + bookingId));
  }

  /** Queues {@code note} under {@code eventId} (the event, or the reminder, it comes from). */
  static Future<Void> queue(Sql tx, UUID eventId, Note note) {
    Recipient to = note.to();
    return Preferences.channels(tx, to.userId(), note.category())
        .compose(channels -> unsubscribed(tx, to.email(), note.category()).map(left -> {
          var kept = new LinkedHashSet<>(channels);
          if (left) {
            kept.remove(Preferences.EMAIL);
          }
          return kept;
        }))
        .compose(channels -> rows(tx, eventId, note, channels)
            .compose(x -> channels.contains(Preferences.IN_APP) && to.userId() != null && note.inApp() != null
                ? Inbox.add(tx, to.userId(), eventId, note.category(), note.inApp().title(),
                    note.inApp().message(), note.inApp().link())
                : Future.succeededFuture()));
  }

  private static Future<Void> rows(Sql tx, UUID eventId, Note note, Set<String> channels) {
    Recipient to = note.to();
    var insert = Sql.DSL.insertInto(OUTGOING_MESSAGE, OUTGOING_MESSAGE.EVENT_ID, OUTGOING_MESSAGE.CHANNEL,
        OUTGOING_MESSAGE.CATEGORY, OUTGOING_MESSAGE.TEMPLATE, OUTGOING_MESSAGE.PARAMS, OUTGOING_MESSAGE.RECIPIENT,
        OUTGOING_MESSAGE.LOCALE, OUTGOING_MESSAGE.ORGANIZATION_ID);
    JSONB params = JSONB.valueOf(note.params().copy().put("timezone", to.timezone()).put("name", to.name()).encode());
    int count = 0;
    for (String channel : channels) {
      String address = switch (channel) {
        case Preferences.EMAIL -> to.email();
        case Preferences.SMS -> to.phone();
        case Preferences.PUSH -> to.userId() == null ? null : to.userId().toString();
        default -> null;  // in-app is the inbox, not the log
      };
      if (address != null) {
        insert = insert.values(eventId, channel, note.category(), note.template(), params, address, to.locale(),
            note.organizationId());
        count++;
      }
    }
    return count == 0 ? Future.succeededFuture() : tx.update(insert).mapEmpty();
  }

  private static Future<Boolean> unsubscribed(Sql tx, String email, String category) {
    return email == null || !Preferences.UNSUBSCRIBABLE.contains(category) ? Future.succeededFuture(false)
        : tx.fetchOptional(Sql.DSL.selectOne().from(EMAIL_UNSUBSCRIBE).where(EMAIL_UNSUBSCRIBE.ADDRESS.eq(Unsubscribes.normal(email)))
            .and(EMAIL_UNSUBSCRIBE.CATEGORY.eq(category))).map(found -> found.isPresent());
  }
}
