package dev.eventrouter.router.ingest;

import static dev.eventrouter.router.testing.DeadLetters.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.DeadLetters;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dead letter is always writable: a record of any size the ingest topic accepted (a producer's
 * compression lets it hold far more than the topic's limit) leaves a dead letter the dead-letter
 * topic accepts, or, when that topic refuses even the smallest one, an error and a count; never a
 * write retried forever that stops every partition behind it.
 */
@ExtendWith(LogCapturingExtension.class)
class OversizedDeadLetterTest {

  private static final int MiB = 1024 * 1024;

  @TempDir Path dataDir;

  @Test
  void compressedRecordsOfManyMebibytesAreDeadLetteredCutAndTheRecordsBehindThemDelivered()
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    // compressible, as events are: zstd makes each a few KiB on the 2 MiB ingest topic
    byte[] threeMiB = event(run + "-3", 3 * MiB, () -> "x");
    byte[] twentyMiB = event(run + "-20", 20 * MiB, () -> "x");

    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0);
        Router router = start(blackHole, Map.of())) {
      String bootstrap = router.kafkaBootstrapServers();
      List<String> good = new ArrayList<>();
      try (KafkaProducer<String, byte[]> producer = zstdProducer(bootstrap)) {
        producer.send(new ProducerRecord<>("events", 0, "shop", threeMiB)).get();
        producer.send(new ProducerRecord<>("events", 0, "shop", twentyMiB)).get();
        for (int i = 0; i < 100; i++) {
          String id = run + "-good-" + i;
          good.add(id);
          producer.send(
              new ProducerRecord<>("events", 0, "shop", bytes("{\"messageId\":\"" + id + "\"}")));
        }
        producer.flush();
      }

      List<ConsumerRecord<String, byte[]>> dead =
          DeadLetters.read(bootstrap, 2, Duration.ofSeconds(90));
      assertThat(dead).hasSize(2);
      assertCut(dead.get(0), threeMiB, 0);
      assertCut(dead.get(1), twentyMiB, 1);
      awaitAllDeliveredAndCommitted(router, blackHole, good, 102);
      assertThat(
              Metrics.value(
                  TestRouter.get(router, "/metrics").body(),
                  "eventrouter_ingest_dead_letters_total{reason=\"payload-too-large\"}"))
          .isEqualTo(2);
    }
  }

  @Test
  void aDeadLetterTheTopicRefusesIsWrittenAsItsCoordinatesOrElseCountedAndIngestGoesOn()
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Random random = new Random(42);
    // hardly compressible: the cut value alone is larger than the dead-letter topic allows
    byte[] threeMiB = event(run + "-3", 3 * MiB, () -> randomText(random));
    byte[] notJson = new byte[64 * 1024];
    random.nextBytes(notJson);

    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0);
        Router router = start(blackHole, Map.of("eventrouter.kafka.max-message-bytes", "8MiB"))) {
      String bootstrap = router.kafkaBootstrapServers();
      List<String> good = new ArrayList<>();
      try (KafkaProducer<String, byte[]> producer = zstdProducer(bootstrap)) {
        limitDeadLetterTopic(bootstrap, 16 * 1024);
        producer.send(new ProducerRecord<>("events", 0, "shop", threeMiB)).get();
        // an original under the cap that the topic refuses whole goes the same way
        producer.send(new ProducerRecord<>("events", 0, "shop", notJson)).get();
        good.addAll(sendGood(producer, run + "-a", 20));

        List<ConsumerRecord<String, byte[]>> dead =
            DeadLetters.read(bootstrap, 2, Duration.ofSeconds(90));
        assertThat(dead).hasSize(2);
        assertCoordinatesOnly(dead.get(0), threeMiB, 0, "payload-too-large");
        assertCoordinatesOnly(dead.get(1), notJson, 1, "not-json");
        awaitAllDeliveredAndCommitted(router, blackHole, good, 22);

        // a topic that refuses even the coordinates: the record is logged, counted, and passed
        limitDeadLetterTopic(bootstrap, 1);
        producer
            .send(new ProducerRecord<>("events", 0, null, bytes("{\"messageId\":\"keyless\"}")))
            .get();
        good.addAll(sendGood(producer, run + "-b", 20));
        awaitAllDeliveredAndCommitted(router, blackHole, good, 43);
      }
      String metrics = TestRouter.get(router, "/metrics").body();
      assertThat(
              Metrics.value(
                  metrics,
                  "eventrouter_ingest_dead_letters_unwritable_total{reason=\"no-source-key\"}"))
          .isEqualTo(1);
      assertThat(
              Metrics.value(
                  metrics, "eventrouter_ingest_dead_letters_total{reason=\"no-source-key\"}"))
          .isZero();
    }
  }

  // ---- what a dead letter carries ----

  private static void assertCut(ConsumerRecord<String, byte[]> dead, byte[] original, long offset)
      throws Exception {
    assertThat(header(dead, "dlq.form")).isEqualTo("value-cut");
    assertThat(header(dead, "dlq.reason")).isEqualTo("payload-too-large");
    assertThat(dead.key()).isEqualTo("shop");
    assertThat(dead.value()).isEqualTo(Arrays.copyOf(original, MiB));
    assertFindable(dead, original, offset);
  }

  private static void assertCoordinatesOnly(
      ConsumerRecord<String, byte[]> dead, byte[] original, long offset, String reason)
      throws Exception {
    assertThat(header(dead, "dlq.form")).isEqualTo("coordinates");
    assertThat(header(dead, "dlq.reason")).isEqualTo(reason);
    assertThat(dead.key()).isNull();
    assertThat(dead.value()).isNull();
    assertFindable(dead, original, offset);
  }

  private static void assertFindable(
      ConsumerRecord<String, byte[]> dead, byte[] original, long offset) throws Exception {
    assertThat(header(dead, "dlq.topic")).isEqualTo("events");
    assertThat(header(dead, "dlq.partition")).isEqualTo("0");
    assertThat(header(dead, "dlq.offset")).isEqualTo(Long.toString(offset));
    assertThat(header(dead, "dlq.value-length")).isEqualTo(Integer.toString(original.length));
    assertThat(header(dead, "dlq.value-sha256"))
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original)));
  }

  // ---- the router and its topics ----

  private Router start(BlackHole blackHole, Map<String, Object> overrides) throws Exception {
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(
        registry,
        """
        destinations { webhook { endpoint = "http://127.0.0.1:%d/webhook" } }
        sources { shop { destinations = [webhook] } }
        """
            .formatted(blackHole.port()));
    return TestRouter.start(TestRouter.config(dataDir, registry, overrides));
  }

  private static void awaitAllDeliveredAndCommitted(
      Router router, BlackHole blackHole, List<String> good, long records) {
    TestProbe<Object> probe = TestProbe.create(router.system());
    probe.awaitAssert(
        Duration.ofSeconds(90),
        Duration.ofMillis(200),
        () -> {
          assertThat(blackHole.deliveries().getOrDefault("webhook", Map.of()))
              .containsOnlyKeys(good);
          TestRouter.Progress progress =
              TestRouter.progress(router.kafkaBootstrapServers(), "eventrouter", "events");
          assertThat(progress.committed()).isEqualTo(progress.end()).isEqualTo(records);
          return progress;
        });
  }

  /** Sets the dead-letter topic's largest batch, and waits until the broker reports it. */
  private static void limitDeadLetterTopic(String bootstrap, int maxMessageBytes) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "events.dead-letter");
    try (Admin admin = Admin.create(props)) {
      admin
          .incrementalAlterConfigs(
              Map.of(
                  topic,
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("max.message.bytes", Integer.toString(maxMessageBytes)),
                          AlterConfigOp.OpType.SET))))
          .all()
          .get();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!Integer.toString(maxMessageBytes)
          .equals(
              admin
                  .describeConfigs(List.of(topic))
                  .all()
                  .get()
                  .get(topic)
                  .get("max.message.bytes")
                  .value())) {
        assertThat(System.nanoTime()).as("the broker reports the new limit").isLessThan(deadline);
        Thread.sleep(100);
      }
    }
  }

  private static List<String> sendGood(
      KafkaProducer<String, byte[]> producer, String prefix, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(prefix + "-" + i);
      producer.send(
          new ProducerRecord<>(
              "events", 0, "shop", bytes("{\"messageId\":\"" + ids.get(i) + "\"}")));
    }
    producer.flush();
    return ids;
  }

  private static KafkaProducer<String, byte[]> zstdProducer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    // the client checks the uncompressed size against this; the broker checks the compressed one
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(32 * MiB));
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * MiB));
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  // ---- values ----

  /** A valid event of about {@code size} bytes, its padding made of {@code chunk}s. */
  private static byte[] event(
      String messageId, int size, java.util.function.Supplier<String> chunk) {
    StringBuilder padding = new StringBuilder(size);
    while (padding.length() < size) {
      padding.append(chunk.get());
    }
    return bytes("{\"messageId\":\"" + messageId + "\",\"padding\":\"" + padding + "\"}");
  }

  private static String randomText(Random random) {
    byte[] raw = new byte[3 * 1024];
    random.nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
