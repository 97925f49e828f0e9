package dev.eventrouter.router.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.messages.AliasMessage;
import com.segment.analytics.messages.GroupMessage;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.MessageBuilder;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.ScreenMessage;
import com.segment.analytics.messages.TrackMessage;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.DeadLetters;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
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
 * Segment's own Java SDK (analytics-java), pointed at the router by its endpoint alone: every call
 * type, in batches, gzip-compressed (analytics-java does not compress on its own: the OkHttp
 * interceptor its users add for it); each event is produced as the SDK sent it (plus receivedAt,
 * and what its batch gives events that have none) and delivered once.
 */
@ExtendWith(LogCapturingExtension.class)
class SegmentSdkTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String KEY = "wk-sdk-" + UUID.randomUUID();

  @TempDir static Path dataDir;
  private static BlackHole blackHole;
  private static Router router;

  @BeforeAll
  static void start() throws Exception {
    blackHole = BlackHole.start("127.0.0.1", 0);
    WriteKeyRegistry registry =
        WriteKeyRegistry.write(dataDir, "app", "APP_WRITE_KEY", KEY, blackHole.url("hook"));
    // a request Kafka does not take is answered 503 after two seconds
    router =
        TestRouter.start(
            TestRouter.config(
                dataDir,
                registry.registry(),
                Map.of(
                    "eventrouter.secrets.dir",
                    registry.secrets().toString(),
                    "eventrouter.segment-api.produce-timeout",
                    "2s")));
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
  void everyCallOfTheSdkIsDeliveredOnceAsItWasSent() throws Exception {
    Queue<byte[]> sent = new ConcurrentLinkedQueue<>();
    Outcomes outcomes = new Outcomes();
    Analytics analytics = sdk(sent, outcomes, 5);
    String run = UUID.randomUUID().toString();
    Date timestamp = Date.from(Instant.parse("2026-05-06T07:08:09.123Z"));
    List<MessageBuilder<?, ?>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(
          TrackMessage.builder("Order Completed")
              .userId("u-" + i)
              .properties(Map.of("total", 12, "currency", "EUR", "items", List.of("a", "b"))));
      calls.add(IdentifyMessage.builder().userId("u-" + i).traits(Map.of("plan", "pro")));
      calls.add(PageMessage.builder("Home").anonymousId("a-" + i).properties(Map.of("path", "/")));
      calls.add(ScreenMessage.builder("Cart").userId("u-" + i));
      calls.add(GroupMessage.builder("g-" + i).userId("u-" + i).traits(Map.of("name", "Shop")));
      calls.add(AliasMessage.builder("a-" + i).userId("u-" + i));
    }
    Set<String> ids = new TreeSet<>();
    for (int i = 0; i < calls.size(); i++) {
      String id = run + "-" + i;
      ids.add(id);
      analytics.enqueue(calls.get(i).messageId(id).timestamp(timestamp));
    }
    analytics.flush();
    outcomes.awaitSuccess(ids, Duration.ofSeconds(60));
    analytics.shutdown();
    // in batches, of every type
    assertThat(sent).hasSizeGreaterThan(1);

    Map<String, JsonNode> expected = new HashMap<>();
    for (byte[] body : sent) {
      JsonNode batch = JSON.readTree(body);
      for (JsonNode event : batch.get("batch")) {
        ObjectNode copy = event.deepCopy();
        for (String shared : List.of("sentAt", "context", "integrations")) {
          if (!copy.hasNonNull(shared) && batch.hasNonNull(shared)) {
            copy.set(shared, batch.get(shared));
          }
        }
        expected.put(event.get("messageId").asText(), copy);
      }
    }
    assertThat(expected.keySet()).containsAll(ids);
    Map<String, ConsumerRecord<String, byte[]>> produced = readIngest(ids);
    assertThat(produced.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    Set<String> types = new TreeSet<>();
    for (String id : ids) {
      ConsumerRecord<String, byte[]> record = produced.get(id);
      assertThat(record.key()).isEqualTo("app");
      ObjectNode event = (ObjectNode) JSON.readTree(record.value());
      assertThat(event.remove("receivedAt")).isNotNull();
      assertThat(event).as(id).isEqualTo(expected.get(id));
      types.add(event.get("type").asText());
      // retries of the request share the event's timestamp: so do the ids of its jobs
      assertThat(DeadLetters.header(record, "eventrouter.id-time"))
          .isEqualTo(Long.toString(timestamp.getTime()));
    }
    assertThat(types)
        .containsExactlyInAnyOrder("track", "identify", "page", "screen", "group", "alias");

    awaitDeliveredOnce(ids);
  }

  /**
   * Kafka refuses the ingest topic's writes (its largest record made smaller than any: the embedded
   * broker, one replica in this process, cannot be taken away on its own): the API answers 503, the
   * SDK backs off and sends the batch again, and once Kafka takes writes again every event is
   * delivered, once.
   */
  @Test
  void theSdkRetriesWhileKafkaRefusesAndEachEventIsDeliveredOnce() throws Exception {
    String run = UUID.randomUUID().toString();
    maxMessageBytes("16");
    try {
      // the broker applies it: a request is answered 503
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(100),
          () -> {
            assertThat(
                    SegmentApiTest.post(
                            router,
                            "/v1/track",
                            KEY,
                            "application/json",
                            ("{\"userId\":\"u\",\"event\":\"probe\",\"messageId\":\""
                                    + run
                                    + "-probe-"
                                    + UUID.randomUUID()
                                    + "\"}")
                                .getBytes(StandardCharsets.UTF_8),
                            Map.of())
                        .statusCode())
                .isEqualTo(503);
            return null;
          });
      Outcomes outcomes = new Outcomes();
      Analytics analytics = sdk(new ConcurrentLinkedQueue<>(), outcomes, 10);
      Set<String> ids = new TreeSet<>();
      for (int i = 0; i < 6; i++) {
        ids.add(run + "-" + i);
        analytics.enqueue(
            TrackMessage.builder("During Outage").userId("u-" + i).messageId(run + "-" + i));
      }
      double refused = unavailable();
      analytics.flush();
      probe.awaitAssert(
          Duration.ofSeconds(60),
          Duration.ofMillis(100),
          () -> {
            assertThat(unavailable()).isGreaterThan(refused);
            return null;
          });
      maxMessageBytes("2097152");
      // analytics-java backs off 15 to 30 s before its first retry
      outcomes.awaitSuccess(ids, Duration.ofSeconds(90));
      analytics.shutdown();
      awaitDeliveredOnce(ids);
    } finally {
      maxMessageBytes("2097152");
    }
  }

  private static Analytics sdk(Queue<byte[]> sent, Outcomes outcomes, int flushQueueSize) {
    return Analytics.builder(KEY)
        .endpoint("http://127.0.0.1:" + router.segmentApiPort().orElseThrow())
        .client(new OkHttpClient.Builder().addInterceptor(gzipAndKeep(sent)).build())
        .flushQueueSize(flushQueueSize)
        .flushInterval(1, TimeUnit.HOURS)
        .callback(outcomes)
        .build();
  }

  /** What the SDK tells of each message. */
  private static final class Outcomes implements Callback {
    private final Set<String> succeeded = ConcurrentHashMap.newKeySet();
    private final Queue<String> failed = new ConcurrentLinkedQueue<>();

    @Override
    public void success(Message message) {
      succeeded.add(message.messageId());
    }

    @Override
    public void failure(Message message, Throwable throwable) {
      failed.add(message.messageId() + ": " + throwable);
    }

    void awaitSuccess(Set<String> ids, Duration within) {
      TestProbe<Object> probe = TestProbe.create(router.system());
      probe.awaitAssert(
          within,
          Duration.ofMillis(200),
          () -> {
            assertThat(failed).isEmpty();
            assertThat(succeeded).containsAll(ids);
            return null;
          });
    }
  }

  private static void awaitDeliveredOnce(Set<String> ids) {
    TestProbe<Object> probe = TestProbe.create(router.system());
    probe.awaitAssert(
        Duration.ofSeconds(60),
        Duration.ofMillis(200),
        () -> {
          assertThat(blackHole.deliveries().getOrDefault("hook", Map.of()))
              .containsKeys(ids.toArray(String[]::new));
          return null;
        });
    Map<String, Integer> deliveries = blackHole.deliveries().get("hook");
    ids.forEach(id -> assertThat(deliveries.get(id)).as(id).isEqualTo(1));
  }

  private static double unavailable() throws Exception {
    return Metrics.value(
        TestRouter.get(router, "/metrics").body(),
        "eventrouter_segment_api_errors_total{reason=\"kafka-unavailable\"}");
  }

  private static void maxMessageBytes(String bytes) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, router.kafkaBootstrapServers()))) {
      admin
          .incrementalAlterConfigs(
              Map.of(
                  new ConfigResource(ConfigResource.Type.TOPIC, "events"),
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("max.message.bytes", bytes), AlterConfigOp.OpType.SET))))
          .all()
          .get();
    }
  }

  /** Compresses each request, as analytics-java users do with OkHttp, and keeps its JSON body. */
  private static Interceptor gzipAndKeep(Queue<byte[]> sent) {
    return chain -> {
      Request request = chain.request();
      Buffer plain = new Buffer();
      request.body().writeTo(plain);
      byte[] body = plain.readByteArray();
      sent.add(body);
      return chain.proceed(
          request
              .newBuilder()
              .header("Content-Encoding", "gzip")
              .method(
                  request.method(), RequestBody.create(gzip(body), request.body().contentType()))
              .build());
    };
  }

  private static byte[] gzip(byte[] body) throws IOException {
    return SegmentApiErrorsTest.gzip(body);
  }

  private static Map<String, ConsumerRecord<String, byte[]>> readIngest(Set<String> ids) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, router.kafkaBootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "ingest-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Map<String, ConsumerRecord<String, byte[]>> found = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("events"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (found.size() < ids.size() && System.nanoTime() < deadline) {
        consumer
            .poll(Duration.ofMillis(500))
            .forEach(
                record -> {
                  try {
                    JsonNode id = JSON.readTree(record.value()).get("messageId");
                    if (id != null && ids.contains(id.asText())) {
                      found.put(id.asText(), record);
                    }
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
      }
    }
    return found;
  }
}
