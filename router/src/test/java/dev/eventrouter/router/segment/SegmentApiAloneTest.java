package dev.eventrouter.router.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Segment API run alone (the {@code segment-api} command, its own Deployment) produces to the
 * router nodes' Kafka, whose ingest delivers what it took.
 */
@ExtendWith(LogCapturingExtension.class)
class SegmentApiAloneTest {

  @TempDir Path dataDir;
  @TempDir Path apiDir;

  @Test
  void takesEventsThatTheRouterNodesDeliver() throws Exception {
    String key = "wk-alone-" + UUID.randomUUID();
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      WriteKeyRegistry keys =
          WriteKeyRegistry.write(dataDir, "shop", "SHOP_WRITE_KEY", key, blackHole.url("hook"));
      Path registry = keys.registry();
      try (Router router =
              TestRouter.start(
                  TestRouter.config(
                      dataDir, registry, Map.of("eventrouter.segment-api.enabled", "off")));
          Router api =
              Router.startSegmentApi(
                  TestRouter.config(
                      apiDir,
                      registry,
                      Map.of(
                          "eventrouter.secrets.dir",
                          keys.secrets().toString(),
                          "eventrouter.kafka.bootstrap-servers",
                          router.kafkaBootstrapServers())))) {
        assertThat(router.segmentApiPort()).isEmpty();
        assertThat(TestRouter.get(api, "/health/ready").statusCode()).isEqualTo(200);
        String id = "alone-" + UUID.randomUUID();
        assertThat(
                SegmentApiTest.post(
                        api,
                        "/v1/track",
                        key,
                        "application/json",
                        ("{\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"" + id + "\"}")
                            .getBytes(StandardCharsets.UTF_8),
                        Map.of())
                    .statusCode())
            .isEqualTo(200);
        TestProbe<Object> probe = TestProbe.create(router.system());
        probe.awaitAssert(
            Duration.ofSeconds(60),
            Duration.ofMillis(200),
            () -> {
              assertThat(blackHole.deliveries().getOrDefault("hook", Map.of()))
                  .containsEntry(id, 1);
              return null;
            });
        assertThat(TestRouter.get(api, "/metrics").body())
            .contains("eventrouter_segment_api_requests_total{call=\"track\",code=\"200\"} 1.0");
      }
    }
  }

  @Test
  void needsAnExternalKafka() throws Exception {
    Path registry = Files.writeString(dataDir.resolve("registry.conf"), "sources {}");
    assertThatThrownBy(() -> Router.startSegmentApi(TestRouter.config(apiDir, registry, Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("eventrouter.kafka.bootstrap-servers");
  }
}
