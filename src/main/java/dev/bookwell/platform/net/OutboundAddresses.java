package dev.bookwell.platform.net;

import dev.bookwell.platform.api.Problem;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;

/**
 * No server-side request forgery, for every URL the service calls out to (webhook endpoints, imported calendars):
 * its host must resolve only to public addresses. Loopback, private
 * (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10, the cloud metadata address among them),
 * carrier-grade NAT (100.64/10), unspecified and multicast addresses are refused unless {@code allowPrivate}.
 * URLs use https on port 443 or 8443 (so a URL cannot probe other services). Checked when a URL is registered or
 * changed and again before every call, and the call connects to the address that was checked (so a DNS answer
 * that changes in between cannot redirect it). Resolving blocks, so it runs on a worker thread.
 */
public final class OutboundAddresses {

  private OutboundAddresses() {
  }

  /** Ports a public endpoint may use; any port with {@code allowPrivate} (local receivers in tests). */
  public static final java.util.Set<Integer> PORTS = java.util.Set.of(443, 8443);

  /**
   * The endpoint URL, parsed: https on a usual port (443, 8443), a host, no user info; with {@code allowPrivate}
   * also http and any port. 400 otherwise.
   */
  public static URI parse(String url, boolean allowPrivate) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (Exception e) {
      throw invalid();
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean schemeOk = scheme.equals("https") || allowPrivate && scheme.equals("http");
    int port = port(uri);
    if (!schemeOk || uri.getHost() == null || uri.getUserInfo() != null || !allowPrivate && !PORTS.contains(port)) {
      throw invalid();
    }
    return uri;
  }

  /** The port a URL names, or its scheme's. */
  public static int port(URI uri) {
    return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static RuntimeException invalid() {
    return Problem.invalid("body", "url", "must be an https URL on port 443 or 8443, with a host and no user info")
        .toException();
  }

  /** How long a lookup may take before its caller gives up on it (422 {@code endpoint-unresolvable}). */
  public static final java.time.Duration RESOLVE_TIMEOUT = java.time.Duration.ofSeconds(10);
  /** Lookups running or queued on one pool past which a new one is refused at once (503). */
  public static final int MAX_RESOLVING = 400;
  /** Per pool: a caller's lookups (webhook sends, calendar polls, the API's checks) never use up another's. */
  private static final java.util.Map<WorkerExecutor, java.util.concurrent.atomic.AtomicInteger> RESOLVING =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /**
   * The address to connect to: the first the host resolves to, when every one of them is allowed. On the caller's
   * own small worker pool: a slow name server then holds up that caller (webhooks, imports), not the service.
   * Within {@link #RESOLVE_TIMEOUT}, so a send or a poll (lookup, then request) ends in its own deadline; the
   * lookups still running (a blocked thread cannot be stopped) are counted, and past {@link #MAX_RESOLVING} a lookup
   * is refused at once, so a name server that never answers cannot grow the pools' queues without end (it did:
   * a delivery outlived its lease in the queue, was leased again and queued behind itself).
   */
  public static Future<InetAddress> resolve(WorkerExecutor resolver, URI uri, boolean allowPrivate) {
    var resolving = RESOLVING.computeIfAbsent(resolver, pool -> new java.util.concurrent.atomic.AtomicInteger());
    if (resolving.incrementAndGet() > MAX_RESOLVING) {
      resolving.decrementAndGet();
      return Future.failedFuture(Problem.overloaded("Too many host names are being looked up; try again shortly.")
          .toException());
    }
    Future<InetAddress> lookup;
    try {
      lookup = lookup(resolver, uri, allowPrivate);
    } catch (RuntimeException closed) {  // the pool refused the task (closing): nothing runs, nothing to count
      resolving.decrementAndGet();
      return Future.failedFuture(closed);
    }
    return lookup.onComplete(x -> resolving.decrementAndGet())
        .timeout(RESOLVE_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(e instanceof java.util.concurrent.TimeoutException
            ? Problem.of("endpoint-unresolvable", 422, "Host not resolved", "The URL's host did not resolve within "
                + RESOLVE_TIMEOUT.toSeconds() + " s.").toException() : e));
  }

  private static Future<InetAddress> lookup(WorkerExecutor resolver, URI uri, boolean allowPrivate) {
    return resolver.executeBlocking(() -> {
      InetAddress[] all;
      try {
        all = InetAddress.getAllByName(uri.getHost());
      } catch (UnknownHostException e) {
        throw Problem.of("endpoint-unresolvable", 422, "Unknown host", "The URL's host does not resolve.")
            .toException();
      }
      if (!allowPrivate && Arrays.stream(all).anyMatch(OutboundAddresses::internal)) {
        throw Problem.of("endpoint-not-public", 422, "Address not allowed", "The URL's host resolves to a "
            + "loopback, private, link-local or metadata address; only public addresses are called.").toException();
      }
      return all[0];
    }, false);
  }

  /**
   * Whether an address is not a public unicast one. IPv6 is allowed only in global unicast (2000::/3), and the
   * forms that carry an IPv4 address (mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that address;
   * Teredo (2001::/32) is refused.
   */
  public static boolean internal(InetAddress address) {
    if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
        || address.isSiteLocalAddress() || address.isMulticastAddress()) {
      return true;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 0 || first == 100 && second >= 64 && second < 128 || first == 192 && second == 0 && b[2] == 0
          || first == 198 && (second == 18 || second == 19) || first >= 240;
    }
    if (b.length != 16) {
      return true;
    }
    boolean mappedV4 = java.util.stream.IntStream.range(0, 10).allMatch(i -> b[i] == 0) && (b[10] & 0xff) == 0xff
        && (b[11] & 0xff) == 0xff;
    boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
    if (mappedV4 || nat64) {
      return v4Internal(Arrays.copyOfRange(b, 12, 16));
    }
    if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {  // 6to4: the IPv4 address follows the prefix
      return v4Internal(Arrays.copyOfRange(b, 2, 6));
    }
    boolean teredo = (b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && b[2] == 0 && b[3] == 0;
    boolean globalUnicast = (b[0] & 0xe0) == 0x20;
    return teredo || !globalUnicast;
  }

  private static boolean v4Internal(byte[] v4) {
    try {
      return internal(InetAddress.getByAddress(v4));
    } catch (UnknownHostException e) {
      return true;
    }
  }
}
