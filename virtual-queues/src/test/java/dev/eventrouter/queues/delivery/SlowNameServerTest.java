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
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A destination whose name server stops answering holds up its own new connections only: more
 * connections waiting for its lookups than Pekko's blocking dispatcher has threads, and another
 * destination's request still goes through meanwhile. The Netty client looks the host up once,
 * however many connections wait for it.
 */
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
class SlowNameServerTest {

  /** More than Pekko's blocking dispatcher's threads (16): each waiting lookup held one. */
  private static final int WAITING = 32;

  @Parameter DeliveryClientSettings.Kind kind;

  static final ActorTestKit testKit = ActorTestKit.create();
  static final ScriptedDestination destination = new ScriptedDestination(testKit.system());

  @AfterAll
  static void stop() {
    destination.close();
    testKit.shutdownTestKit();
  }

  @Test
  void aHangingLookupHoldsUpOnlyItsOwnHost() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    AtomicInteger slowLookups = new AtomicInteger();
    NameResolver names =
        host -> {
          if (host.equals("slow.example.test")) {
            slowLookups.incrementAndGet();
            try {
              answer.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new UnknownHostException(host);
            }
          }
          return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        };
    DeliveryClient client =
        Clients.create(kind, testKit.system(), TestQueues.LOOPBACK, Secrets.NONE, names);
    String path = "/lookups/" + UUID.randomUUID();
    String slow = endpoint("slow.example.test", path);
    List<OutcomeProbe> waiting = new ArrayList<>();
    for (int i = 0; i < WAITING; i++) {
      OutcomeProbe probe = new OutcomeProbe(testKit.createTestProbe());
      assertThat(client.send(request(slow, "slow", probe))).isTrue();
      waiting.add(probe);
    }

    OutcomeProbe other = new OutcomeProbe(testKit.createTestProbe());
    assertThat(client.send(request(endpoint("other.example.test", path), "other", other))).isTrue();
    assertThat(other.next(Duration.ofSeconds(20)).status()).isEqualTo(200);
    if (kind == DeliveryClientSettings.Kind.NETTY) {
      assertThat(slowLookups).as("lookups of the host, connections waiting for it").hasValue(1);
    }

    answer.countDown();
    for (OutcomeProbe probe : waiting) {
      assertThat(probe.next(Duration.ofSeconds(20)).status()).isEqualTo(200);
    }
  }

  /** The scripted destination's URL, under another name for its address. */
  private static String endpoint(String host, String path) {
    URI url = URI.create(destination.url(path));
    return "http://" + host + ":" + url.getPort() + url.getPath();
  }

  private static DeliveryRequest request(String endpoint, String destinationId, OutcomeProbe to) {
    Job job =
        JobFixtures.job(
            new PairId("tenant", destinationId), "m-" + UUID.randomUUID(), endpoint, Instant.now());
    DestinationSettings settings =
        new DestinationSettings(
            destinationId,
            WAITING,
            0,
            WAITING,
            Duration.ofSeconds(20),
            new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1)),
            Duration.ofHours(4),
            new BreakerSettings(50, 10, 10, Duration.ofSeconds(5), 1));
    return new DeliveryRequest(job, 1, settings, to.ref());
  }
}
