package dev.bookwell.platform.http;

import dev.bookwell.platform.config.Cidr;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Who the client is, for per-client limits. Behind a reverse proxy every request comes from the proxy, so the
 * client is taken from {@code X-Forwarded-For}, but only when the peer is a configured trusted proxy: the list is
 * read from the right (the hop nearest to us), skipping trusted proxies, and the first other address is the
 * client. Anything a client wrote further left is never believed, and a peer that is not trusted is the client.
 */
final class ClientAddresses {

  private final List<Cidr> trusted;

  ClientAddresses(List<String> trustedProxies) {
    this.trusted = trustedProxies.stream().map(Cidr::parse).toList();
  }

  String of(HttpServerRequest request) {
    String peer = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    if (peer == null || !isTrusted(peer)) {
      return peer;
    }
    var hops = new ArrayList<String>();
    for (String header : request.headers().getAll("X-Forwarded-For")) {
      for (String hop : header.split(",")) {
        hops.add(hop.trim());
      }
    }
    String client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = withoutPort(hops.get(i));
      if (Cidr.literal(hop) == null) {
        return client;  // a malformed hop: the last address we could trust to be real
      }
      client = hop;
      if (!isTrusted(hop)) {
        return hop;
      }
    }
    return client;
  }

  /** {@code 203.0.113.7:5678} and {@code [2001:db8::1]:443} as some proxies write them, without the port. */
  static String withoutPort(String hop) {
    if (hop.startsWith("[") && hop.indexOf(']') > 0) {
      return hop.substring(1, hop.indexOf(']'));
    }
    int colon = hop.indexOf(':');
    return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
  }

  private boolean isTrusted(String address) {
    return trusted.stream().anyMatch(cidr -> cidr.contains(address));
  }
}
