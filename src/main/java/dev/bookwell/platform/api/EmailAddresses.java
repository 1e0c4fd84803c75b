package dev.bookwell.platform.api;

import java.util.regex.Pattern;

/**
 * An email address as Bookwell takes one to write to: a bare address (WHATWG's "valid e-mail address", with a dot
 * in the domain), no display name, comment, quotes or white space. vertx-mail also takes {@code name <address>}
 * and writes the name into the To header as it is, a bare line feed included, so a guest's "address" with one
 * added headers to the mail sent for its booking (an attacker's Reply-To on the platform's mail).
 */
public final class EmailAddresses {

  private static final Pattern VALID = Pattern.compile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
      + "@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");

  private EmailAddresses() {
  }

  public static boolean valid(String address) {
    return address != null && address.length() <= 254 && VALID.matcher(address).matches();
  }

  /** {@code address} if it is one; otherwise a 400 naming {@code field} of the body. */
  public static String require(String address, String field) {
    if (!valid(address)) {
      throw Problem.invalid("body", field, "is not an email address").toException();
    }
    return address;
  }
}
