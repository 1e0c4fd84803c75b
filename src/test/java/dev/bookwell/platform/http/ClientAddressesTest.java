package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Forwarded hops as proxies write them. */
class ClientAddressesTest {

  @Test
  void portsAreDroppedFromForwardedHops() {
    assertEquals("203.0.113.7", ClientAddresses.withoutPort("203.0.113.7:5678"));
    assertEquals("2001:db8::1", ClientAddresses.withoutPort("[2001:db8::1]:443"));
    assertEquals("2001:db8::1", ClientAddresses.withoutPort("2001:db8::1"));
    assertEquals("203.0.113.7", ClientAddresses.withoutPort("203.0.113.7"));
  }
}
