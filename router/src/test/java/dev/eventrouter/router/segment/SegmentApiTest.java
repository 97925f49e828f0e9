package dev.eventrouter.router.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.DeadLetters;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Segment API of a router on embedded Kafka, delivering to a black hole: every call type and
 * batches (gzip, text/plain from a browser) are produced to the ingest topic as sent, with
 * messageId and receivedAt, and delivered once; an invalid event of a batch goes to the dead-letter
 * topic; and a request sent again is not delivered again.
 */
@ExtendWith(LogCapturingExtension.class)
class SegmentApiTest {

  private static final String KEY = "wk-shop-" + UUID.randomUUID();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  private static BlackHole blackHole;
  private static Router router;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    blackHole = BlackHole.start("127.0.0.1", 0);
    WriteKeyRegistry registry =
        WriteKeyRegistry.write(
            dataDir, "shop", "SHOP_WRITE_KEY", KEY + "\n", blackHole.url("hook"));
    router =
        TestRouter.start(
            TestRouter.config(
                dataDir,
                registry.registry(),
                Map.of("eventrouter.secrets.dir", registry.secrets().toString())));
  }

  @AfterAll
  static void stop() {
    if (router != null) {
      router.close();
    }
    if (blackHole != null) {
      blackHole.close();
    }
  }

  @Test
  void everyCallTypeIsProducedAsSentAndDeliveredOnce() throws Exception {
    String run = UUID.randomUUID().toString();
    Map<String, String> calls = new HashMap<>();
    calls.put(
        "track", "\"event\":\"Order Completed\",\"properties\":{\"total\":10.10,\"n\":[1,2]}");
    calls.put("identify", "\"traits\":{\"email\":\"a@example.com\"}");
    calls.put("page", "\"name\":\"Home\"");
    calls.put("screen", "\"name\":\"Cart\"");
    calls.put("group", "\"groupId\":\"g-1\"");
    calls.put("alias", "\"previousId\":\"anon-1\"");
    List<String> ids = new ArrayList<>();
    for (Map.Entry<String, String> call : calls.entrySet()) {
      String id = run + "-" + call.getKey();
      ids.add(id);
      HttpResponse<String> answer =
          post(
              "/v1/" + call.getKey(),
              KEY,
              "application/json",
              ("{\"userId\":\"u-1\","
                      + "\"messageId\":\""
                      + id
                      + "\",\"timestamp\":\"2026-01-02T03:04:05.678Z\",\"sentAt\":\"2026-01-02T03:04:06Z\","
                      + call.getValue()
                      + "}")
                  .getBytes(StandardCharsets.UTF_8),
              Map.of());
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("{\"success\":true}");
    }
    // no messageId: the router gives one
    assertThat(
            post(
                    "/v1/track",
                    KEY,
                    "application/json",
                    ("{\"anonymousId\":\"a-" + run + "\",\"event\":\"No Id\"}")
                        .getBytes(StandardCharsets.UTF_8),
                    Map.of())
                .statusCode())
        .isEqualTo(200);

    Map<String, ConsumerRecord<String, byte[]>> produced =
        readIngest(
            record -> ids.contains(messageId(record)) || anonymousId(record).equals("a-" + run),
            ids.size() + 1);
    for (String type : calls.keySet()) {
      ConsumerRecord<String, byte[]> record = produced.get(run + "-" + type);
      assertThat(record.key()).isEqualTo("shop");
      JsonNode event = JSON.readTree(record.value());
      assertThat(event.get("type").asText()).isEqualTo(type);
      assertThat(event.get("sentAt").asText()).isEqualTo("2026-01-02T03:04:06Z");
      assertThat(Instant.parse(event.get("receivedAt").asText()))
          .isAfter(Instant.now().minusSeconds(300));
      assertThat(event.has("writeKey")).isFalse();
      assertThat(DeadLetters.header(record, "eventrouter.id-time"))
          .isEqualTo(Long.toString(Instant.parse("2026-01-02T03:04:05.678Z").toEpochMilli()));
    }
    // passed on as sent: numbers as written, fields in their order
    assertThat(new String(produced.get(run + "-track").value(), StandardCharsets.UTF_8))
        .startsWith("{\"userId\":\"u-1\",\"messageId\":\"" + run + "-track\",")
        .contains("\"properties\":{\"total\":10.10,\"n\":[1,2]}");
    String generated =
        produced.keySet().stream().filter(id -> !ids.contains(id)).findFirst().orElseThrow();
    assertThat(generated).startsWith("api-");

    awaitDelivered(Set.copyOf(ids));
    awaitDelivered(Set.of(generated));
    Map<String, Integer> deliveries = blackHole.deliveries().get("hook");
    ids.forEach(id -> assertThat(deliveries.get(id)).as(id).isEqualTo(1));
    String metrics = TestRouter.get(router, "/metrics").body();
    assertThat(
            Metrics.value(
                metrics, "eventrouter_segment_api_requests_total{call=\"track\",code=\"200\"}"))
        .isGreaterThanOrEqualTo(2);
  }

  /**
   * analytics.js posts each call to the first letter of its type ({@code /v1/t}, {@code /v1/p},
   * ...) and its batches to {@code /v1/b}, as text/plain with the write key in the body.
   */
  @Test
  void theShortPathsAnalyticsJsPostsToAreItsCalls() throws Exception {
    String run = UUID.randomUUID().toString();
    Map<String, String> calls =
        Map.of(
            "t", "track", "p", "page", "i", "identify", "g", "group", "a", "alias", "s", "screen");
    Map<String, String> fields =
        Map.of(
            "track",
            "\"event\":\"Clicked\"",
            "page",
            "\"name\":\"Home\"",
            "identify",
            "\"traits\":{}",
            "group",
            "\"groupId\":\"g-1\"",
            "alias",
            "\"previousId\":\"p-1\"",
            "screen",
            "\"name\":\"Main\"");
    for (Map.Entry<String, String> call : calls.entrySet()) {
      String body =
          "{\"writeKey\":\""
              + KEY
              + "\",\"type\":\""
              + call.getValue()
              + "\",\"userId\":\"u\","
              + "\"messageId\":\""
              + run
              + "-"
              + call.getKey()
              + "\","
              + fields.get(call.getValue())
              + "}";
      HttpResponse<String> answer =
          post(
              "/v1/" + call.getKey(),
              null,
              "text/plain",
              body.getBytes(StandardCharsets.UTF_8),
              Map.of("Origin", "https://shop.example"));
      assertThat(answer.statusCode()).as(call.getKey() + ": " + answer.body()).isEqualTo(200);
    }
    String batch =
        "{\"writeKey\":\""
            + KEY
            + "\",\"batch\":[{\"type\":\"track\",\"event\":\"B\","
            + "\"userId\":\"u\",\"messageId\":\""
            + run
            + "-b\"}]}";
    assertThat(
            post("/v1/b", null, "text/plain", batch.getBytes(StandardCharsets.UTF_8), Map.of())
                .statusCode())
        .isEqualTo(200);

    Map<String, ConsumerRecord<String, byte[]>> produced =
        readIngest(record -> messageId(record).startsWith(run), calls.size() + 1);
    for (Map.Entry<String, String> call : calls.entrySet()) {
      assertThat(
              JSON.readTree(produced.get(run + "-" + call.getKey()).value()).get("type").asText())
          .as(call.getKey())
          .isEqualTo(call.getValue());
    }
    assertThat(produced).containsKey(run + "-b");
  }

  @Test
  void aGzippedBrowserBatchIsTakenAndItsInvalidEventDeadLettered() throws Exception {
    String run = UUID.randomUUID().toString();
    // as analytics.js sends from a browser: text/plain (no preflight), the write key in the body
    String batch =
        "{\"writeKey\":\""
            + KEY
            + "\",\"sentAt\":\"2026-01-02T03:04:06Z\","
            + "\"context\":{\"library\":{\"name\":\"analytics.js\"}},\"batch\":["
            + "{\"type\":\"track\",\"event\":\"A\",\"userId\":\"u\",\"messageId\":\""
            + run
            + "-a\"},"
            + "{\"type\":\"track\",\"userId\":\"u\",\"messageId\":\""
            + run
            + "-bad\"},"
            + "{\"type\":\"page\",\"anonymousId\":\"x\",\"messageId\":\""
            + run
            + "-b\",\"context\":{\"own\":true}}]}";
    HttpResponse<String> answer =
        post(
            "/v1/batch",
            null,
            "text/plain",
            SegmentApiErrorsTest.gzip(batch),
            Map.of("Content-Encoding", "gzip", "Origin", "https://shop.example"));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");

    Map<String, ConsumerRecord<String, byte[]>> produced =
        readIngest(record -> messageId(record).startsWith(run), 2);
    assertThat(produced).containsOnlyKeys(run + "-a", run + "-b");
    JsonNode a = JSON.readTree(produced.get(run + "-a").value());
    assertThat(a.get("sentAt").asText()).isEqualTo("2026-01-02T03:04:06Z");
    assertThat(a.get("context").get("library").get("name").asText()).isEqualTo("analytics.js");
    assertThat(
            JSON.readTree(produced.get(run + "-b").value()).get("context").get("own").asBoolean())
        .isTrue();
    assertThat(new String(produced.get(run + "-a").value(), StandardCharsets.UTF_8))
        .doesNotContain(KEY);

    List<ConsumerRecord<String, byte[]>> dead =
        DeadLetters.read(router.kafkaBootstrapServers(), 1, Duration.ofSeconds(30));
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).key()).isEqualTo("shop");
    assertThat(JSON.readTree(dead.get(0).value()).get("messageId").asText())
        .isEqualTo(run + "-bad");
    assertThat(DeadLetters.header(dead.get(0), "dlq.reason")).isEqualTo("invalid-event");
    assertThat(DeadLetters.header(dead.get(0), "dlq.detail")).contains("event name");
    assertThat(DeadLetters.header(dead.get(0), "dlq.topic")).isEqualTo("segment-api");
    awaitDelivered(Set.of(run + "-a", run + "-b"));
  }

  @Test
  void aRequestSentAgainWithTheSameMessageIdsIsDeliveredOnce() throws Exception {
    String run = UUID.randomUUID().toString();
    StringBuilder batch = new StringBuilder("{\"batch\":[");
    Set<String> ids = new TreeSet<>();
    for (int i = 0; i < 5; i++) {
      String id = run + "-" + i;
      ids.add(id);
      batch
          .append(i == 0 ? "" : ",")
          .append("{\"type\":\"track\",\"event\":\"E\",\"userId\":\"u\",\"messageId\":\"")
          .append(id)
          .append("\",\"timestamp\":\"2026-03-04T05:06:07.")
          .append(100 + i)
          .append("Z\"}");
    }
    byte[] body = batch.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    assertThat(post("/v1/batch", KEY, "application/json", body, Map.of()).statusCode())
        .isEqualTo(200);
    awaitDelivered(ids);
    double duplicatesBefore = duplicates();

    // the SDK did not get the answer: it sends the same request again, once delivered
    assertThat(post("/v1/batch", KEY, "application/json", body, Map.of()).statusCode())
        .isEqualTo(200);
    TestProbe<Object> probe = TestProbe.create(router.system());
    probe.awaitAssert(
        Duration.ofSeconds(60),
        Duration.ofMillis(200),
        () -> {
          assertThat(duplicates() - duplicatesBefore).isEqualTo(ids.size());
          return null;
        });
    Map<String, Integer> deliveries = blackHole.deliveries().get("hook");
    ids.forEach(id -> assertThat(deliveries.get(id)).as(id).isEqualTo(1));
  }

  // ---- helpers ----

  private static double duplicates() throws Exception {
    String metrics = TestRouter.get(router, "/metrics").body();
    return Metrics.value(metrics, "eventrouter_jobs_duplicate_total");
  }

  private static void awaitDelivered(Set<String> ids) {
    TestProbe<Object> probe = TestProbe.create(router.system());
    probe.awaitAssert(
        Duration.ofSeconds(60),
        Duration.ofMillis(200),
        () -> {
          assertThat(blackHole.deliveries().getOrDefault("hook", Map.of()))
              .containsKeys(ids.toArray(String[]::new));
          return null;
        });
  }

  static HttpResponse<String> post(
      String path, String key, String contentType, byte[] body, Map<String, String> headers)
      throws Exception {
    return post(router, path, key, contentType, body, headers);
  }

  static HttpResponse<String> post(
      Router router,
      String path,
      String key,
      String contentType,
      byte[] body,
      Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + router.segmentApiPort().orElseThrow() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", contentType);
    if (key != null) {
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8)));
    }
    headers.forEach(request::header);
    return http.send(
        request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String messageId(ConsumerRecord<String, byte[]> record) {
    return field(record, "messageId");
  }

  private static String anonymousId(ConsumerRecord<String, byte[]> record) {
    return field(record, "anonymousId");
  }

  private static String field(ConsumerRecord<String, byte[]> record, String name) {
    try {
      JsonNode node = JSON.readTree(record.value()).get(name);
      return node == null ? "" : node.asText();
    } catch (Exception e) {
      return "";
    }
  }

  /**
   * The first {@code count} records of the ingest topic that {@code wanted} picks, by messageId.
   */
  private static Map<String, ConsumerRecord<String, byte[]>> readIngest(
      java.util.function.Predicate<ConsumerRecord<String, byte[]>> wanted, int count) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, router.kafkaBootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "ingest-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Map<String, ConsumerRecord<String, byte[]>> found = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("events"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (found.size() < count && System.nanoTime() < deadline) {
        consumer
            .poll(Duration.ofMillis(500))
            .forEach(
                record -> {
                  if (wanted.test(record)) {
                    found.put(messageId(record), record);
                  }
                });
      }
    }
    return found;
  }
}
