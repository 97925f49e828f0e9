package dev.eventrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.router.kafka.SourcePartitions;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs accepted (their offsets committed) while the destination is down are still in the journal
 * when the router stops, and are delivered by the next router on the same data folder.
 */
@ExtendWith(LogCapturingExtension.class)
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
    Files.writeString(
        registry,
        """
        destinations { webhook { endpoint = "http://127.0.0.1:%d/webhook" } }
        sources { shop { destinations = [webhook] } }
        """
            .formatted(destinationPort));
    var config = TestRouter.config(dataDir, registry, kafkaPort, Map.of());

    EventProducer.Result produced;
    try (Router first = TestRouter.start(config)) {
      produced = acceptWhileTheDestinationIsDown(first, List.of("shop"), 7);
    }

    try (BlackHole destination = BlackHole.start("127.0.0.1", destinationPort);
        Router second = TestRouter.start(config)) {
      awaitDeliveredOnce(second, destination, produced);
    }
  }

  /**
   * The queues' shards are the topic's partitions. Grown while the router was stopped, the topic
   * moves sources to other shards: the remembered queues holding jobs start in their new shard by
   * themselves (no new record reaches them) and deliver.
   */
  @Test
  void queuesHoldingJobsDeliverAfterTheTopicGrewWhileStopped() throws Exception {
    int destinationPort;
    try (BlackHole probePort = BlackHole.start("127.0.0.1", 0)) {
      destinationPort = probePort.port();
    }
    // sources whose shard changes from 4 partitions to 6, and one whose shard stays
    List<String> sources =
        IntStream.range(0, 100)
            .mapToObj(i -> "grown-" + i)
            .filter(
                s -> new SourcePartitions(4).applyAsInt(s) != new SourcePartitions(6).applyAsInt(s))
            .limit(3)
            .collect(Collectors.toCollection(ArrayList::new));
    sources.add(
        IntStream.range(0, 100)
            .mapToObj(i -> "kept-" + i)
            .filter(
                s -> new SourcePartitions(4).applyAsInt(s) == new SourcePartitions(6).applyAsInt(s))
            .findFirst()
            .orElseThrow());
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(
        registry,
        "destinations { webhook { endpoint = \"http://127.0.0.1:"
            + destinationPort
            + "/webhook\" } }\nsources { "
            + sources.stream()
                .map(s -> s + " { destinations = [webhook] }")
                .collect(Collectors.joining("\n"))
            + " }\n");
    var config = TestRouter.config(dataDir, registry, TestRouter.freePort(), Map.of());

    EventProducer.Result produced;
    try (Router first = TestRouter.start(config)) {
      produced = acceptWhileTheDestinationIsDown(first, sources, 11);
      Properties admin = new Properties();
      admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, first.kafkaBootstrapServers());
      try (Admin kafka = Admin.create(admin)) {
        kafka.createPartitions(Map.of("events", NewPartitions.increaseTo(6))).all().get();
      }
    }

    try (BlackHole destination = BlackHole.start("127.0.0.1", destinationPort);
        Router second = TestRouter.start(config)) {
      awaitDeliveredOnce(second, destination, produced);
      // the queues deliver without the ingest, which may still be joining its group
      TestProbe.create(second.system())
          .awaitAssert(
              Duration.ofSeconds(30),
              Duration.ofMillis(200),
              () -> {
                assertThat(
                        Metrics.byLabel(
                            TestRouter.get(second, "/metrics").body(),
                            "eventrouter_ingest_partition_assigned",
                            "partition"))
                    .as("the router reads the grown topic")
                    .hasSize(6);
                return null;
              });
    }
  }

  /**
   * A consumer group that starts from the beginning (reset, or renamed) reads again records whose
   * jobs were delivered: none is delivered twice, though each queue remembers a single finished job
   * here. What the ingest told the queue persisted (kept in its snapshot: one after every event,
   * the journal of the finished jobs deleted) refuses the records below it by their offsets.
   */
  @Test
  void recordsReadAgainFromTheStartAreRefusedByTheirOffsets() throws Exception {
    int kafkaPort = TestRouter.freePort();
    Path registry = dataDir.resolve("registry.conf");
    try (BlackHole destination = BlackHole.start("127.0.0.1", 0)) {
      Files.writeString(
          registry,
          """
          destinations { webhook { endpoint = "http://127.0.0.1:%d/webhook" } }
          sources { shop { destinations = [webhook] } }
          """
              .formatted(destination.port()));
      Map<String, Object> forgetful =
          Map.of(
              "eventrouter.virtual-queue.dedupe-max-entries",
              1,
              "eventrouter.virtual-queue.snapshot-every",
              1);

      try (Router first =
          TestRouter.start(TestRouter.config(dataDir, registry, kafkaPort, forgetful))) {
        produceAndAwaitCommitted(first, "eventrouter", 100, 1, 100);
        // its enqueue tells the queue that the first hundred records are persisted
        produceAndAwaitCommitted(first, "eventrouter", 1, 2, 101);
        TestProbe.create(first.system())
            .awaitAssert(
                Duration.ofSeconds(30),
                Duration.ofMillis(200),
                () -> {
                  assertThat(destination.deliveries().getOrDefault("webhook", Map.of()))
                      .hasSize(101);
                  return null;
                });
      }

      Map<String, Object> readAgain = new HashMap<>(forgetful);
      readAgain.put("eventrouter.kafka.group-id", "eventrouter-again");
      try (Router second =
          TestRouter.start(TestRouter.config(dataDir, registry, kafkaPort, readAgain))) {
        awaitCommitted(second, "eventrouter-again", 101);
        String metrics = TestRouter.get(second, "/metrics").body();
        assertThat(Metrics.value(metrics, "eventrouter_jobs_duplicate_total")).isEqualTo(101);
        assertThat(Metrics.value(metrics, "eventrouter_jobs_accepted_total")).isZero();
      }
      assertThat(destination.duplicates()).isZero();
    }
  }

  private static void produceAndAwaitCommitted(
      Router router, String group, int events, long seed, long committed) {
    EventProducer.Result produced =
        EventProducer.run(
            new EventProducer.Plan(
                router.kafkaBootstrapServers(), "events", events, List.of("shop"), 64, 0, seed));
    assertThat(produced.sent()).isEqualTo(events);
    awaitCommitted(router, group, committed);
  }

  private static void awaitCommitted(Router router, String group, long records) {
    TestProbe.create(router.system())
        .awaitAssert(
            Duration.ofSeconds(60),
            Duration.ofMillis(200),
            () -> {
              TestRouter.Progress progress =
                  TestRouter.progress(router.kafkaBootstrapServers(), group, "events");
              assertThat(progress.committed()).isEqualTo(progress.end()).isEqualTo(records);
              return progress;
            });
  }

  /** 200 events whose jobs are accepted (offsets committed) while every attempt is refused. */
  private static EventProducer.Result acceptWhileTheDestinationIsDown(
      Router router, List<String> sources, long seed) {
    EventProducer.Result produced =
        EventProducer.run(
            new EventProducer.Plan(
                router.kafkaBootstrapServers(), "events", 200, sources, 256, 0, seed));
    TestProbe.create(router.system())
        .awaitAssert(
            Duration.ofSeconds(60),
            Duration.ofMillis(200),
            () -> {
              TestRouter.Progress progress =
                  TestRouter.progress(router.kafkaBootstrapServers(), "eventrouter", "events");
              assertThat(progress.committed()).isEqualTo(progress.end()).isEqualTo(200L);
              return progress;
            });
    return produced;
  }

  private static void awaitDeliveredOnce(
      Router router, BlackHole destination, EventProducer.Result produced) {
    Set<String> expected =
        produced.produced().stream()
            .map(EventProducer.Produced::messageId)
            .collect(Collectors.toSet());
    TestProbe.create(router.system())
        .awaitAssert(
            Duration.ofSeconds(90),
            Duration.ofMillis(500),
            () -> {
              assertThat(destination.deliveries().getOrDefault("webhook", Map.of()).keySet())
                  .containsExactlyInAnyOrderElementsOf(expected);
              return null;
            });
    assertThat(destination.duplicates()).isZero();
  }
}
