package dev.eventrouter.queues.delivery;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * IPv6 ranges whose packets a gateway or relay carries on to an IPv4 address written into the IPv6
 * one: an {@link AddressPolicy} judges them by where they lead, not by how they look.
 */
enum Ipv4Carrier {

  /** RFC 6052's well-known prefix: the IPv4 address is the last 32 bits. */
  NAT64("nat64", "64:ff9b::/96", bytes -> Optional.of(Arrays.copyOfRange(bytes, 12, 16))),

  /** RFC 8215's local-use prefix: where the IPv4 address sits is the operator's choice. */
  LOCAL_NAT64("nat64", "64:ff9b:1::/48", bytes -> Optional.empty()),

  /** RFC 3056: 2002:AABB:CCDD::/48 is the site behind IPv4 A.B.C.D. */
  SIX_TO_FOUR("6to4", "2002::/16", bytes -> Optional.of(Arrays.copyOfRange(bytes, 2, 6))),

  /** RFC 4380: the client's IPv4 address is the last 32 bits, each bit inverted. */
  TEREDO(
      "teredo",
      "2001::/32",
      bytes -> {
        byte[] client = Arrays.copyOfRange(bytes, 12, 16);
        for (int i = 0; i < client.length; i++) {
          client[i] = (byte) ~client[i];
        }
        return Optional.of(client);
      });

  final String reason;
  private final AddressPolicy.Cidr range;
  private final Function<byte[], Optional<byte[]>> ipv4;

  Ipv4Carrier(String reason, String range, Function<byte[], Optional<byte[]>> ipv4) {
    this.reason = reason;
    this.range = AddressPolicy.Cidr.parse(range);
    this.ipv4 = ipv4;
  }

  /**
   * The IPv4 address an IPv4-mapped ({@code ::ffff:a.b.c.d}) or IPv4-compatible ({@code ::a.b.c.d})
   * address is: a dual-stack socket connects to it. Empty for any other address, {@code ::} and
   * {@code ::1} included.
   */
  static Optional<Inet4Address> sameHost(InetAddress address) {
    if (!(address instanceof Inet6Address)
        || address.isAnyLocalAddress()
        || address.isLoopbackAddress()) {
      return Optional.empty();
    }
    byte[] bytes = address.getAddress();
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return Optional.empty();
      }
    }
    boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    boolean compatible = bytes[10] == 0 && bytes[11] == 0;
    return mapped || compatible
        ? Optional.of(ipv4(Arrays.copyOfRange(bytes, 12, 16)))
        : Optional.empty();
  }

  /** The carrier whose range holds this address, if any. */
  static Optional<Ipv4Carrier> gatewayFor(InetAddress address) {
    return Arrays.stream(values()).filter(c -> c.range.contains(address)).findFirst();
  }

  /** The IPv4 address this carrier takes the address to, when it can be read from it. */
  Optional<Inet4Address> target(InetAddress address) {
    return ipv4.apply(address.getAddress()).map(Ipv4Carrier::ipv4);
  }

  private static Inet4Address ipv4(byte[] bytes) {
    try {
      return (Inet4Address) InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are an IPv4 address", e);
    }
  }
}
