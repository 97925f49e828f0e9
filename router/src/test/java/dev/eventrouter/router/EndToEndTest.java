package dev.eventrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.DemoRegistry;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path on real components: the embedded Kafka broker, the router (H2 journal, a
 * single-node cluster) and the black-hole destination over HTTP.
 */
@ExtendWith(LogCapturingExtension.class)
class EndToEndTest {

  private static final int EVENTS = 10_000;
  private static final int SOURCES = 50;
  private static final long SEED = 42;

  @TempDir Path dataDir;

  @Test
  void everyEventReachesEachOfItsDestinationsExactlyOnceAndEveryOffsetIsCommitted()
      throws Exception {
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registryFile = dataDir.resolve("registry.conf");
      Files.writeString(
          registryFile, DemoRegistry.hocon(SOURCES, "http://127.0.0.1:" + blackHole.port(), SEED));
      Map<String, List<String>> routes = DemoRegistry.sourceDestinations(SOURCES, SEED);

      try (Router router = TestRouter.start(TestRouter.config(dataDir, registryFile, Map.of()))) {
        assertThat(TestRouter.get(router, "/health/ready").statusCode()).isIn(200, 503);
        List<String> sources =
            IntStream.rangeClosed(1, SOURCES).mapToObj(i -> "source-" + i).toList();

        EventProducer.Result produced =
            EventProducer.run(
                new EventProducer.Plan(
                    router.kafkaBootstrapServers(), "events", EVENTS, sources, 512, 0, SEED));
        assertThat(produced.sent()).isEqualTo(EVENTS);
        assertThat(produced.failed()).isZero();

        long expected =
            produced.produced().stream().mapToLong(p -> routes.get(p.source()).size()).sum();
        TestProbe<Object> probe = TestProbe.create(router.system());
        probe.awaitAssert(
            Duration.ofMinutes(3),
            Duration.ofMillis(500),
            () -> assertThat(blackHole.received()).isGreaterThanOrEqualTo(expected));

        Map<String, Map<String, Integer>> deliveries = blackHole.deliveries();
        for (EventProducer.Produced p : produced.produced()) {
          for (String destination : routes.get(p.source())) {
            assertThat(deliveries.getOrDefault(destination, Map.of()).get(p.messageId()))
                .as("deliveries of %s to %s", p.messageId(), destination)
                .isEqualTo(1);
          }
        }
        assertThat(blackHole.received()).isEqualTo(expected);
        assertThat(blackHole.duplicates()).isZero();

        probe.awaitAssert(
            Duration.ofSeconds(30),
            Duration.ofMillis(500),
            () -> {
              TestRouter.Progress progress =
                  TestRouter.progress(router.kafkaBootstrapServers(), "eventrouter", "events");
              assertThat(progress.end()).isEqualTo(EVENTS);
              assertThat(progress.committed()).isEqualTo(progress.end());
              return progress;
            });
        assertThat(TestRouter.get(router, "/health/ready").statusCode()).isEqualTo(200);
        // outcomes are persisted, and counted, a moment after the destination answered
        probe.awaitAssert(
            Duration.ofSeconds(30),
            Duration.ofMillis(200),
            () -> {
              String metrics = TestRouter.get(router, "/metrics").body();
              assertThat(Metrics.value(metrics, "eventrouter_ingest_records_total"))
                  .isEqualTo(EVENTS);
              assertThat(Metrics.value(metrics, "eventrouter_jobs_accepted_total"))
                  .isEqualTo(expected);
              assertThat(Metrics.value(metrics, "eventrouter_jobs_delivered_total"))
                  .isEqualTo(expected);
              return null;
            });
      }
    }
  }
}
