package dev.eventrouter.router.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import dev.eventrouter.queues.tracing.JobTracing;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.TestRouter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
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
 * The spans of a job, as an exporter receives them, on the real path: the embedded broker, the
 * router and a destination over HTTP; a record whose producer sent a W3C traceparent, or a request
 * to the Segment-compatible API that carried one.
 */
@ExtendWith(LogCapturingExtension.class)
class TracingTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PRODUCER_SPAN = "00f067aa0ba902b7";
  private static final String WRITE_KEY = "wk-shop-tracing";
  private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("eventrouter.attempt");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");

  @TempDir Path dataDir;

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private OpenTelemetrySdk sdk;
  private HttpServer destination;

  /** What the destination answers next: 503 while failing, else 200. */
  private final AtomicBoolean failing = new AtomicBoolean(true);

  private final AtomicInteger failuresLeft = new AtomicInteger();
  private final List<String> traceparents = new CopyOnWriteArrayList<>();
  private final List<String> tracestates = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .build();
    destination = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    destination.createContext(
        "/hook",
        exchange -> {
          traceparents.add(exchange.getRequestHeaders().getFirst("traceparent"));
          String tracestate = exchange.getRequestHeaders().getFirst("tracestate");
          if (tracestate != null) {
            tracestates.add(tracestate);
          }
          exchange.getRequestBody().readAllBytes();
          boolean fail = failing.get() || failuresLeft.getAndDecrement() > 0;
          exchange.sendResponseHeaders(fail ? 503 : 200, -1);
          exchange.close();
        });
    destination.start();
  }

  @AfterEach
  void stop() {
    destination.stop(0);
    sdk.close();
  }

  @Test
  void aJobThatFailsOnceThenSucceedsIsOneTreeUnderTheIncomingTrace() throws Exception {
    failing.set(false);
    failuresLeft.set(1);
    try (Router router = start(TestRouter.freePort())) {
      produce(router, "m-1");
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(100),
          () -> assertThat(named("attempt")).hasSize(2));

      SpanData ingest = only("ingest");
      SpanData accept = only("accept");
      List<SpanData> attempts = named("attempt");
      SpanData first = attempts.get(0);
      SpanData second = attempts.get(1);

      // ingest continues the producer's trace
      assertThat(ingest.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(ingest.getParentSpanId()).isEqualTo(PRODUCER_SPAN);
      assertThat(ingest.getKind()).isEqualTo(SpanKind.CONSUMER);
      assertThat(ingest.getAttributes().get(JobTracing.JOBS)).isEqualTo(1L);
      // the journal write is linked to the job's trace, not a part of it
      assertThat(accept.getLinks())
          .extracting(
              link -> link.getSpanContext().getTraceId(), link -> link.getSpanContext().getSpanId())
          .containsExactly(tuple(TRACE_ID, ingest.getSpanId()));
      assertThat(accept.getAttributes().get(JobTracing.JOBS)).isEqualTo(1L);
      // each attempt a child of the job's ingest: the first failed, the second succeeded
      assertThat(attempts)
          .allSatisfy(
              attempt -> {
                assertThat(attempt.getTraceId()).isEqualTo(TRACE_ID);
                assertThat(attempt.getParentSpanId()).isEqualTo(ingest.getSpanId());
                assertThat(attempt.getKind()).isEqualTo(SpanKind.CLIENT);
                assertThat(attempt.getAttributes().get(JobTracing.DESTINATION)).isEqualTo("hook");
              });
      assertThat(first.getAttributes().get(ATTEMPT)).isEqualTo(1L);
      assertThat(first.getAttributes().get(STATUS)).isEqualTo(503L);
      assertThat(first.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("503");
      assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(second.getAttributes().get(ATTEMPT)).isEqualTo(2L);
      assertThat(second.getAttributes().get(STATUS)).isEqualTo(200L);
      assertThat(second.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
      // in order: accepted before the first attempt, the second after the first's answer
      assertThat(accept.getEndEpochNanos()).isLessThanOrEqualTo(first.getStartEpochNanos());
      assertThat(first.getEndEpochNanos()).isLessThanOrEqualTo(second.getStartEpochNanos());
      // the destination saw each attempt as the parent of what it does
      assertThat(traceparents)
          .containsExactly(
              "00-" + TRACE_ID + "-" + first.getSpanId() + "-01",
              "00-" + TRACE_ID + "-" + second.getSpanId() + "-01");
    }
  }

  @Test
  void anAttemptAfterARestartContinuesTheTraceTheJobCameWith() throws Exception {
    int kafkaPort = TestRouter.freePort();
    SpanData ingest;
    try (Router router = start(kafkaPort)) {
      produce(router, "m-2");
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(100),
          () -> assertThat(named("attempt")).isNotEmpty());
      ingest = only("ingest");
    }
    failing.set(false);
    try (Router router = start(kafkaPort)) {
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(100),
          () ->
              assertThat(named("attempt"))
                  .anySatisfy(
                      attempt -> assertThat(attempt.getAttributes().get(STATUS)).isEqualTo(200L)));
    }
    // read once, not ingested again: the job came back from the journal with its trace
    assertThat(named("ingest")).hasSize(1);
    assertThat(named("attempt"))
        .allSatisfy(
            attempt -> {
              assertThat(attempt.getTraceId()).isEqualTo(TRACE_ID);
              assertThat(attempt.getParentSpanId()).isEqualTo(ingest.getSpanId());
            });
  }

  @Test
  void aJobThatExpiresIsArchivedUnderASpanLinkedToItsTrace() throws Exception {
    try (Router router =
        TestRouter.start(config(TestRouter.freePort(), "2s"), JobTracing.with(sdk))) {
      produce(router, "m-5");
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(100),
          () -> assertThat(named("archive")).hasSize(1));
    }
    SpanData ingest = only("ingest");
    SpanData archive = only("archive");
    assertThat(archive.getLinks())
        .extracting(
            link -> link.getSpanContext().getTraceId(), link -> link.getSpanContext().getSpanId())
        .containsExactly(tuple(TRACE_ID, ingest.getSpanId()));
    assertThat(archive.getAttributes().get(JobTracing.JOBS)).isEqualTo(1L);
    assertThat(archive.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    // every attempt before the expiry failed, each under the job's ingest
    assertThat(named("attempt"))
        .isNotEmpty()
        .allSatisfy(
            attempt -> {
              assertThat(attempt.getParentSpanId()).isEqualTo(ingest.getSpanId());
              assertThat(attempt.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            });
  }

  @Test
  void offNoSpanIsMadeAndTheDestinationGetsNoTraceparent() throws Exception {
    failing.set(false);
    try (Router router = TestRouter.start(config(TestRouter.freePort(), "4h"), JobTracing.OFF)) {
      produce(router, "m-4");
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(100),
          () -> assertThat(traceparents).hasSize(1));
    }
    // the record's own traceparent is not passed on either: off is off
    assertThat(traceparents).containsOnlyNulls();
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void aSegmentApiRequestsTraceparentIsContinued() throws Exception {
    failing.set(false);
    String callerSpan = "b7ad6b7169203331";
    try (Router router = start(TestRouter.freePort())) {
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + router.segmentApiPort().orElseThrow()
                                  + "/v1/track"))
                      .header("Content-Type", "application/json")
                      .header(
                          "Authorization",
                          "Basic "
                              + Base64.getEncoder()
                                  .encodeToString(
                                      (WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8)))
                      .header("traceparent", "00-" + TRACE_ID + "-" + callerSpan + "-01")
                      .header("tracestate", "vendor=abc")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"type\":\"track\",\"event\":\"Paid\",\"userId\":\"u-1\","
                                  + "\"messageId\":\"m-3\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(100),
          () -> assertThat(named("attempt")).hasSize(1));

      SpanData ingest = only("ingest");
      SpanData attempt = only("attempt");
      assertThat(ingest.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(ingest.getParentSpanId()).isEqualTo(callerSpan);
      assertThat(ingest.getSpanContext().getTraceState().get("vendor")).isEqualTo("abc");
      assertThat(attempt.getParentSpanId()).isEqualTo(ingest.getSpanId());
      assertThat(traceparents)
          .containsExactly("00-" + TRACE_ID + "-" + attempt.getSpanId() + "-01");
      assertThat(tracestates).containsExactly("vendor=abc");
    }
  }

  private Router start(int kafkaPort) throws Exception {
    return TestRouter.start(config(kafkaPort, "4h"), JobTracing.with(sdk));
  }

  /**
   * Source shop (with a write key for the Segment API) to the destination, whose jobs expire after
   * {@code expireAfter}.
   */
  private Config config(int kafkaPort, String expireAfter) throws Exception {
    Path secrets = Files.createDirectories(dataDir.resolve("secrets"));
    Files.writeString(secrets.resolve("SHOP_WRITE_KEY"), WRITE_KEY + "\n");
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(
        registry,
        """
        destinations { hook { endpoint = "http://127.0.0.1:%d/hook", expire-after = %s } }
        sources { shop { destinations = [hook], write-keys = [{ secret = SHOP_WRITE_KEY }] } }
        """
            .formatted(destination.getAddress().getPort(), expireAfter));
    return TestRouter.config(
        dataDir, registry, kafkaPort, Map.of("eventrouter.secrets.dir", secrets.toString()));
  }

  /** One event of source shop, sent as part of the producer's trace. */
  private static void produce(Router router, String messageId) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, router.kafkaBootstrapServers());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      ProducerRecord<String, byte[]> record =
          new ProducerRecord<>(
              "events",
              "shop",
              ("{\"type\":\"track\",\"event\":\"Paid\",\"userId\":\"u-1\",\"messageId\":\""
                      + messageId
                      + "\"}")
                  .getBytes(StandardCharsets.UTF_8));
      record
          .headers()
          .add(
              "traceparent",
              ("00-" + TRACE_ID + "-" + PRODUCER_SPAN + "-01").getBytes(StandardCharsets.US_ASCII));
      producer.send(record).get();
    }
  }

  /** The finished spans of this name, in the order they started. */
  private List<SpanData> named(String name) {
    return exporter.getFinishedSpanItems().stream()
        .filter(span -> span.getName().equals(name))
        .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
        .toList();
  }

  private SpanData only(String name) {
    List<SpanData> spans = named(name);
    assertThat(spans).as(name).hasSize(1);
    return spans.get(0);
  }
}
