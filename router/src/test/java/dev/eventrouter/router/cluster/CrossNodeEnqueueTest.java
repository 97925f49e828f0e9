package dev.eventrouter.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.kafka.SourcePartitions;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pair's batch larger than the cluster frame reaches its queue on another node: ingest's Enqueue
 * is cut to fit, instead of being dropped by Artery and asked again forever.
 */
@ExtendWith(LogCapturingExtension.class)
class CrossNodeEnqueueTest {

  private static final int PARTITIONS = 4;
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dataDir;

  @Test
  void aFiveMebibyteBatchForOnePairReachesItsQueueOnTheOtherNode() throws Exception {
    String source = "big-" + UUID.randomUUID().toString().substring(0, 8);
    int home = new SourcePartitions(PARTITIONS).applyAsInt(source);
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dataDir.resolve("registry.conf");
      Files.writeString(
          registry,
          """
          destinations { hook { endpoint = "%s" } }
          sources { "%s" { destinations = [hook] } }
          """
              .formatted(blackHole.url("hook"), source));
      Config postgres = TestJournals.postgresEmptied();
      int seedPort = TestRouter.freePort();
      Map<String, Object> first = journal(postgres);
      first.put("pekko.remote.artery.canonical.port", seedPort);
      try (Router one =
          TestRouter.start(TestRouter.config(dataDir.resolve("one"), registry, first))) {
        Map<String, Object> second = journal(postgres);
        second.put("eventrouter.kafka.bootstrap-servers", one.kafkaBootstrapServers());
        second.put(
            "pekko.cluster.seed-nodes", List.of("pekko://eventrouter@127.0.0.1:" + seedPort));
        try (Router two =
            TestRouter.start(TestRouter.config(dataDir.resolve("two"), registry, second))) {
          TestProbe<Object> probe = TestProbe.create(one.system());
          // a partition read by the node that does not run the source's queues
          int elsewhere =
              probe.awaitAssert(
                  WAIT,
                  Duration.ofMillis(500),
                  () -> {
                    Set<String> onOne = partitions(one);
                    Set<String> onTwo = partitions(two);
                    assertThat(onOne).isNotEmpty();
                    assertThat(onTwo).isNotEmpty();
                    assertThat(onOne.size() + onTwo.size()).isEqualTo(PARTITIONS);
                    Set<String> other = onOne.contains(Integer.toString(home)) ? onTwo : onOne;
                    return Integer.parseInt(other.iterator().next());
                  });

          // six events of 900 KiB in one compressed producer batch: one ingest batch, 5.3 MiB
          List<String> sent = new ArrayList<>();
          try (KafkaProducer<String, byte[]> producer = producer(one.kafkaBootstrapServers())) {
            for (int i = 0; i < 6; i++) {
              String id = source + "-" + i;
              sent.add(id);
              producer.send(
                  new ProducerRecord<>("events", elsewhere, source, event(id, 900 * 1024)));
            }
            producer.flush();
          }
          probe.awaitAssert(
              WAIT,
              Duration.ofMillis(500),
              () -> {
                assertThat(blackHole.deliveries().getOrDefault("hook", Map.of()).keySet())
                    .containsExactlyInAnyOrderElementsOf(sent);
                return null;
              });
        }
      }
    }
  }

  private static Set<String> partitions(Router router) throws Exception {
    return Metrics.byLabel(
            TestRouter.get(router, "/metrics").body(),
            "eventrouter_ingest_partition_assigned",
            "partition")
        .keySet();
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "1000");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(8 * 1024 * 1024));
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 * 1024 * 1024));
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  private static byte[] event(String messageId, int size) {
    return ("{\"messageId\":\"" + messageId + "\",\"padding\":\"" + "x".repeat(size) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, Object> journal(Config postgres) {
    Map<String, Object> settings = new HashMap<>();
    for (String key : List.of("database", "url", "user")) {
      settings.put("eventrouter.journal." + key, postgres.getString("eventrouter.journal." + key));
    }
    return settings;
  }
}
