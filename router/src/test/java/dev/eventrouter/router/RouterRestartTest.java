package dev.eventrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.router.testing.TestRouter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs accepted (their offsets committed) while the destination is down are still in the
 * journal when the router stops, and are delivered by the next router on the same data folder.
 */
class RouterRestartTest {

  @TempDir Path dataDir;

  @Test
  void deliversAfterARestartWhatWasAcceptedBeforeIt() throws Exception {
    int kafkaPort = TestRouter.freePort();
    int destinationPort;
    try (BlackHole probePort = BlackHole.start("127.0.0.1", 0)) {
      destinationPort = probePort.port();
    }
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(registry, """
        destinations { webhook { endpoint = "http://127.0.0.1:%d/webhook" } }
        sources { shop { destinations = [webhook] } }
        """.formatted(destinationPort));
    var config = TestRouter.config(dataDir, registry, kafkaPort, Map.of());

    EventProducer.Result produced;
    try (Router first = TestRouter.start(config)) {
      // the destination is down: every attempt is refused and scheduled again
      produced = EventProducer.run(new EventProducer.Plan(
          first.kafkaBootstrapServers(), "events", 200, List.of("shop"), 256, 0, 7));
      TestProbe.create(first.system()).awaitAssert(Duration.ofSeconds(60), Duration.ofMillis(200), () -> {
        TestRouter.Progress progress =
            TestRouter.progress(first.kafkaBootstrapServers(), "eventrouter", "events");
        assertThat(progress.committed()).isEqualTo(progress.end()).isEqualTo(200L);
        return progress;
      });
    }

    try (BlackHole destination = BlackHole.start("127.0.0.1", destinationPort);
        Router second = TestRouter.start(config)) {
      Set<String> expected = produced.produced().stream()
          .map(EventProducer.Produced::messageId).collect(Collectors.toSet());
      TestProbe.create(second.system()).awaitAssert(Duration.ofSeconds(90), Duration.ofMillis(500), () -> {
        assertThat(destination.deliveries().getOrDefault("webhook", Map.of()).keySet())
            .containsExactlyInAnyOrderElementsOf(expected);
        return null;
      });
      assertThat(destination.duplicates()).isZero();
    }
  }

  @Test
  void refusesToStartWhenTheTopicNoLongerHasThePartitionsItsQueuesWerePlacedBy() throws Exception {
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(registry, "destinations { webhook { endpoint = \"http://127.0.0.1:1/\" } }\n"
        + "sources { shop { destinations = [webhook] } }\n");
    int kafkaPort = TestRouter.freePort();
    var config = TestRouter.config(dataDir, registry, kafkaPort, Map.of());
    try (Router first = TestRouter.start(config)) {
      Properties admin = new Properties();
      admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, first.kafkaBootstrapServers());
      try (Admin kafka = Admin.create(admin)) {
        kafka.createPartitions(Map.of("events", NewPartitions.increaseTo(6))).all().get();
      }
    }

    assertThatThrownBy(() -> TestRouter.start(config))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("was set up with queue-shards = 4, the configuration now gives 6")
        .hasMessageContaining("remembered queues restart in the shard they were in");
    // the embedded broker the refused start had started is stopped again, its port free
    try (ServerSocket port = new ServerSocket(kafkaPort, 1, InetAddress.getLoopbackAddress())) {
      assertThat(port.getLocalPort()).isEqualTo(kafkaPort);
    }
  }
}
