package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressPolicyTest {

  @Test
  void refusesEveryInternalRangeAndNamesIt() throws Exception {
    AddressPolicy policy = AddressPolicy.PUBLIC_ONLY;

    assertThat(policy.refusal(ip("127.0.0.1"))).contains("loopback");
    assertThat(policy.refusal(ip("127.255.0.9"))).contains("loopback");
    assertThat(policy.refusal(ip("::1"))).contains("loopback");
    assertThat(policy.refusal(ip("::ffff:127.0.0.1"))).contains("loopback");
    assertThat(policy.refusal(ip("169.254.169.254"))).contains("link-local");
    assertThat(policy.refusal(ip("fe80::1"))).contains("link-local");
    assertThat(policy.refusal(ip("10.0.0.1"))).contains("private");
    assertThat(policy.refusal(ip("172.31.255.255"))).contains("private");
    assertThat(policy.refusal(ip("192.168.0.1"))).contains("private");
    assertThat(policy.refusal(ip("100.127.0.1"))).contains("private");
    assertThat(policy.refusal(ip("fd12:3456::1"))).contains("private");
    assertThat(policy.refusal(ip("0.0.0.0"))).contains("unspecified");
    assertThat(policy.refusal(ip("0.1.2.3"))).contains("unspecified");
    assertThat(policy.refusal(ip("::"))).contains("unspecified");
    assertThat(policy.refusal(ip("239.1.1.1"))).contains("multicast");
    assertThat(policy.refusal(ip("ff02::1"))).contains("multicast");
    assertThat(policy.refusal(ip("255.255.255.255"))).contains("broadcast");

    assertThat(policy.refusal(ip("93.184.216.34"))).isEmpty();
    assertThat(policy.refusal(ip("172.32.0.1"))).isEmpty();
    assertThat(policy.refusal(ip("100.128.0.1"))).isEmpty();
    assertThat(policy.refusal(ip("2606:2800:220:1::1"))).isEmpty();
  }

  @Test
  void anAllowlistLetsItsRangesThroughAndNothingElse() throws Exception {
    AddressPolicy policy = AddressPolicy.allowing("127.0.0.0/8, 10.1.0.0/16 ::1");

    assertThat(policy.refusal(ip("127.0.0.1"))).isEmpty();
    assertThat(policy.refusal(ip("10.1.200.3"))).isEmpty();
    assertThat(policy.refusal(ip("::1"))).isEmpty();
    assertThat(policy.refusal(ip("10.2.0.1"))).contains("private");
    assertThat(policy.refusal(ip("169.254.169.254"))).contains("link-local");
  }

  @Test
  void judgesAnIpv6AddressCarryingAnIpv4OneByTheIpv4Target() throws Exception {
    AddressPolicy policy = AddressPolicy.PUBLIC_ONLY;

    assertThat(policy.refusal(v6("::ffff:7f00:1"))).contains("loopback");
    assertThat(policy.refusal(v6("::ffff:a9fe:a9fe"))).contains("link-local");
    assertThat(policy.refusal(v6("::ffff:a00:7"))).contains("private");
    assertThat(policy.refusal(v6("::ffff:6440:1"))).contains("private");
    assertThat(policy.refusal(v6("::ffff:0:0"))).contains("unspecified");
    assertThat(policy.refusal(v6("::ffff:ffff:ffff"))).contains("broadcast");
    assertThat(policy.refusal(v6("::7f00:1"))).contains("loopback");
    assertThat(policy.refusal(v6("::a9fe:a9fe"))).contains("link-local");
    assertThat(policy.refusal(v6("64:ff9b::a9fe:a9fe"))).contains("nat64");
    assertThat(policy.refusal(v6("64:ff9b::5db8:d822"))).contains("nat64");
    assertThat(policy.refusal(v6("64:ff9b:1::a00:7"))).contains("nat64");
    assertThat(policy.refusal(v6("2002:a00:7::1"))).contains("6to4");
    assertThat(policy.refusal(v6("2001:0:4136:e378:8000:63bf:3fff:fdd2"))).contains("teredo");

    assertThat(policy.refusal(v6("::ffff:5db8:d822"))).isEmpty();
    assertThat(policy.refusal(v6("::1"))).contains("loopback");
    assertThat(policy.refusal(v6("::"))).contains("unspecified");
  }

  @Test
  void anAllowedRangeAllowsTheSameTargetInEveryFormButNoInternalOneBehindAGateway()
      throws Exception {
    AddressPolicy policy =
        AddressPolicy.allowing("127.0.0.0/8, 64:ff9b::/96, 2002::/16, ::ffff:10.1.0.0/112");

    assertThat(policy.refusal(v6("::ffff:7f00:1"))).isEmpty();
    assertThat(policy.refusal(v6("::7f00:1"))).isEmpty();
    assertThat(policy.refusal(v6("::ffff:a9fe:a9fe"))).contains("link-local");
    assertThat(policy.refusal(ip("10.1.2.3"))).isEmpty();
    assertThat(policy.refusal(ip("10.2.0.1"))).contains("private");
    // the gateways' ranges are allowed: public IPv4 targets and allowed ones, nothing else
    assertThat(policy.refusal(v6("64:ff9b::5db8:d822"))).isEmpty();
    assertThat(policy.refusal(v6("64:ff9b::7f00:1"))).isEmpty();
    assertThat(policy.refusal(v6("64:ff9b::a9fe:a9fe"))).contains("link-local");
    assertThat(policy.refusal(v6("2002:a00:7::1"))).contains("private");
    assertThat(policy.refusal(v6("2002:5db8:d822::1"))).isEmpty();
    assertThat(policy.refusal(v6("2001:0:4136:e378:8000:63bf:3fff:fdd2"))).contains("teredo");
    assertThat(
            AddressPolicy.allowing("2001::/32").refusal(v6("2001:0:4136:e378:8000:63bf:f5ff:fff6")))
        .as("a Teredo client at 10.0.0.9")
        .contains("private");
    assertThat(AddressPolicy.allowing("::/0").refusal(v6("64:ff9b::a00:7")))
        .as("allowing all of IPv6 does not allow IPv4's private ranges")
        .contains("private");
  }

  @Test
  void refusesReservedRangesAndZoneIds() throws Exception {
    AddressPolicy policy = AddressPolicy.PUBLIC_ONLY;

    assertThat(policy.refusal(ip("192.0.0.170"))).contains("reserved");
    assertThat(policy.refusal(ip("198.18.0.1"))).contains("reserved");
    assertThat(policy.refusal(ip("198.19.255.255"))).contains("reserved");
    assertThat(policy.refusal(ip("240.0.0.1"))).contains("reserved");
    assertThat(policy.refusal(ip("192.0.2.1"))).contains("reserved");
    assertThat(policy.refusal(ip("203.0.113.9"))).contains("reserved");
    assertThat(policy.refusal(ip("2001:db8::1"))).contains("reserved");
    assertThat(policy.refusal(ip("fec0::1"))).contains("private");
    assertThat(
            policy.refusal(
                Inet6Address.getByAddress(null, ip("2606:2800:220:1::1").getAddress(), 1)))
        .contains("zone-id");
    assertThat(policy.refusal(Inet6Address.getByAddress(null, ip("fe80::1").getAddress(), 1)))
        .contains("link-local");

    assertThat(policy.refusal(ip("198.20.0.1"))).isEmpty();
    assertThat(policy.refusal(ip("192.0.1.1"))).isEmpty();
    assertThat(policy.refusal(ip("223.255.255.255"))).isEmpty();
  }

  @Test
  void refusesWhatIsNotARange() {
    assertThatThrownBy(() -> AddressPolicy.allowing("10.0.0.0/33"))
        .hasMessageContaining("10.0.0.0/33");
    assertThatThrownBy(() -> AddressPolicy.allowing("intranet.example.com/8"))
        .hasMessageContaining("not an address range");
    assertThatThrownBy(() -> AddressPolicy.allowing("10.0.0.0/x"))
        .hasMessageContaining("10.0.0.0/x");
    assertThatThrownBy(() -> AddressPolicy.allowing("::ffff:10.0.0.0/95"))
        .hasMessageContaining("::ffff:10.0.0.0/95");
  }

  /**
   * An IPv6 address as a resolver can answer it: from raw bytes, where the JDK's parser would turn
   * an IPv4-mapped literal into an {@code Inet4Address}.
   */
  private static InetAddress v6(String literal) throws Exception {
    byte[] bytes = InetAddress.getByName(literal).getAddress();
    if (bytes.length == 4) {
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(bytes, 0, mapped, 12, 4);
      bytes = mapped;
    }
    return Inet6Address.getByAddress(null, bytes, null);
  }

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }
}
