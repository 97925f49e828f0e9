package dev.eventrouter.router.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.run.RouterProcess;
import dev.eventrouter.router.testing.OrderRecorder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ordered delivery across a SIGKILL: the packaged router delivers the events of 20 users to a
 * destination ordered per key, is killed while requests are under way, and started again on the
 * same data. Every event is delivered; a user's requests come in Kafka order, an event under way at
 * the kill perhaps twice, never after a later one of its user. The figures are written to {@code
 * target/reliability/ordered-sigkill.json} for RELIABILITY.md.
 */
@ExtendWith(LogCapturingExtension.class)
class OrderedSigkillIT {

  private static final int USERS = 20;
  private static final int ROUNDS = 100;

  /** Ports from the range this test may use. */
  private static final int PORTS = 22_000;

  @TempDir Path dir;

  @Test
  void aUsersEventsArriveInKafkaOrderAcrossASigkill() throws Exception {
    Path jar = Path.of(System.getProperty("router.jar"));
    // slow answers: a user's events take seconds, and requests are under way when the kill comes
    try (OrderRecorder recipient = new OrderRecorder(Duration.ofMillis(50))) {
      Path registry = dir.resolve("registry.conf");
      Files.writeString(
          registry,
          """
          destinations { ordered { endpoint = "%s", ordering = per-key } }
          sources { shop { destinations = [ordered] } }
          """
              .formatted(recipient.url()));
      try (RouterProcess router =
          new RouterProcess(
                  jar,
                  dir,
                  Map.of("ROUTER_REGISTRY_FILE", registry.toString()),
                  "512m",
                  RouterProcess.Ports.from(PORTS))
              .start()) {
        router.awaitReady(Duration.ofSeconds(120));
        long started = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = producer(router.kafkaBootstrapServers())) {
          for (int round = 0; round < ROUNDS; round++) {
            for (int user = 0; user < USERS; user++) {
              String event =
                  "{\"messageId\":\"user-%d/%d\",\"type\":\"track\",\"userId\":\"user-%d\"}"
                      .formatted(user, round, user);
              producer.send(
                  new ProducerRecord<>("events", "shop", event.getBytes(StandardCharsets.UTF_8)));
            }
          }
          producer.flush();
        }
        int total = USERS * ROUNDS;
        RouterProcess.await(
            "a third of the events delivered",
            Duration.ofSeconds(180),
            () -> recipient.delivered().size() >= total / 3);
        router.kill();
        int deliveredAtKill = recipient.delivered().size();
        int requestsAtKill = recipient.requests();
        router.start();
        router.awaitReady(Duration.ofSeconds(120));
        RouterProcess.await(
            "every event delivered",
            Duration.ofSeconds(300),
            () -> recipient.delivered().size() == total);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("events", total);
        figures.put("deliveredAtKill", deliveredAtKill);
        figures.put("requestsAtKill", requestsAtKill);
        figures.put("requests", recipient.requests());
        figures.put("repeated", recipient.requests() - total);
        figures.put("seconds", (System.nanoTime() - started) / 1e9);
        Path out = Path.of("target", "reliability", "ordered-sigkill.json");
        Files.createDirectories(out.getParent());
        new ObjectMapper().writeValue(out.toFile(), figures);

        assertThat(deliveredAtKill).as("killed while delivering").isLessThan(total);
        Map<String, List<Integer>> byKey = recipient.byKey();
        assertThat(byKey).hasSize(USERS);
        byKey.forEach(
            (user, rounds) -> {
              assertThat(rounds).as(user).isSorted();
              assertThat(rounds.stream().distinct().toList())
                  .as(user)
                  .containsExactlyElementsOf(IntStream.range(0, ROUNDS).boxed().toList());
            });
      }
    }
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }
}
