package dev.eventrouter.router.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.DeadLetters;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Kafka client the router makes (admin, ingest consumer, dead-letter producer) takes the same
 * client settings, so a broker that refuses unauthenticated clients works for all of them; a wrong
 * password is a clear error at start, never a silent stall, and is never shown.
 */
@ExtendWith(LogCapturingExtension.class)
class KafkaSecurityTest {

  private static final String PASSWORD = "router-pw-" + UUID.randomUUID();
  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required "
          + "username=\"router\" password=\"%s\";";

  @TempDir Path dataDir;
  private EmbeddedKafka broker;

  @BeforeEach
  void startBrokerThatRequiresSasl() throws Exception {
    int port = TestRouter.freePort();
    int controllerPort = TestRouter.freePort();
    String listener = "127.0.0.1:" + port;
    Config embedded =
        EmbeddedBrokers.config(port, controllerPort, "8MiB")
            .withFallback(
                ConfigFactory.parseString(
                    """
            broker-properties {
              "listeners" = "SASL_PLAINTEXT://%1$s,CONTROLLER://127.0.0.1:%3$d"
              "advertised.listeners" = "SASL_PLAINTEXT://%1$s"
              "inter.broker.listener.name" = SASL_PLAINTEXT
              "listener.security.protocol.map" = "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT"
              "sasl.enabled.mechanisms" = PLAIN
              "sasl.mechanism.inter.broker.protocol" = PLAIN
              "listener.name.sasl_plaintext.plain.sasl.jaas.config" = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\\"broker\\" password=\\"broker-pw\\" user_broker=\\"broker-pw\\" user_router=\\"%2$s\\";"
            }
            """
                        .formatted(listener, PASSWORD, controllerPort)));
    broker = EmbeddedKafka.start(embedded, dataDir.resolve("broker"));
  }

  @AfterEach
  void stopBroker() {
    broker.close();
  }

  @Test
  void theRouterCreatesTopicsIngestsAndDeadLettersOnABrokerThatNeedsSasl() throws Exception {
    // the JAAS line, password and all, is a secret file; the mechanism a plain setting
    Path secrets = Files.createDirectories(dataDir.resolve("secrets"));
    Files.writeString(secrets.resolve("KAFKA_JAAS"), JAAS.formatted(PASSWORD) + "\n");
    assertThatUnauthenticatedClientsAreRefused();

    String run = UUID.randomUUID().toString().substring(0, 8);
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0);
        Router router = TestRouter.start(config(blackHole, secrets))) {
      Properties client = saslClient(PASSWORD);
      try (Admin admin = Admin.create(client)) {
        assertThat(admin.listTopics().names().get()).contains("events", "events.dead-letter");
      }
      List<String> good = new ArrayList<>();
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>("events", 0, "shop", bytes("not json"))).get();
        for (int i = 0; i < 10; i++) {
          good.add(run + "-" + i);
          producer
              .send(
                  new ProducerRecord<>(
                      "events", 0, "shop", bytes("{\"messageId\":\"" + good.get(i) + "\"}")))
              .get();
        }
      }
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(200),
          () -> {
            assertThat(blackHole.deliveries().getOrDefault("webhook", Map.of()))
                .containsOnlyKeys(good);
            TestRouter.Progress progress = TestRouter.progress(client, "eventrouter", "events");
            assertThat(progress.committed()).isEqualTo(progress.end()).isEqualTo(11L);
            return progress;
          });
      assertThat(DeadLetters.read(client, 1, Duration.ofSeconds(60)))
          .extracting(ConsumerRecord::value)
          .containsExactly(bytes("not json"));
    }
  }

  @Test
  void aWrongPasswordStopsTheStartWithAClearErrorThatDoesNotShowIt() throws Exception {
    Path secrets = Files.createDirectories(dataDir.resolve("secrets"));
    String wrong = "wrong-" + UUID.randomUUID();
    Files.writeString(secrets.resolve("KAFKA_JAAS"), JAAS.formatted(wrong));

    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      assertThatThrownBy(() -> TestRouter.start(config(blackHole, secrets)).close())
          .hasMessageContaining("Authentication failed")
          .satisfies(
              e -> assertThat(stackTraceOf(e)).doesNotContain(wrong).doesNotContain("KAFKA_JAAS="));
    }
  }

  private Config config(BlackHole blackHole, Path secrets) throws Exception {
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(
        registry,
        """
        destinations { webhook { endpoint = "http://127.0.0.1:%d/webhook" } }
        sources { shop { destinations = [webhook] } }
        """
            .formatted(blackHole.port()));
    return TestRouter.config(
        dataDir,
        registry,
        0,
        Map.of(
            "eventrouter.kafka.bootstrap-servers", broker.bootstrapServers(),
            "eventrouter.secrets.dir", secrets.toString(),
            // written as paths and as quoted keys: both are Kafka's dotted names
            "eventrouter.kafka.client.properties.security.protocol", "SASL_PLAINTEXT",
            "eventrouter.kafka.client.properties.sasl.mechanism", "PLAIN",
            "eventrouter.kafka.client.secret-properties.\"sasl.jaas.config\"", "KAFKA_JAAS"));
  }

  private void assertThatUnauthenticatedClientsAreRefused() {
    Properties plain = new Properties();
    plain.put("bootstrap.servers", broker.bootstrapServers());
    plain.put("default.api.timeout.ms", "3000");
    plain.put("request.timeout.ms", "2000");
    try (Admin admin = Admin.create(plain)) {
      assertThatThrownBy(() -> admin.listTopics().names().get())
          .as("a plain client is refused")
          .isNotNull();
    }
  }

  private Properties saslClient(String password) {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "PLAIN");
    props.put("sasl.jaas.config", JAAS.formatted(password));
    return props;
  }

  private static String stackTraceOf(Throwable e) {
    java.io.StringWriter out = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(out));
    return out.toString();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
