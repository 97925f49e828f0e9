package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.TestQueues;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Deliveries do not reach internal addresses, whatever the endpoint's name resolves to. Runs in its
 * own JVM whose name lookups read {@code src/test/resources/ssrf/hosts} (the pom's "ssrf"
 * execution): real resolution, with names an attacker points at loopback, the cloud metadata
 * service and a private network.
 */
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
@ExtendWith(LogCapturingExtension.class)
class SsrfTest {

  @Parameter DeliveryClientSettings.Kind kind;

  static final ActorTestKit testKit = ActorTestKit.create();
  static final ScriptedDestination listening = new ScriptedDestination(testKit.system());
  static final Clients.PerKind guarded =
      new Clients.PerKind(testKit.system(), AddressPolicy.PUBLIC_ONLY);
  static final Clients.PerKind allowingLoopback =
      new Clients.PerKind(testKit.system(), TestQueues.LOOPBACK);

  /**
   * Names answered with IPv6 addresses that carry an IPv4 target, built from raw bytes: the JDK's
   * own lookups turn {@code ::ffff:a.b.c.d} into an {@code Inet4Address}, a DNS answer need not.
   * Only targets on this machine: a check that failed would really connect.
   */
  static final Map<String, InetAddress> ipv6Answers =
      Map.of(
          "mapped-loopback.attacker.test",
              v6("mapped-loopback.attacker.test", 0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001),
          "mapped-loopback-2.attacker.test",
              v6("mapped-loopback-2.attacker.test", 0, 0, 0, 0, 0, 0xffff, 0x7f0a, 0x0b0c),
          "mapped-this-network.attacker.test",
              v6("mapped-this-network.attacker.test", 0, 0, 0, 0, 0, 0xffff, 0, 0));

