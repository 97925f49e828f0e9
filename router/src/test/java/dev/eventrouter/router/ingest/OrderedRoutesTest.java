package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.OrderRecorder;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
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
 * A destination ordered per key on the whole path (embedded Kafka, the router, a destination over
 * HTTP that records what it receives in order): the key is taken from the event's JSON at the
 * ingest, a user whose first event fails holds back only their own later events, and every user's
 * requests arrive in Kafka order.
 */
@ExtendWith(LogCapturingExtension.class)
class OrderedRoutesTest {

  private static final int USERS = 20;
  private static final int ROUNDS = 5;

  @TempDir Path dataDir;

  @Test
  void aUsersFailingEventHoldsBackOnlyTheirLaterEventsAndEveryUserGetsKafkaOrder()
      throws Exception {
    try (OrderRecorder recipient = new OrderRecorder(Duration.ZERO)) {
      // the failing user's events fail until the test lets them through
      recipient.failing = event -> event.path("userId").asText().equals("failing");
      Path registry = dataDir.resolve("registry.conf");
      Files.writeString(
          registry,
          """
          destinations {
            ordered {
              endpoint = "%s"
              ordering = per-key
              retry { base = 50ms, cap = 200ms }
            }
          }
          sources { shop { destinations = [ordered] } }
          """
              .formatted(recipient.url()));
      try (Router router = TestRouter.start(TestRouter.config(dataDir, registry, Map.of()));
          KafkaProducer<String, byte[]> producer = producer(router.kafkaBootstrapServers())) {
        // Kafka order: round r is every user's r-th event, the failing user's first; the failing
        // user is known by userId, the others by anonymousId (the key when there is no userId)
        for (int round = 0; round < ROUNDS; round++) {
          send(producer, "userId", "failing", round);
          for (int user = 0; user < USERS; user++) {
            send(producer, "anonymousId", "user-" + user, round);
          }
        }

        TestProbe<Object> probe = TestProbe.create(router.system());
        probe.awaitAssert(
            Duration.ofSeconds(90),
            Duration.ofMillis(200),
            () -> {
              assertThat(recipient.delivered()).hasSize(USERS * ROUNDS);
              return null;
            });
        // tried again and again, and nothing of theirs after it meanwhile
        assertThat(recipient.byKey().get("failing")).hasSizeGreaterThan(1).containsOnly(0);

        recipient.failing = event -> false;
        probe.awaitAssert(
            Duration.ofSeconds(60),
            Duration.ofMillis(200),
            () -> {
              assertThat(recipient.delivered()).hasSize((USERS + 1) * ROUNDS);
              return null;
            });
        Map<String, List<Integer>> byKey = recipient.byKey();
        assertThat(byKey).hasSize(USERS + 1);
        byKey.forEach(
            (key, rounds) -> {
              assertThat(rounds).as(key).isSorted();
              assertThat(rounds.stream().distinct().toList())
                  .as(key)
                  .containsExactlyElementsOf(IntStream.range(0, ROUNDS).boxed().toList());
            });
      }
    }
  }

  /** One event of a user, with its round in its message id: {@code user/round}. */
  private static void send(
      KafkaProducer<String, byte[]> producer, String keyField, String user, int round)
      throws Exception {
    String event =
        "{\"messageId\":\"%s/%d\",\"type\":\"track\",\"event\":\"Step\",\"%s\":\"%s\"}"
            .formatted(user, round, keyField, user);
    producer
        .send(new ProducerRecord<>("events", 0, "shop", event.getBytes(StandardCharsets.UTF_8)))
        .get();
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }
}
