package dev.bookwell.platform.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Whom a rate-limit hit counts against. */
class RateLimitsTest {

  @Test
  void anIpv6ClientCountsByItsSlash64AndIpv4ByItsAddress() {
    assertEquals(RateLimits.key("2001:db8:1:2::1"), RateLimits.key("2001:db8:1:2:ffff:ffff:ffff:fffe"),
        "fresh addresses from one /64 share one count");
    assertEquals("20010db800010002::/64", RateLimits.key("2001:db8:1:2::1"));
    assertEquals("203.0.113.7", RateLimits.key("203.0.113.7"));
    assertEquals("unknown", RateLimits.key(null));
  }
}
