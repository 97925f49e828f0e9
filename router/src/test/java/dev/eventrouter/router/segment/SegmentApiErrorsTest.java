package dev.eventrouter.router.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.router.ingest.IngestSettings;
import dev.eventrouter.router.kafka.KafkaClientSettings;
import dev.eventrouter.router.metrics.RouterMetrics;
import dev.eventrouter.router.registry.PairOverrides;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.SettingsRegistry;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Segment API's answers that need no broker: every error path, the rate limit, a fuzz of
 * bodies, and 503 when Kafka does not acknowledge (its broker is a port nobody listens on).
 */
@ExtendWith(LogCapturingExtension.class)
class SegmentApiErrorsTest {

  private static final String KEY = "wk-shop-0123456789";

  private static ActorTestKit testKit;
  private static ExecutorService blocking;
  private static final List<SegmentApi> apis = new ArrayList<>();
  private static RouterMetrics metrics;
  private static int port;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    testKit =
        ActorTestKit.create(
            "segment-api",
            ConfigFactory.parseResources("http.conf")
                .withFallback(ConfigFactory.parseResources("logging.conf"))
                .withFallback(ConfigFactory.defaultReference()));
    blocking = Executors.newCachedThreadPool();
    metrics = new RouterMetrics(Clock.systemUTC());
    port = bind(0, 1);
  }

  /** An API on a port of its own, with this rate limit per write key. */
  private static int bind(int rate, int burst) throws Exception {
    IngestSettings ingest =
        new IngestSettings(
            KafkaClientSettings.plain("127.0.0.1:" + TestRouter.freePort()),
            "events",
            "events.dead-letter",
            1024 * 1024,
            "eventrouter",
            1024 * 1024,
            64,
            1000,
            16 * 1024 * 1024,
            Duration.ofMillis(20),
            4,
            Duration.ofMillis(200),
            Duration.ofSeconds(10));
    SettingsRegistry registry =
        new SettingsRegistry(
            new Registry(Map.of(), Map.of("shop", List.of()), Map.of("shop", List.of("SHOP_KEY"))),
            PairOverrides.NONE);
    Map<String, String> secrets = Map.of("SHOP_KEY", KEY);
    SegmentApiSettings settings =
        new SegmentApiSettings(
            true,
            "127.0.0.1",
            0,
            1024,
            4096,
            Duration.ofSeconds(2),
            Duration.ofSeconds(7),
            rate,
            burst,
            Duration.ofSeconds(10),
            List.of("*"));
    SegmentApi api =
        new SegmentApi(
            settings,
            ingest,
            registry,
            name -> Optional.ofNullable(secrets.get(name)),
            metrics,
            blocking,
            testKit.system(),
            Clock.systemUTC());
    ServerBinding binding =
        Http.get(testKit.system())
            .newServerAt("127.0.0.1", 0)
            .bind(api.routes())
            .toCompletableFuture()
            .get();
    apis.add(api);
    return binding.localAddress().getPort();
  }

  @AfterAll
  static void stop() {
    apis.forEach(SegmentApi::close);
    testKit.shutdownTestKit();
    blocking.shutdownNow();
  }

  // ---- what an SDK or a broken client sends ----

  @Test
  void malformedBodiesAreAnswered400NamingTheProblem() throws Exception {
    assertError(post("/v1/track", KEY, "{\"type\":"), 400, "invalid-json");
    assertError(post("/v1/track", KEY, "[1,2]"), 400, "invalid-json");
    assertError(post("/v1/track", KEY, "{\"a\":1,\"a\":2}"), 400, "invalid-json");
    assertError(
        post("/v1/track", KEY, "{\"event\":\"e\",\"userId\":\"u\"} trailing"), 400, "invalid-json");
    assertError(post("/v1/batch", KEY, "{\"batch\":{}}"), 400, "invalid-batch");
    assertError(post("/v1/import", KEY, "{}"), 400, "invalid-batch");
    assertError(
        post("/v1/track", null, "{\"event\":\"e\",\"userId\":\"u\",\"writeKey\":7}"),
        400,
        "invalid-write-key");
  }

  @Test
  void aSingleCallThatIsNoValidEventIsAnswered400() throws Exception {
    assertError(post("/v1/track", KEY, "{\"event\":\"e\"}"), 400, "invalid-event");
    assertError(post("/v1/track", KEY, "{\"userId\":\"u\"}"), 400, "invalid-event");
    assertError(
        post("/v1/track", KEY, "{\"type\":\"page\",\"userId\":\"u\"}"), 400, "invalid-event");
    assertError(post("/v1/group", KEY, "{\"userId\":\"u\"}"), 400, "invalid-event");
    assertError(post("/v1/alias", KEY, "{\"userId\":\"u\"}"), 400, "invalid-event");
    assertError(
        post("/v1/identify", KEY, "{\"userId\":\"u\",\"messageId\":7}"), 400, "no-message-id");
    assertError(
        post("/v1/identify", KEY, "{\"userId\":\"u\",\"messageId\":\"a\\nb\"}"),
        400,
        "no-message-id");
    assertError(
        post("/v1/identify", KEY, "{\"userId\":\"u\",\"messageId\":\"" + "m".repeat(257) + "\"}"),
        400,
        "no-message-id");
  }

  @Test
  void oversizedBodiesAreAnswered400PlainOrGzipped() throws Exception {
    String big = "{\"event\":\"e\",\"userId\":\"u\",\"p\":\"" + "x".repeat(2000) + "\"}";
    assertError(post("/v1/track", KEY, big), 400, "body-too-large");
    // a small gzip body that inflates far over the limit: refused once the limit is passed
    assertError(
        send(
            request("/v1/track", KEY)
                .header("Content-Encoding", "gzip")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        gzip("{\"p\":\"" + "x".repeat(5_000_000) + "\"}")))),
        400,
        "body-too-large");
    assertError(
        send(
            request("/v1/batch", KEY)
                .header("Content-Encoding", "gzip")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        gzip("{\"batch\":[" + "{},".repeat(100_000) + "{}]}")))),
        400,
        "body-too-large");
    assertError(
        send(
            request("/v1/track", KEY)
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString("not gzip"))),
        400,
        "invalid-gzip");
    assertError(
        send(
            request("/v1/track", KEY)
                .header("Content-Encoding", "br")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))),
        400,
        "unsupported-encoding");
  }

  @Test
  void writeKeysAreRequiredAndChecked() throws Exception {
    String event = "{\"event\":\"e\",\"userId\":\"u\"}";
    assertError(post("/v1/track", null, event), 401, "no-write-key");
    assertError(post("/v1/track", "not-a-key", event), 401, "unknown-write-key");
    // a key in the header is checked before the body is read: a wrong one costs no parse, no
    // inflate
    assertError(post("/v1/batch", "not-a-key", "not json at all"), 401, "unknown-write-key");
    assertError(
        send(
            request("/v1/track", "not-a-key")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString("not gzip either"))),
        401,
        "unknown-write-key");
    assertError(post("/v1/track", "", "not json at all"), 401, "no-write-key");
    assertError(
        post("/v1/track", null, "{\"event\":\"e\",\"userId\":\"u\",\"writeKey\":\"" + KEY + "x\"}"),
        401,
        "unknown-write-key");
    assertError(
        send(
            request("/v1/track", null)
                .header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(event))),
        400,
        "invalid-authorization");
    assertError(
        send(
            request("/v1/track", null)
                .header("Authorization", "Basic !!!")
                .POST(HttpRequest.BodyPublishers.ofString(event))),
        400,
        "invalid-authorization");
  }

  @Test
  void unknownCallsAndMethodsAreRefused() throws Exception {
    assertError(post("/v1/trak", KEY, "{}"), 404, "unknown-call");
    assertError(send(request("/v1/track", KEY).GET()), 405, "method-not-allowed");
  }

  @Test
  void aWriteKeyOverItsRateIsAnswered429WithRetryAfter() throws Exception {
    // burst 2, one a second: of ten requests in a row, some are refused
    int limited = bind(1, 2);
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      answers.add(
          send(
              request(limited, "/v1/batch", KEY)
                  .POST(HttpRequest.BodyPublishers.ofString("{\"batch\":[]}"))));
    }
    assertThat(answers).anySatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    HttpResponse<String> refused =
        answers.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
    assertThat(refused.headers().firstValue("Retry-After"))
        .hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isPositive());
    assertThat(refused.body()).contains("\"reason\":\"rate-limited\"");
    assertThat(
            Metrics.value(
                new String(metrics.scrape(), StandardCharsets.UTF_8),
                "eventrouter_segment_api_errors_total{reason=\"rate-limited\"}"))
        .isPositive();
  }

  @Test
  void whenKafkaDoesNotAcknowledgeTheAnswerIs503WithRetryAfter() throws Exception {
    HttpResponse<String> answer = post("/v1/track", KEY, "{\"event\":\"e\",\"userId\":\"u\"}");
    assertError(answer, 503, "kafka-unavailable");
    assertThat(answer.headers().firstValue("Retry-After")).hasValue("7");
  }

  @Test
  void aPreflightIsAnsweredForAnyOrigin() throws Exception {
    HttpResponse<String> answer =
        send(
            request("/v1/t", null)
                .header("Origin", "https://shop.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    assertThat(answer.statusCode()).isEqualTo(204);
    assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    assertThat(answer.headers().firstValue("Access-Control-Allow-Methods"))
        .hasValueSatisfying(m -> assertThat(m).contains("POST"));
    assertThat(answer.headers().firstValue("Access-Control-Allow-Headers"))
        .hasValue("content-type");
    // errors carry it too, or a browser could not read them
    HttpResponse<String> error =
        send(
            request("/v1/track", null)
                .header("Origin", "https://shop.example")
                .POST(HttpRequest.BodyPublishers.ofString("{")));
    assertThat(error.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
  }

  @Test
  void fuzzedBodiesAreAnswered4xxWithAReasonAndNothingStalls() throws Exception {
    Random random = new Random(17);
    for (int i = 0; i < 300; i++) {
      String call =
          List.of("track", "identify", "page", "screen", "group", "alias", "batch", "import")
              .get(random.nextInt(8));
      byte[] body = fuzzed(random);
      HttpRequest.Builder request =
          request("/v1/" + call, random.nextInt(10) == 0 ? null : KEY)
              .timeout(Duration.ofSeconds(20));
      if (random.nextInt(4) == 0) {
        request.header("Content-Encoding", "gzip");
        body = random.nextBoolean() ? gzip(body) : body;
      }
      HttpResponse<String> answer =
          http.send(
              request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
              HttpResponse.BodyHandlers.ofString());
      // a body that happens to be valid would be produced: to a broker that is not there
      assertThat(answer.statusCode()).as("request %d", i).isIn(400, 401, 503);
      assertThat(answer.body()).as("request %d", i).startsWith("{\"success\":false,\"reason\":\"");
    }
  }

  private static byte[] fuzzed(Random random) {
    String good =
        "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"n\":1,\"t\":[\"a\"]}}";
    String text =
        switch (random.nextInt(6)) {
          case 0 -> null;
          case 1 -> "[".repeat(random.nextInt(200)) + "]".repeat(random.nextInt(200));
          case 2 -> "{\"batch\":[" + good + "," + "{".repeat(random.nextInt(300)) + "]}";
          case 3 ->
              "{\"messageId\":"
                  + List.of("1", "null", "[]", "{}", "\"\"", "true").get(random.nextInt(6))
                  + "}";
          default -> {
            StringBuilder mutated =
                new StringBuilder(random.nextBoolean() ? good : "{\"batch\":[" + good + "]}");
            for (int m = 1 + random.nextInt(4); m > 0; m--) {
              int at = random.nextInt(mutated.length());
              if (random.nextBoolean()) {
                mutated.deleteCharAt(at);
              } else {
                String inserted = "{}[]\",:\\ 0a\u0000\u00e9";
                mutated.insert(at, inserted.charAt(random.nextInt(inserted.length())));
              }
            }
            yield mutated.toString();
          }
        };
    if (text == null) {
      byte[] bytes = new byte[random.nextInt(3000)];
      random.nextBytes(bytes);
      return bytes;
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  // ---- helpers ----

  private static void assertError(HttpResponse<String> answer, int status, String reason) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(answer.body())
        .startsWith("{\"success\":false,\"reason\":\"" + reason + "\",\"message\":\"");
  }

  private static HttpRequest.Builder request(String path, String key) {
    return request(port, path, key);
  }

  private static HttpRequest.Builder request(int port, String path, String key) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30));
    if (key != null) {
      builder.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8)));
    }
    return builder;
  }

  private static HttpResponse<String> post(String path, String key, String body) throws Exception {
    return send(
        request(path, key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static byte[] gzip(String text) throws IOException {
    return gzip(text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(bytes);
    }
    return out.toByteArray();
  }
}
