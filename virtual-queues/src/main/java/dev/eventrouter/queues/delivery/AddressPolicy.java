package dev.eventrouter.queues.delivery;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which addresses deliveries may connect to. Endpoints come from tenants, and a router sits inside
 * a network: by default it refuses loopback, private (RFC 1918, IPv6 unique-local and site-local,
 * carrier-grade NAT), link-local (169.254.0.0/16: the cloud metadata service at 169.254.169.254),
 * multicast, broadcast, unspecified, reserved and documentation addresses, and IPv6 addresses with
 * a zone id. An IPv6 address that carries an IPv4 one is judged as what it reaches: an IPv4-mapped
 * or IPv4-compatible address as its IPv4 address (the socket connects to that), a NAT64, 6to4 or
 * Teredo address is refused unless its range is allowed, and then its IPv4 address must be allowed
 * too. It is checked on the address a name resolved to, when a connection is made, so a name that
 * resolves elsewhere later (DNS rebinding) is checked again. Ranges in the allowlist (CIDR) are let
 * through: for development, tests, and destinations that really are inside the network.
 */
public final class AddressPolicy {

  /** Refuses the internal ranges, allows nothing more. */
  public static final AddressPolicy PUBLIC_ONLY = new AddressPolicy(List.of());

  private static final Cidr CARRIER_GRADE_NAT = Cidr.parse("100.64.0.0/10");
  private static final Cidr THIS_NETWORK = Cidr.parse("0.0.0.0/8");
  private static final Cidr UNIQUE_LOCAL = Cidr.parse("fc00::/7");
  private static final Cidr BROADCAST = Cidr.parse("255.255.255.255/32");

  /**
   * IETF protocol assignments, benchmarking, the former class E, documentation, IPv6 discard:
   * nothing a tenant's endpoint is on, and in some networks something internal.
   */
  private static final List<Cidr> RESERVED =
      Stream.of(
              "192.0.0.0/24",
              "198.18.0.0/15",
              "240.0.0.0/4",
              "192.0.2.0/24",
              "198.51.100.0/24",
              "203.0.113.0/24",
              "2001:db8::/32",
              "100::/64")
          .map(Cidr::parse)
          .toList();

  private final List<Cidr> allowed;

  private AddressPolicy(List<Cidr> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  /**
   * @param allowlist CIDR ranges separated by commas or spaces ({@code 127.0.0.0/8, 10.1.0.0/16}),
   *     or single addresses; empty for none
   * @throws IllegalArgumentException naming the first range that is not one
   */
  public static AddressPolicy allowing(String allowlist) {
    List<Cidr> ranges = new ArrayList<>();
    for (String range : allowlist.split("[,\\s]+")) {
      if (!range.isBlank()) {
        ranges.add(Cidr.parse(range.trim()));
      }
    }
    return new AddressPolicy(ranges);
  }

  /** Why deliveries may not connect to this address; empty when they may. */
  public Optional<String> refusal(InetAddress address) {
    Optional<Inet4Address> sameHost = Ipv4Carrier.sameHost(address);
    if (sameHost.isPresent()) {
      return refusal(sameHost.get());
    }
    Optional<Ipv4Carrier> gateway = Ipv4Carrier.gatewayFor(address);
    if (allowed.stream().anyMatch(range -> range.contains(address))) {
      // allowing a gateway's range does not allow the internal IPv4 addresses behind it
      return gateway.flatMap(g -> g.target(address)).flatMap(this::refusal);
    }
    if (gateway.isPresent()) {
      return Optional.of(gateway.get().reason);
    }
    return internalRange(address);
  }

  private static Optional<String> internalRange(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return Optional.of("loopback");
    }
    if (address.isAnyLocalAddress() || THIS_NETWORK.contains(address)) {
      return Optional.of("unspecified");
    }
    if (address.isLinkLocalAddress()) {
      return Optional.of("link-local");
    }
    if (address.isSiteLocalAddress()
        || UNIQUE_LOCAL.contains(address)
        || CARRIER_GRADE_NAT.contains(address)) {
      return Optional.of("private");
    }
    if (address.isMulticastAddress()) {
      return Optional.of("multicast");
    }
    if (BROADCAST.contains(address)) {
      return Optional.of("broadcast");
    }
    if (RESERVED.stream().anyMatch(range -> range.contains(address))) {
      return Optional.of("reserved");
    }
    if (address instanceof Inet6Address v6
        && (v6.getScopeId() != 0 || v6.getScopedInterface() != null)) {
      // a zone id names an interface of this machine: no tenant's endpoint needs one
      return Optional.of("zone-id");
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "AddressPolicy[internal ranges refused, allowed " + allowed + "]";
  }

  /** An address range: the first {@code bits} bits of {@code prefix}. */
  record Cidr(byte[] prefix, int bits) {

    static Cidr parse(String text) {
      int slash = text.indexOf('/');
      String host = slash < 0 ? text : text.substring(0, slash);
      // a literal only: a name here would be looked up in DNS
      if (!host.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
        throw new IllegalArgumentException("not an address range (CIDR): '" + text + "'");
      }
      byte[] address;
      try {
        address = InetAddress.getByName(host).getAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("not an address range (CIDR): '" + text + "'", e);
      }
      int bits;
      try {
        bits = slash < 0 ? address.length * 8 : Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not an address range (CIDR): '" + text + "'", e);
      }
      if (host.contains(":") && address.length == 4 && slash >= 0) {
        // the JDK reads ::ffff:a.b.c.d as the IPv4 address it maps, so its prefix counts from there
        bits -= 96;
      }
      if (bits < 0 || bits > address.length * 8) {
        throw new IllegalArgumentException("prefix length out of range in '" + text + "'");
      }
      return new Cidr(address, bits);
    }

    boolean contains(InetAddress address) {
      byte[] bytes = address.getAddress();
      if (address instanceof Inet6Address && prefix.length == 4) {
        return false;
      }
      if (address instanceof Inet4Address && prefix.length == 16) {
        return false;
      }
      for (int bit = 0; bit < bits; bit++) {
        int mask = 0x80 >>> (bit % 8);
        if ((bytes[bit / 8] & mask) != (prefix[bit / 8] & mask)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public String toString() {
      try {
        return InetAddress.getByAddress(prefix).getHostAddress() + "/" + bits;
      } catch (UnknownHostException e) {
        return Arrays.toString(prefix) + "/" + bits;
      }
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Cidr c && bits == c.bits && Arrays.equals(prefix, c.prefix);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(prefix) * 31 + bits;
    }
  }
}
