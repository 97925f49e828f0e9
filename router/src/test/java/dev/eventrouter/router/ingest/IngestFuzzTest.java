package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile records through a running router, from a fixed seed, on every partition: random bytes,
 * mutated events, deep nesting, huge strings and numbers, wrong types, invalid UTF-8, values over
 * the maximum, unknown and missing source keys, with known-good events among them. Each record ends
 * as exactly one of: delivered, or a dead letter with a reason. Every partition is consumed to its
 * end (none stalls) and the router stays up.
 */
@ExtendWith(LogCapturingExtension.class)
class IngestFuzzTest {

  private static final long SEED = 20261127L;
  private static final int RECORDS = 1_500;
  private static final int MAX_PAYLOAD = 1024 * 1024;
  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final List<String> REASONS =
      Arrays.stream(Rejection.values()).map(Rejection::label).toList();

  @TempDir Path dataDir;

  record Sent(int index, String key, byte[] value, boolean knownGood) {}

  @Test
  void everyRecordIsDeliveredOrDeadLetteredWithAReasonAndNoPartitionStalls() throws Exception {
    Random random = new Random(SEED);
    String run = UUID.randomUUID().toString().substring(0, 8);
    List<Sent> sent = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      boolean knownGood = i % 10 == 0;
      byte[] value =
          knownGood
              ? ("{\"type\":\"track\",\"messageId\":\"" + run + "-good-" + i + "\"}")
                  .getBytes(StandardCharsets.UTF_8)
              : random.nextInt(200) == 0
                  ? new byte[MAX_PAYLOAD + 1 + random.nextInt(1000)]
                  : HostileValues.next(random);
      sent.add(new Sent(i, knownGood ? "shop" : key(random), value, knownGood));
    }

    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dataDir.resolve("registry.conf");
      Files.writeString(
          registry,
          """
          destinations { webhook { endpoint = "%s" } }
          sources { shop { destinations = [webhook] } }
          """
              .formatted(blackHole.url("webhook")));
      try (Router router = TestRouter.start(TestRouter.config(dataDir, registry, Map.of()))) {
        String bootstrap = router.kafkaBootstrapServers();
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
          for (Sent record : sent) {
            ProducerRecord<String, byte[]> out =
                new ProducerRecord<>("events", record.index() % 4, record.key(), record.value());
            out.headers()
                .add("case", Integer.toString(record.index()).getBytes(StandardCharsets.UTF_8));
            producer.send(out);
          }
          producer.flush();
        }

        TestProbe<Object> probe = TestProbe.create(router.system());
        probe.awaitAssert(
            Duration.ofSeconds(120),
            Duration.ofMillis(500),
            () -> {
              TestRouter.Progress progress =
                  TestRouter.progress(bootstrap, "eventrouter", "events");
              assertThat(progress.committed())
                  .as("every partition consumed to its end")
                  .isEqualTo(progress.end())
                  .isEqualTo(RECORDS);
              return progress;
            });

        Map<Integer, String> reasons = deadLetterReasons(bootstrap);
        List<Sent> accepted = sent.stream().filter(s -> !reasons.containsKey(s.index())).toList();
        assertThat(reasons.values()).allSatisfy(reason -> assertThat(reason).isIn(REASONS));
        assertThat(accepted)
            .as("the known-good events are among those accepted")
            .containsAll(sent.stream().filter(Sent::knownGood).toList());
        assertThat(accepted.size())
            .as("hostile records were refused too")
            .isLessThan(RECORDS - 100);
        for (Sent record : accepted) {
          assertThat(record.key()).as("case %d", record.index()).isEqualTo("shop");
          assertThat(record.value().length)
              .as("case %d", record.index())
              .isLessThanOrEqualTo(MAX_PAYLOAD);
        }

        List<String> acceptedIds =
            accepted.stream().map(IngestFuzzTest::messageId).distinct().toList();
        probe.awaitAssert(
            Duration.ofSeconds(120),
            Duration.ofMillis(500),
            () ->
                assertThat(blackHole.deliveries().getOrDefault("webhook", Map.of()).keySet())
                    .as("every accepted record delivered, and nothing else")
                    .containsExactlyInAnyOrderElementsOf(acceptedIds));

        String metrics = TestRouter.get(router, "/metrics").body();
        Map<String, Long> byReason =
            reasons.values().stream().collect(Collectors.groupingBy(r -> r, Collectors.counting()));
        for (Map.Entry<String, Long> reason : byReason.entrySet()) {
          assertThat(
                  Metrics.value(
                      metrics,
                      "eventrouter_ingest_dead_letters_total{reason=\"" + reason.getKey() + "\"}"))
              .as(reason.getKey())
              .isEqualTo(reason.getValue().doubleValue());
        }
        assertThat(TestRouter.get(router, "/health/ready").statusCode()).isEqualTo(200);
      }
    }
  }

  /** Mostly the known source; else an unknown one, none, or garbage. */
  private static String key(Random random) {
    return switch (random.nextInt(10)) {
      case 0 -> null;
      case 1 -> "nobody";
      case 2 -> new String(randomBytes(random, 1 + random.nextInt(40)), StandardCharsets.UTF_8);
      default -> "shop";
    };
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  /** An accepted record is a JSON object whose messageId a strict parser reads. */
  private static String messageId(Sent record) {
    try {
      JsonNode tree = STRICT.readTree(record.value());
      return tree.get("messageId").textValue();
    } catch (Exception e) {
      throw new AssertionError(
          "case " + record.index() + " was accepted but is not strict JSON: " + e);
    }
  }

  /** case index -> dlq.reason, for the whole dead-letter topic as it is now. */
  private static Map<Integer, String> deadLetterReasons(String bootstrap) throws Exception {
    Map<TopicPartition, Long> ends;
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(adminProps)) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin
          .describeTopics(List.of("events.dead-letter"))
          .allTopicNames()
          .get()
          .get("events.dead-letter")
          .partitions()
          .forEach(
              p ->
                  latest.put(
                      new TopicPartition("events.dead-letter", p.partition()),
                      OffsetSpec.latest()));
      ends = new HashMap<>();
      admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
    }
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "fuzz-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 * 1024 * 1024));
    Map<Integer, String> reasons = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(ends.keySet());
      consumer.seekToBeginning(ends.keySet());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (ends.keySet().stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        assertThat(System.nanoTime()).as("dead letters read in time").isLessThan(deadline);
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          String previous =
              reasons.put(Integer.parseInt(header(record, "case")), header(record, "dlq.reason"));
          assertThat(previous).as("one dead letter per record").isNull();
        }
      }
    }
    return reasons;
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 * 1024 * 1024));
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }
}
