package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.ingest.DeadLetterRedrive;
import dev.eventrouter.router.ingest.Rejection;
import dev.eventrouter.router.kafka.KafkaClientSettings;
import dev.eventrouter.router.testing.DeadLetters;
import dev.eventrouter.router.testing.TestRouter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Dead letters of a source unknown when they came, re-driven once the source is in the registry:
 * each delivered once, however often the re-drive is asked for; reasons no operator can fix are
 * refused; a read token may not re-drive; the operator's action is audited.
 */
@ExtendWith(LogCapturingExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeadLetterRedriveTest {

  private static final String OPERATE = "operate-token-0123456789";
  private static final String READ = "read-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dataDir;
  static BlackHole blackHole;
  static Router router;
  static TestProbe<Object> probe;
  static final ListAppender<ILoggingEvent> audit = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    blackHole = BlackHole.start("127.0.0.1", 0);
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(registry, registry(false));
    router =
        TestRouter.start(
            TestRouter.config(
                dataDir,
                registry,
                Map.of(
                    "eventrouter.admin.operate-token", OPERATE,
                    "eventrouter.admin.read-token", READ)));
    probe = TestProbe.create(router.system());
    audit.start();
    ((Logger) LoggerFactory.getLogger("eventrouter.audit")).addAppender(audit);
  }

  private static String registry(boolean withLate) {
    return """
        destinations { hook { endpoint = "%s" } }
        sources {
          shop { destinations = [hook] }
          %s
        }
        """
        .formatted(blackHole.url("hook"), withLate ? "late { destinations = [hook] }" : "");
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger("eventrouter.audit")).detachAppender(audit);
    router.close();
    blackHole.close();
  }

  @Test
  void deadLettersOfASourceAddedLaterAreDeliveredOnceHoweverOftenTheyAreRedriven()
      throws Exception {
    Instant from = Instant.now().minusSeconds(60);
    List<String> sent = produce("late", 12);
    assertThat(DeadLetters.read(router.kafkaBootstrapServers(), 12, WAIT))
        .hasSize(12)
        .allSatisfy(
            letter ->
                assertThat(DeadLetters.header(letter, "dlq.reason")).isEqualTo("unknown-source"));

    HttpResponse<String> replaced =
        call("PUT", "/admin/registry", OPERATE, registry(true), "text/plain");
    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          assertThat(call("GET", "/admin/pairs/late/hook", READ, null).statusCode()).isEqualTo(200);
          return null;
        });

    String request =
        "{\"reason\":\"unknown-source\",\"source\":\"late\",\"from\":\""
            + from
            + "\",\"to\":\""
            + Instant.now().plusSeconds(60)
            + "\"}";
    JsonNode first = redrive(request);
    assertThat(first.get("matched").asInt()).isEqualTo(12);
    assertThat(first.get("redriven").asInt()).isEqualTo(12);
    assertThat(first.get("alreadyRedriven").asInt()).isZero();
    // asked again, and with no source: nothing is produced a second time
    JsonNode again = redrive(request);
    assertThat(again.get("redriven").asInt()).isZero();
    assertThat(again.get("alreadyRedriven").asInt()).isEqualTo(12);
    JsonNode all = redrive(request.replace("\"source\":\"late\",", ""));
    assertThat(all.get("redriven").asInt()).isZero();

    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          assertThat(blackHole.deliveries().getOrDefault("hook", Map.of()).keySet())
              .containsExactlyInAnyOrderElementsOf(sent);
          return null;
        });
    assertThat(blackHole.deliveries().get("hook").values()).allSatisfy(n -> assertThat(n).isOne());
    assertThat(redrivenOnIngestTopic("late"))
        .as("records on the ingest topic from a re-drive")
        .hasSize(12);
    assertThat(audit.list)
        .anySatisfy(
            event ->
                assertThat(event.getFormattedMessage())
                    .contains("redrive-dead-letters")
                    .contains("admin")
                    .contains("202"));
  }

  @Test
  void aReasonNoOperatorCanFixOrABadRequestIsRefusedAndAReadTokenMayNotRedrive() throws Exception {
    String range = "\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-01T01:00:00Z\"";
    Map<String, String> bad =
        Map.of(
            "{\"reason\":\"not-json\"," + range + "}",
            "only unknown-source, payload-too-large",
            "{\"reason\":\"bored\"," + range + "}",
            "unknown reason 'bored'",
            "{" + range + "}",
            "reason is required",
            "{\"reason\":\"unknown-source\"}",
            "from is required",
            "{\"reason\":\"unknown-source\",\"from\":\"2026-01-02T00:00:00Z\",\"to\":\"2026-01-01T00:00:00Z\"}",
            "from must be before to",
            "{\"reason\":\"unknown-source\",\"source\":\"a/b\"," + range + "}",
            "source must match",
            "{\"reason\":\"unknown-source\",\"all\":true," + range + "}",
            "unknown field 'all'",
            "{\"reason\":\"unknown-source\",\"from\":\"1969-12-31T23:59:59Z\",\"to\":\"2026-01-01T00:00:00Z\"}",
            "from and to must be within 1970-01-01T00:00:00Z",
            "{\"reason\":\"unknown-source\",\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"+300000000-01-01T00:00:00Z\"}",
            "from and to must be within");
    for (Map.Entry<String, String> body : bad.entrySet()) {
      HttpResponse<String> response =
          call("POST", "/admin/dead-letters/redrive", OPERATE, body.getKey(), null);
      assertThat(response.statusCode()).as(body.getKey()).isEqualTo(400);
      assertThat(JSON.readTree(response.body()).get("error").asText())
          .as(body.getKey())
          .contains(body.getValue());
    }
    HttpResponse<String> read =
        call(
            "POST",
            "/admin/dead-letters/redrive",
            READ,
            "{\"reason\":\"unknown-source\"," + range + "}",
            null);
    assertThat(read.statusCode()).isEqualTo(403);
    assertThat(call("GET", "/admin/redrives/nothing", READ, null).statusCode()).isEqualTo(404);
  }

  /**
   * A record's own {@code dlq.} headers are not copied into its dead letter, where they would pass
   * for the router's: a forged {@code dlq.redriven} would be taken for a re-drive's marker, failing
   * every re-drive (not a number) or hiding a real dead letter (a number).
   */
  @Test
  @Order(Integer.MAX_VALUE - 1) // its source stays unknown, as the next test's
  void aRecordsOwnDlqHeadersNeitherPassForTheRoutersNorStopARedrive() throws Exception {
    Instant from = Instant.now().minusSeconds(60);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, router.kafkaBootstrapServers());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      for (String forged : new String[] {"x", "0", null}) {
        ProducerRecord<String, byte[]> record =
            new ProducerRecord<>(
                "events",
                "forger",
                ("{\"messageId\":\"forged-" + forged + "\"}").getBytes(StandardCharsets.UTF_8));
        record
            .headers()
            .add(
                DeadLetterRedrive.REDRIVEN,
                forged == null ? null : forged.getBytes(StandardCharsets.UTF_8));
        record.headers().add("dlq.reason", "not-json".getBytes(StandardCharsets.UTF_8));
        record.headers().add("x-kept", "yes".getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();
      }
    }
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          assertThat(deadLettersOf("forger"))
              .hasSize(3)
              .allSatisfy(
                  letter -> {
                    assertThat(letter.headers().lastHeader(DeadLetterRedrive.REDRIVEN)).isNull();
                    assertThat(letter.headers().headers("dlq.reason")).hasSize(1);
                    assertThat(DeadLetters.header(letter, "dlq.reason"))
                        .isEqualTo("unknown-source");
                    assertThat(DeadLetters.header(letter, "x-kept")).isEqualTo("yes");
                  });
          return null;
        });

    JsonNode report =
        redrive(
            "{\"reason\":\"unknown-source\",\"source\":\"forger\",\"from\":\""
                + from
                + "\",\"to\":\""
                + Instant.now().plusSeconds(60)
                + "\"}");
    assertThat(report.get("matched").asInt()).isEqualTo(3);
    assertThat(report.get("redriven").asInt()).isEqualTo(3);
  }

  /**
   * Re-drives asked of two nodes at once, three times over: whichever takes the transactional id
   * all re-drives share second fences the other, and only then reads the topic, so it sees every
   * marker the other committed; a fenced re-drive fails, and nothing it had not committed counts.
   */
  @Test
  @Order(Integer.MAX_VALUE) // its source stays unknown: its re-driven records come back as dead
  // letters, which the first test's re-drive of every source would otherwise find
  void redrivesStartedAtOnceOnTwoNodesProduceEachDeadLetterOnce() throws Exception {
    Instant from = Instant.now().minusSeconds(60);
    produce("racer", 10);
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          assertThat(deadLettersOf("racer")).hasSize(10);
          return null;
        });
    // the copies dead-lettered again once re-driven come after this: outside the range
    DeadLetterRedrive.Request request =
        new DeadLetterRedrive.Request(Rejection.UNKNOWN_SOURCE, "racer", from, Instant.now());
    KafkaClientSettings client = KafkaClientSettings.plain(router.kafkaBootstrapServers());
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<DeadLetterRedrive> nodes =
          List.of(redriveOn(client, threads), redriveOn(client, threads));
      List<CompletableFuture<DeadLetterRedrive.Report>> runs = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (DeadLetterRedrive node : nodes) {
          runs.add(node.redrive(request).toCompletableFuture());
        }
      }
      CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new))
          .handle((done, failed) -> done)
          .get(WAIT.toSeconds(), TimeUnit.SECONDS);
      // asked once more, alone: every dead letter is re-driven by now, none twice
      DeadLetterRedrive.Report last =
          nodes
              .get(0)
              .redrive(request)
              .toCompletableFuture()
              .get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(last.matched()).isEqualTo(10);
      assertThat(last.redriven() + last.alreadyRedriven()).isEqualTo(10);
    } finally {
      threads.shutdownNow();
    }
    List<ConsumerRecord<String, byte[]>> redriven = redrivenOnIngestTopic("racer");
    assertThat(redriven)
        .extracting(record -> DeadLetters.header(record, DeadLetterRedrive.REDRIVEN_FROM))
        .as("each dead letter re-driven once")
        .hasSize(10)
        .doesNotHaveDuplicates();
  }

  private static DeadLetterRedrive redriveOn(KafkaClientSettings client, ExecutorService threads) {
    return new DeadLetterRedrive(
        client, "events", DeadLetters.TOPIC, threads, Duration.ofSeconds(30));
  }

  /** The dead letters of a source (not the markers of re-drives, which have no key). */
  private static List<ConsumerRecord<String, byte[]>> deadLettersOf(String source) {
    return DeadLetters.read(
            router.kafkaBootstrapServers(), Integer.MAX_VALUE, Duration.ofSeconds(3))
        .stream()
        .filter(record -> source.equals(record.key()))
        .toList();
  }

  /** Starts a re-drive and waits for its report. */
  private static JsonNode redrive(String body) throws Exception {
    HttpResponse<String> started = call("POST", "/admin/dead-letters/redrive", OPERATE, body, null);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String location = started.headers().firstValue("Location").orElseThrow();
    AtomicReference<JsonNode> report = new AtomicReference<>();
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(100),
        () -> {
          JsonNode status = JSON.readTree(call("GET", location, READ, null).body());
          assertThat(status.get("status").asText()).as(status.toString()).isEqualTo("DONE");
          report.set(status.get("report"));
          return null;
        });
    return report.get();
  }

  /** The ingest topic's records of a source that carry the header of a re-drive. */
  private static List<ConsumerRecord<String, byte[]>> redrivenOnIngestTopic(String source) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, router.kafkaBootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "redriven-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, byte[]>> redriven = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("events"));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      // every record of the topic is read within the time; what matters is none beyond the count
      while (System.nanoTime() < deadline) {
        consumer
            .poll(Duration.ofMillis(500))
            .forEach(
                record -> {
                  if (source.equals(record.key())
                      && record.headers().lastHeader(DeadLetterRedrive.REDRIVEN_FROM) != null) {
                    redriven.add(record);
                  }
                });
      }
    }
    return redriven;
  }

  private static List<String> produce(String source, int events) {
    EventProducer.Result produced =
        EventProducer.run(
            new EventProducer.Plan(
                router.kafkaBootstrapServers(), "events", events, List.of(source), 200, 0, 5));
    assertThat(produced.failed()).isZero();
    return produced.produced().stream().map(EventProducer.Produced::messageId).distinct().toList();
  }

  private static HttpResponse<String> call(
      String method, String path, String token, String body, String contentType) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", contentType == null ? "application/json" : contentType);
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    return call(method, path, token, body, null);
  }
}
