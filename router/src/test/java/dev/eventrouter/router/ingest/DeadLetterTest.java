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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * Bad records go to the dead-letter topic with their original bytes and a reason, are counted, and
 * do not hold up the good records behind them on the same partition.
 */
@ExtendWith(LogCapturingExtension.class)
class DeadLetterTest {

  @TempDir Path dataDir;

  record Bad(String key, byte[] value, String reason) {}

  @Test
  void sendsEachBadRecordToTheDeadLetterTopicAndKeepsGoing() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    byte[] tooLarge = new byte[1024 * 1024 + 1];
    Arrays.fill(tooLarge, (byte) 'x');
    byte[] invalidUtf8 =
        ("{\"messageId\":\"" + run + "-u\",\"n\":\"__\"}").getBytes(StandardCharsets.UTF_8);
    invalidUtf8[invalidUtf8.length - 4] = (byte) 0xC3;
    invalidUtf8[invalidUtf8.length - 3] = (byte) 0x28;
    List<Bad> bad =
        List.of(
            new Bad("shop", bytes("this is not json"), "not-json"),
            new Bad("shop", bytes("{\"type\":\"track\",\"event\":\"no id\"}"), "no-message-id"),
            new Bad("nobody", bytes("{\"messageId\":\"" + run + "-n\"}"), "unknown-source"),
            new Bad(null, bytes("{\"messageId\":\"" + run + "-k\"}"), "no-source-key"),
            new Bad("shop", tooLarge, "payload-too-large"),
            new Bad("shop", invalidUtf8, "not-json"),
            new Bad(
                "shop",
                bytes("{\"messageId\":\"m\",\"p\":" + "[".repeat(500) + "]".repeat(500) + "}"),
                "not-json"),
            new Bad("shop", bytes("{\"messageId\":7}"), "no-message-id"));

    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dataDir.resolve("registry.conf");
      Files.writeString(
          registry,
          """
          destinations { webhook { endpoint = "http://127.0.0.1:%d/webhook" } }
          sources { shop { destinations = [webhook] } }
          """
              .formatted(blackHole.port()));
      try (Router router = TestRouter.start(TestRouter.config(dataDir, registry, Map.of()))) {
        try (KafkaProducer<String, byte[]> producer = producer(router.kafkaBootstrapServers())) {
          // every bad record sits in the same partition as good ones before and after it
          List<String> good = new ArrayList<>();
          for (int i = 0; i < bad.size(); i++) {
            String id = run + "-good-" + i;
            good.add(id);
            producer
                .send(
                    new ProducerRecord<>(
                        "events", 0, "shop", bytes("{\"messageId\":\"" + id + "\"}")))
                .get();
            Bad b = bad.get(i);
            ProducerRecord<String, byte[]> record =
                new ProducerRecord<>("events", 0, b.key(), b.value());
            record.headers().add("origin", bytes("test-" + i));
            producer.send(record).get();
          }

          List<ConsumerRecord<String, byte[]>> deadLetters =
              DeadLetters.read(router.kafkaBootstrapServers(), bad.size(), Duration.ofSeconds(60));
          assertThat(deadLetters).hasSize(bad.size());
          for (int i = 0; i < bad.size(); i++) {
            ConsumerRecord<String, byte[]> dead = deadLetters.get(i);
            assertThat(dead.key()).isEqualTo(bad.get(i).key());
            byte[] value = bad.get(i).value();
            // a value over eventrouter.kafka.dead-letter-max-value-bytes is cut to it
            assertThat(dead.value())
                .isEqualTo(value.length > 1024 * 1024 ? Arrays.copyOf(value, 1024 * 1024) : value);
            assertThat(header(dead, "dlq.form"))
                .isEqualTo(value.length > 1024 * 1024 ? "value-cut" : "original");
            assertThat(header(dead, "dlq.value-length")).isEqualTo(Integer.toString(value.length));
            assertThat(header(dead, "dlq.reason")).isEqualTo(bad.get(i).reason());
            assertThat(header(dead, "dlq.detail")).isNotBlank().doesNotContain("xxxxxxxxxx");
            assertThat(header(dead, "dlq.topic")).isEqualTo("events");
            assertThat(header(dead, "origin")).isEqualTo("test-" + i);
          }

          TestProbe<Object> probe = TestProbe.create(router.system());
          probe.awaitAssert(
              Duration.ofSeconds(60),
              Duration.ofMillis(200),
              () -> {
                assertThat(blackHole.deliveries().getOrDefault("webhook", Map.of()))
                    .containsOnlyKeys(good);
                TestRouter.Progress progress =
                    TestRouter.progress(router.kafkaBootstrapServers(), "eventrouter", "events");
                assertThat(progress.committed())
                    .isEqualTo(progress.end())
                    .isEqualTo(2L * bad.size());
                return progress;
              });
          String metrics = TestRouter.get(router, "/metrics").body();
          assertThat(
                  Metrics.value(
                      metrics, "eventrouter_ingest_dead_letters_total{reason=\"not-json\"}"))
              .isEqualTo(3);
          assertThat(
                  Metrics.value(
                      metrics, "eventrouter_ingest_dead_letters_total{reason=\"no-message-id\"}"))
              .isEqualTo(2);
          assertThat(
                  Metrics.value(
                      metrics, "eventrouter_ingest_dead_letters_total{reason=\"unknown-source\"}"))
              .isEqualTo(1);
          assertThat(
                  Metrics.value(
                      metrics, "eventrouter_ingest_dead_letters_total{reason=\"no-source-key\"}"))
              .isEqualTo(1);
          assertThat(
                  Metrics.value(
                      metrics,
                      "eventrouter_ingest_dead_letters_total{reason=\"payload-too-large\"}"))
              .isEqualTo(1);
        }
      }
    }
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 * 1024 * 1024));
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
