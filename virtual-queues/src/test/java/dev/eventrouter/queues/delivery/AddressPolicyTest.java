package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  void refusesWhatIsNotARange() {
    assertThatThrownBy(() -> AddressPolicy.allowing("10.0.0.0/33")).hasMessageContaining("10.0.0.0/33");
    assertThatThrownBy(() -> AddressPolicy.allowing("intranet.example.com/8"))
        .hasMessageContaining("not an address range");
    assertThatThrownBy(() -> AddressPolicy.allowing("10.0.0.0/x")).hasMessageContaining("10.0.0.0/x");
  }

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }
}
