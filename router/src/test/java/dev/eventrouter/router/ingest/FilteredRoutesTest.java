package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
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
 * Routes with filters on the whole path (embedded Kafka, the router, the black hole over HTTP): a
 * filtered route does not receive what its filter refuses while another route of the source does,
 * and an event no route wants is counted and committed, with no job made of it.
 */
@ExtendWith(LogCapturingExtension.class)
class FilteredRoutesTest {

  @TempDir Path dataDir;

  @Test
  void aFilteredRouteCarriesOnlyWhatItWantsAndAnEventNoRouteWantsIsCommitted() throws Exception {
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dataDir.resolve("registry.conf");
      Files.writeString(
          registry,
          """
          destinations {
            everything { endpoint = "%s" }
            orders { endpoint = "%s" }
          }
          sources {
            shop { destinations = [everything,
              { id = orders, filter { types = [track], events = ["Order *"] } }] }
            quiet { destinations = [{ id = orders, filter { types = [track] } }] }
          }
          """
              .formatted(blackHole.url("everything"), blackHole.url("orders")));
      try (Router router = TestRouter.start(TestRouter.config(dataDir, registry, Map.of()));
          KafkaProducer<String, byte[]> producer = producer(router.kafkaBootstrapServers())) {
        // one partition, the unwanted event last: its offset is committed only if it is handled
        send(
            producer,
            "shop",
            "{'messageId':'shop-order','type':'track','event':'Order Completed'}");
        send(producer, "shop", "{'messageId':'shop-page','type':'page','event':'Order Completed'}");
        send(producer, "shop", "{'messageId':'shop-signup','type':'track','event':'Signed Up'}");
        send(producer, "quiet", "{'messageId':'quiet-track','type':'track','event':'Signed Up'}");
        send(producer, "quiet", "{'messageId':'quiet-page','type':'page'}");

        TestProbe<Object> probe = TestProbe.create(router.system());
        probe.awaitAssert(
            Duration.ofSeconds(60),
            Duration.ofMillis(200),
            () -> {
              TestRouter.Progress progress =
                  TestRouter.progress(router.kafkaBootstrapServers(), "eventrouter", "events");
              assertThat(progress.committed()).isEqualTo(progress.end()).isEqualTo(5L);
              assertThat(blackHole.deliveries().getOrDefault("everything", Map.of()))
                  .containsOnlyKeys("shop-order", "shop-page", "shop-signup");
              assertThat(blackHole.deliveries().getOrDefault("orders", Map.of()))
                  .containsOnlyKeys("shop-order", "quiet-track");
              return progress;
            });
        String metrics = TestRouter.get(router, "/metrics").body();
        assertThat(
                Metrics.value(
                    metrics,
                    "eventrouter_ingest_events_without_destination_total{reason=\"filtered\"}"))
            .isEqualTo(1);
        assertThat(Metrics.value(metrics, "eventrouter_jobs_accepted_total"))
            .as("no job of the unwanted event, nor for a route that refused one")
            .isEqualTo(5);
        assertThat(
                Metrics.value(
                    metrics, "eventrouter_ingest_dead_letters_total{reason=\"not-json\"}"))
            .isZero();
      }
    }
  }

  private static void send(KafkaProducer<String, byte[]> producer, String source, String event)
      throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                "events", 0, source, event.replace('\'', '"').getBytes(StandardCharsets.UTF_8)))
        .get();
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }
}
