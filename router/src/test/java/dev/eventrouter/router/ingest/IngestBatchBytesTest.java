package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
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
 * The ingest's batches are bounded in bytes as well as in records: it holds several at once, and a
 * thousand events of the largest size would be a gigabyte each.
 */
@ExtendWith(LogCapturingExtension.class)
class IngestBatchBytesTest {

  private static final String OPERATE = "operate-token-0123456789";

  @TempDir Path dataDir;

  @Test
  void aBatchHoldsNoMoreRecordBytesThanItsBound() throws Exception {
    Path registry = dataDir.resolve("registry.conf");
    // nothing is listening there, and nothing is sent: the destination is paused
    Files.writeString(
        registry,
        """
        destinations { webhook { endpoint = "http://127.0.0.1:%d/webhook" } }
        sources { shop { destinations = [webhook] } }
        """
            .formatted(TestRouter.freePort()));
    try (Router router =
        TestRouter.start(
            TestRouter.config(
                dataDir,
                registry,
                Map.of(
                    "eventrouter.admin.operate-token", OPERATE,
                    "eventrouter.ingest.batch-max-bytes", "4KiB",
                    "eventrouter.ingest.batch-max-wait", "2s")))) {
      HttpResponse<String> paused =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + router.httpPort()
                                  + "/admin/destinations/webhook/pause"))
                      .header("Authorization", "Bearer " + OPERATE)
                      .POST(HttpRequest.BodyPublishers.noBody())
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(paused.statusCode()).isEqualTo(200);

      // 20 events of about 1 KiB, sent at once: a window of 2 s would take them all
      try (KafkaProducer<String, byte[]> producer = producer(router.kafkaBootstrapServers())) {
        for (int i = 0; i < 20; i++) {
          String event = "{\"messageId\":\"m-" + i + "\",\"pad\":\"" + "x".repeat(1000) + "\"}";
          producer.send(
              new ProducerRecord<>("events", 0, "shop", event.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
      }

      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(200),
          () -> {
            String metrics = TestRouter.get(router, "/metrics").body();
            assertThat(Metrics.value(metrics, "eventrouter_journal_write_events_sum"))
                .isEqualTo(20);
            return null;
          });
      String metrics = TestRouter.get(router, "/metrics").body();
      // each write: the jobs of one batch for the pair, at most four records of 1 KiB
      assertThat(Metrics.value(metrics, "eventrouter_journal_write_events_count"))
          .isGreaterThanOrEqualTo(5);
      assertThat(Metrics.value(metrics, "eventrouter_journal_write_events_bucket{le=\"5.0\"}"))
          .isEqualTo(Metrics.value(metrics, "eventrouter_journal_write_events_count"));
    }
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "50");
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }
}
