package dev.eventrouter.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.persistence.journal.JournalShard;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.kafka.SourcePartitions;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes share a topic of 4 partitions and a journal sharded over two PostgreSQL databases. A
 * source's queues run on the node that consumes its partition, so ingest's asks stay local. The
 * second node joins, and later leaves, while events arrive: shards move to it and back, and every
 * event is delivered. Each queue's events are in the database its id hashes to.
 */
@ExtendWith(LogCapturingExtension.class)
class QueuePlacementTest {

  private static final int PARTITIONS = 4;
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dataDir;

  @Test
  void queuesRunWhereTheirPartitionIsConsumedAndFollowItWhenANodeLeaves() throws Exception {
    List<String> sources = sourcesInEveryPartition();
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dataDir.resolve("registry.conf");
      Files.writeString(
          registry,
          "destinations { hook { endpoint = \""
              + blackHole.url("hook")
              + "\" } }\n"
              + "sources { "
              + sources.stream()
                  .map(s -> "\"" + s + "\" { destinations = [hook] }")
                  .collect(Collectors.joining("\n"))
              + " }\n");
      Config journal = TestJournals.postgresShards();
      int seedPort = TestRouter.freePort();

      Map<String, Object> first = journalSettings(journal);
      first.put("pekko.remote.artery.canonical.port", seedPort);
      try (Router one =
          TestRouter.start(TestRouter.config(dataDir.resolve("one"), registry, first))) {
        TestProbe<Object> probe = TestProbe.create(one.system());
        List<String> sent = new ArrayList<>();
        // node two joins while events arrive (20 s of them; it takes several seconds to start)
        CompletableFuture<List<String>> joining = produceAsync(one, sources, 2_000, 1);
        Map<String, Object> second = journalSettings(journal);
        second.put("eventrouter.kafka.bootstrap-servers", one.kafkaBootstrapServers());
        second.put(
            "pekko.cluster.seed-nodes", List.of("pekko://eventrouter@127.0.0.1:" + seedPort));
        Router two = TestRouter.start(TestRouter.config(dataDir.resolve("two"), registry, second));
        CompletableFuture<List<String>> leaving;
        try {
          assertThat(joining.isDone()).as("node two joined under load").isFalse();
          sent.addAll(joining.get(2, TimeUnit.MINUTES));
          awaitDelivered(probe, blackHole, sent);

          probe.awaitAssert(
              WAIT,
              Duration.ofMillis(500),
              () -> {
                Placement onOne = placement(one);
                Placement onTwo = placement(two);
                assertThat(onOne.partitions()).as("node one reads some partitions").isNotEmpty();
                assertThat(onTwo.partitions()).as("node two reads some partitions").isNotEmpty();
                Set<String> all = new TreeSet<>(onOne.partitions());
                all.addAll(onTwo.partitions());
                assertThat(all).hasSize(PARTITIONS);
                assertThat(onOne.shards())
                    .as("node one runs the queues of its partitions")
                    .isEqualTo(onOne.partitions());
                assertThat(onTwo.shards())
                    .as("node two runs the queues of its partitions")
                    .isEqualTo(onTwo.partitions());
                return null;
              });

          // node two leaves while events arrive (15 s of them; leaving takes several seconds)
          leaving = produceAsync(one, sources, 1_500, 2);
          long before = blackHole.received();
          probe.awaitAssert(
              WAIT,
              Duration.ofMillis(100),
              () -> {
                assertThat(blackHole.received()).isGreaterThan(before + 50);
                return null;
              });
        } finally {
          two.close();
        }
        assertThat(leaving.isDone()).as("node two left under load").isFalse();
        sent.addAll(leaving.get(2, TimeUnit.MINUTES));

        // node two left: its partitions and the queues in them are node one's now
        Set<String> every =
            IntStream.range(0, PARTITIONS)
                .mapToObj(Integer::toString)
                .collect(Collectors.toCollection(TreeSet::new));
        awaitDelivered(probe, blackHole, sent);
        probe.awaitAssert(
            WAIT,
            Duration.ofMillis(500),
            () -> {
              Placement onOne = placement(one);
              assertThat(onOne.partitions()).isEqualTo(every);
              assertThat(onOne.shards()).isEqualTo(every);
              return null;
            });
      }

      // every queue's events are in its shard of the journal, and only there
      JournalSettings settings = JournalSettings.fromConfig(journal);
      Set<Integer> used = new HashSet<>();
      for (String source : sources) {
        String pid = VirtualQueue.persistenceId(new PairId(source, "hook")).id();
        JournalShard home = settings.shardOf(pid);
        used.add(home.index());
        for (JournalShard shard : settings.shards()) {
          long rows = TestJournals.eventRows(shard, pid);
          if (shard.equals(home)) {
            assertThat(rows).as(pid + " in its shard " + shard.index()).isPositive();
          } else {
            assertThat(rows).as(pid + " in shard " + shard.index()).isZero();
          }
        }
      }
      assertThat(used).as("both databases hold queues").containsExactlyInAnyOrder(0, 1);
    }
  }

  /** What a node's metrics say it consumes and runs. */
  private record Placement(Set<String> partitions, Set<String> shards) {}

  private static Placement placement(Router router) throws Exception {
    String metrics = TestRouter.get(router, "/metrics").body();
    Set<String> partitions =
        new TreeSet<>(
            Metrics.byLabel(metrics, "eventrouter_ingest_partition_assigned", "partition")
                .keySet());
    Set<String> shards =
        Metrics.byLabel(metrics, "eventrouter_queue_shard_queues", "shard").entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(Map.Entry::getKey)
            .collect(Collectors.toCollection(TreeSet::new));
    return new Placement(partitions, shards);
  }

  /** Three sources per partition, with names of this run's own. */
  private static List<String> sourcesInEveryPartition() {
    SourcePartitions partitions = new SourcePartitions(PARTITIONS);
    String run = UUID.randomUUID().toString().substring(0, 8);
    Map<Integer, List<String>> byPartition = new HashMap<>();
    for (int i = 0;
        byPartition.values().stream().mapToInt(List::size).sum() < 3 * PARTITIONS;
        i++) {
      String source = "placed-" + run + "-" + i;
      List<String> in =
          byPartition.computeIfAbsent(partitions.applyAsInt(source), p -> new ArrayList<>());
      if (in.size() < 3) {
        in.add(source);
      }
    }
    return byPartition.values().stream().flatMap(List::stream).toList();
  }

  /** Produces at 100 events/s on another thread; completes with the message ids sent. */
  private static CompletableFuture<List<String>> produceAsync(
      Router router, List<String> sources, int events, long seed) {
    return CompletableFuture.supplyAsync(
        () ->
            EventProducer.run(
                    new EventProducer.Plan(
                        router.kafkaBootstrapServers(), "events", events, sources, 200, 100, seed))
                .produced()
                .stream()
                .map(EventProducer.Produced::messageId)
                .toList());
  }

  private static void awaitDelivered(
      TestProbe<Object> probe, BlackHole blackHole, List<String> sent) {
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(500),
        () -> {
          assertThat(blackHole.deliveries().getOrDefault("hook", Map.of()).keySet())
              .containsAll(sent);
          return null;
        });
  }

  private static Map<String, Object> journalSettings(Config journal) {
    Map<String, Object> settings = new HashMap<>();
    for (String key : List.of("database", "url", "user", "shard-urls")) {
      settings.put(
          "eventrouter.journal." + key, journal.getValue("eventrouter.journal." + key).unwrapped());
    }
    // two nodes with a pool per database: stay well inside PostgreSQL's 100 connections
    settings.put("eventrouter.journal.max-connections", 8);
    return settings;
  }
}
