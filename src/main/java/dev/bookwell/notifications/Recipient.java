package dev.bookwell.notifications;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * Who a message goes to and how they read it: an account ({@code userId} set: in-app, SMS and push possible) or a
 * guest (email only). Times are written in {@code timezone}, text in {@code locale}.
 */
record Recipient(UUID userId, String email, String phone, String name, String timezone, String locale) {

  /** From an identity contact {userId, email, name, phone, timezone, locale}. */
  static Recipient of(JsonObject contact) {
    return new Recipient(UUID.fromString(contact.getString("userId")), contact.getString("email"),
        contact.getString("phone"), contact.getString("name"), contact.getString("timezone", "UTC"),
        Messages.locale(contact.getString("locale")));
  }

  /** A guest as they gave themselves ({name, email}), reading times in the organization's zone. */
  static Recipient guest(JsonObject guest, String timezone) {
    return new Recipient(null, guest.getString("email"), null, guest.getString("name"),
        timezone == null ? "UTC" : timezone, Messages.locale(guest.getString("locale")));
  }

  /** Someone known only by an address (an invitation, before there is an account). */
  static Recipient address(String email) {
    return new Recipient(null, email, null, null, "UTC", "en");
  }
}
