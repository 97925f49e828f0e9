package dev.eventrouter.queues.delivery;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Which addresses deliveries may connect to. Endpoints come from tenants, and a router sits
 * inside a network: by default it refuses loopback, private (RFC 1918, IPv6 unique-local,
 * carrier-grade NAT), link-local (169.254.0.0/16: the cloud metadata service at 169.254.169.254),
 * multicast, broadcast and unspecified addresses. It is checked on the address a name resolved
 * to, when a connection is made, so a name that resolves elsewhere later (DNS rebinding) is
 * checked again. Ranges in the allowlist (CIDR) are let through: for development, tests, and
 * destinations that really are inside the network.
 */
public final class AddressPolicy {

  /** Refuses the internal ranges, allows nothing more. */
  public static final AddressPolicy PUBLIC_ONLY = new AddressPolicy(List.of());

  private static final Cidr CARRIER_GRADE_NAT = Cidr.parse("100.64.0.0/10");
  private static final Cidr THIS_NETWORK = Cidr.parse("0.0.0.0/8");
  private static final Cidr UNIQUE_LOCAL = Cidr.parse("fc00::/7");
  private static final Cidr BROADCAST = Cidr.parse("255.255.255.255/32");

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
    for (Cidr range : allowed) {
      if (range.contains(address)) {
        return Optional.empty();
      }
    }
    if (address.isLoopbackAddress()) {
      return Optional.of("loopback");
    }
    if (address.isAnyLocalAddress() || THIS_NETWORK.contains(address)) {
      return Optional.of("unspecified");
    }
    if (address.isLinkLocalAddress()) {
      return Optional.of("link-local");
    }
    if (address.isSiteLocalAddress() || UNIQUE_LOCAL.contains(address) || CARRIER_GRADE_NAT.contains(address)) {
      return Optional.of("private");
    }
    if (address.isMulticastAddress()) {
      return Optional.of("multicast");
    }
    if (BROADCAST.contains(address)) {
      return Optional.of("broadcast");
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
