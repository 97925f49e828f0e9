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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Deliveries do not reach internal addresses, whatever the endpoint's name resolves to. Runs in
 * its own JVM whose name lookups read {@code src/test/resources/ssrf/hosts} (the pom's "ssrf"
 * execution): real resolution, with names an attacker points at loopback, the cloud metadata
 * service and a private network.
 */
class SsrfTest {

  static final ActorTestKit testKit = ActorTestKit.create();
  static final ScriptedDestination listening = new ScriptedDestination(testKit.system());
  static final HttpDeliveryClient guarded =
      new HttpDeliveryClient(testKit.system(), Clock.systemUTC(), 64, AddressPolicy.PUBLIC_ONLY, Secrets.NONE);
  static final HttpDeliveryClient allowingLoopback =
      new HttpDeliveryClient(testKit.system(), Clock.systemUTC(), 64, TestQueues.LOOPBACK, Secrets.NONE);
  static final DestinationSettings settings = new DestinationSettings("tenant-hook", 4, 0, 4,
      Duration.ofSeconds(2), new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
      Duration.ofHours(4), new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));

  @AfterAll
  static void stop() {
    listening.close();
    testKit.shutdownTestKit();
  }

  @Test
  void refusesEndpointsThatResolveToInternalAddressesAndSendsNothing() {
    int port = port();
    List<String> endpoints = List.of(
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
      DeliveryOutcome outcome = deliver(guarded, endpoint);
      assertThat(outcome.error()).as(endpoint).isEqualTo(DeliveryOutcome.ADDRESS_REFUSED);
      assertThat(outcome.verdict()).as(endpoint).isEqualTo(DeliveryOutcome.Verdict.DISCARDED);
      assertThat(outcome.origin()).as(endpoint).isEqualTo(dev.eventrouter.persistence.job.DiscardOrigin.SYSTEM);
    }
    assertThat(listening.received()).filteredOn(r -> !r.path().equals("/allowed")).isEmpty();
  }

  @Test
  void anAllowlistedRangeIsReachedEvenThroughAName() {
    DeliveryOutcome outcome = deliver(allowingLoopback, "http://rebind.attacker.test:" + port() + "/allowed");

    assertThat(outcome.status()).isEqualTo(200);
    assertThat(listening.received("/allowed")).hasSize(1);
  }

  @Test
  void aNameThatDoesNotResolveIsStillADnsFailure() {
    DeliveryOutcome outcome = deliver(guarded, "http://nowhere.attacker.test/");

    assertThat(outcome.error()).isEqualTo("dns");
    assertThat(outcome.verdict()).isEqualTo(DeliveryOutcome.Verdict.RETRY);
  }

  private static int port() {
    return Integer.parseInt(listening.url("").replaceAll(".*:", ""));
  }

  private static DeliveryOutcome deliver(HttpDeliveryClient client, String endpoint) {
    Job base = JobFixtures.job(new PairId("tenant", "tenant-hook"), "m-" + System.nanoTime(), endpoint,
        Instant.now());
    TestProbe<DeliveryOutcome> probe = testKit.createTestProbe();
    assertThat(client.send(new DeliveryRequest(base, 1, settings, probe.ref()))).isTrue();
    return probe.receiveMessage(Duration.ofSeconds(15));
  }
}