  static final NameResolver ipv6Resolver =
      host -> {
        InetAddress answer = ipv6Answers.get(host);
        if (answer == null) {
          throw new UnknownHostException(host);
        }
        return new InetAddress[] {answer};
      };
  static final Clients.PerKind guardedIpv6 =
      new Clients.PerKind(testKit.system(), AddressPolicy.PUBLIC_ONLY, ipv6Resolver);
  static final Clients.PerKind allowingLoopbackIpv6 =
      new Clients.PerKind(testKit.system(), AddressPolicy.allowing("127.0.0.0/8"), ipv6Resolver);
  static final DestinationSettings settings =
      new DestinationSettings(
          "tenant-hook",
          4,
          0,
          4,
          Duration.ofSeconds(2),
          new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
          Duration.ofHours(4),
          new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));

  @AfterAll
  static void stop() {
    listening.close();
    testKit.shutdownTestKit();
  }

  @Test
  void refusesEndpointsThatResolveToInternalAddressesAndSendsNothing() {
    int port = port();
    List<String> endpoints =
        List.of(
            "http://127.0.0.1:" + port + "/hook",
            "http://localhost:" + port + "/hook",
            "http://rebind.attacker.test:" + port + "/hook",
            "http://metadata.attacker.test/latest/meta-data/iam/security-credentials/",
            "http://169.254.169.254/latest/meta-data/",
            "http://intranet.attacker.test/admin",
            "http://10.1.2.3/admin",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://[::1]:" + port + "/hook",
            "http://v6-loopback.attacker.test:" + port + "/hook",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://0.0.0.0:" + port + "/hook",
            "http://224.0.0.1/",
            "https://127.0.0.1:" + port + "/hook");

    for (String endpoint : endpoints) {
      DeliveryOutcome outcome = deliver(guarded.get(kind), endpoint);
      assertThat(outcome.error()).as(endpoint).isEqualTo(DeliveryOutcome.ADDRESS_REFUSED);
      assertThat(outcome.verdict()).as(endpoint).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
      assertThat(outcome.origin())
          .as(endpoint)
          .isEqualTo(dev.eventrouter.persistence.job.DiscardOrigin.SYSTEM);
    }
    assertThat(listening.received()).filteredOn(r -> !r.path().startsWith("/allowed")).isEmpty();
  }

  @Test
  void refusesAnIpv4TargetAnsweredAsAnIpv6AddressAndSendsNothing() {
    int port = port();
    for (String name :
        List.of(
            "mapped-loopback.attacker.test",
            "mapped-loopback-2.attacker.test",
            "mapped-this-network.attacker.test")) {
      DeliveryOutcome outcome =
          deliver(guardedIpv6.get(kind), "http://" + name + ":" + port + "/mapped");

      assertThat(outcome.error()).as(name).isEqualTo(DeliveryOutcome.ADDRESS_REFUSED);
      assertThat(outcome.verdict()).as(name).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
    }
    assertThat(listening.received("/mapped")).isEmpty();
  }

  @Test
  void anAllowlistedIpv4RangeAllowsItsIpv4MappedFormAlike() {
    String path = "/allowed-mapped-" + kind;
    DeliveryOutcome outcome =
        deliver(
            allowingLoopbackIpv6.get(kind),
            "http://mapped-loopback.attacker.test:" + port() + path);

    assertThat(outcome.status()).as(outcome.error()).isEqualTo(200);
    assertThat(listening.received(path)).hasSize(1);
  }

  /**
   * DNS rebinding: a name that answered an allowed address, then one refused (0.0.0.0 reaches this
   * machine's loopback), is checked again at the next connection, and that connection goes to the
   * address checked. The destination closes each connection, so each request needs one.
   */
  @Test
  void eachConnectionGoesToTheAddressCheckedForIt() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      AtomicInteger requests = new AtomicInteger();
      Thread serving = new Thread(() -> answerAndClose(server, requests));
      serving.setDaemon(true);
      serving.start();
      AtomicInteger lookups = new AtomicInteger();
      NameResolver rebinding =
          host ->
              new InetAddress[] {
                InetAddress.getByAddress(
                    host,
                    lookups.getAndIncrement() == 0
                        ? new byte[] {127, 0, 0, 1}
                        : new byte[] {0, 0, 0, 0})
              };
      DeliveryClient client =
          Clients.create(
              kind,
              testKit.system(),
              AddressPolicy.allowing("127.0.0.1/32"),
              Secrets.NONE,
              rebinding);
      String endpoint = "http://rebinding.attacker.test:" + server.getLocalPort() + "/hook";

      DeliveryOutcome first = deliver(client, endpoint);
      DeliveryOutcome second = deliver(client, endpoint);

      assertThat(first.status()).isEqualTo(200);
      assertThat(second.error()).isEqualTo(DeliveryOutcome.ADDRESS_REFUSED);
      assertThat(lookups).hasValue(2);
      assertThat(requests).hasValue(1);
    }
  }

  private static void answerAndClose(ServerSocket server, AtomicInteger requests) {
    while (!server.isClosed()) {
      try (Socket socket = server.accept()) {
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        int b;
        while (!head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0) {
          head.append((char) b);
        }
        String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
        int at = lower.indexOf("content-length:");
        if (at >= 0) {
          in.readNBytes(
              Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim()));
        }
        requests.incrementAndGet();
        socket
            .getOutputStream()
            .write(
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        // closed at the end of the test
      }
    }
  }

  @Test
  void anAllowlistedRangeIsReachedEvenThroughAName() {
    String path = "/allowed-" + kind;
    DeliveryOutcome outcome =
        deliver(allowingLoopback.get(kind), "http://rebind.attacker.test:" + port() + path);

    assertThat(outcome.status()).isEqualTo(200);
    assertThat(listening.received(path)).hasSize(1);
  }

  @Test
  void aNameThatDoesNotResolveIsStillADnsFailure() {
    DeliveryOutcome outcome = deliver(guarded.get(kind), "http://nowhere.attacker.test/");

    assertThat(outcome.error()).isEqualTo("dns");
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
  }

  private static InetAddress v6(String host, int... groups) {
    byte[] bytes = new byte[16];
    for (int i = 0; i < 8; i++) {
      bytes[2 * i] = (byte) (groups[i] >>> 8);
      bytes[2 * i + 1] = (byte) groups[i];
    }
    try {
      return Inet6Address.getByAddress(host, bytes, null);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static int port() {
    return Integer.parseInt(listening.url("").replaceAll(".*:", ""));
  }

  private static DeliveryOutcome deliver(DeliveryClient client, String endpoint) {
    Job base =
        JobFixtures.job(
            new PairId("tenant", "tenant-hook"), "m-" + System.nanoTime(), endpoint, Instant.now());
    OutcomeProbe probe = new OutcomeProbe(testKit.createTestProbe());
    assertThat(client.send(new DeliveryRequest(base, 1, settings, probe.ref()))).isTrue();
    return probe.next(Duration.ofSeconds(15));
  }
}
