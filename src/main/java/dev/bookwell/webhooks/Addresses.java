package dev.bookwell.webhooks;

import dev.bookwell.platform.api.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;

/**
 * No server-side request forgery: an endpoint's host must resolve only to public addresses. Loopback, private
 * (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10, the cloud metadata address among them),
 * carrier-grade NAT (100.64/10), unspecified and multicast addresses are refused unless {@code allowPrivate}.
 * Checked when an endpoint is registered or changed and again before every delivery, and the delivery connects to
 * the address that was checked (so a DNS answer that changes in between cannot redirect it). Resolving blocks, so
 * it runs on a worker thread.
 */
final class Addresses {

  private Addresses() {
  }

  /** The endpoint URL, parsed: http or https, a host, no user info. 400 otherwise. */
  static URI parse(String url) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null || uri.getUserInfo() != null) {
        throw new IllegalArgumentException();
      }
      return uri;
    } catch (Exception e) {
      throw Problem.invalid("body", "url", "must be an http(s) URL with a host and no user info").toException();
    }
  }

  /** The address to connect to: the first the host resolves to, when every one of them is allowed. */
  static Future<InetAddress> resolve(Vertx vertx, URI uri, boolean allowPrivate) {
    return vertx.executeBlocking(() -> {
      InetAddress[] all;
      try {
        all = InetAddress.getAllByName(uri.getHost());
      } catch (UnknownHostException e) {
        throw Problem.of("endpoint-unresolvable", 422, "Unknown host", "The endpoint's host does not resolve.")
            .toException();
      }
      if (!allowPrivate && Arrays.stream(all).anyMatch(Addresses::internal)) {
        throw Problem.of("endpoint-not-public", 422, "Address not allowed", "The endpoint resolves to a loopback, "
            + "private, link-local or metadata address; webhooks go to public addresses only.").toException();
      }
      return all[0];
    }, false);
  }

  static boolean internal(InetAddress address) {
    if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
        || address.isSiteLocalAddress() || address.isMulticastAddress()) {
      return true;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 0 || first == 100 && second >= 64 && second < 128 || first == 192 && second == 0 && b[2] == 0
          || first >= 240;
    }
    if (address instanceof Inet6Address) {
      boolean uniqueLocal = (b[0] & 0xfe) == 0xfc;
      boolean mappedV4 = Arrays.stream(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}).allMatch(i -> b[i] == 0)
          && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
      if (mappedV4) {
        try {
          return internal(InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
        } catch (UnknownHostException e) {
          return true;
        }
      }
      return uniqueLocal;
    }
    return true;
  }
}
