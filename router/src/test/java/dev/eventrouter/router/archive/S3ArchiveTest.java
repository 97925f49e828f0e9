package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.Metrics;
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
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive on the real S3 API (S3Proxy, started here as an external endpoint so that it can go
 * away): jobs that expire reach S3 with their traces and only then become archived; while S3 is
 * down they wait, and nothing is lost. Once the destination is back, a replay delivers every
 * archived job once.
 */
@ExtendWith(LogCapturingExtension.class)
class S3ArchiveTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String TOKEN = "operate-token-0123456789";

  @TempDir Path dataDir;

  @Test
  void expiredJobsReachS3WithTheirTracesNoneIsLostWhileS3IsDownAndAReplayDeliversThemOnce()
      throws Exception {
    int s3Port = TestRouter.freePort();
    ArchiveSettings server =
        new ArchiveSettings(
            "",
            "us-east-1",
            "",
            "",
            "test-archive",
            true,
            true,
            "archive",
            4,
            16,
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            "127.0.0.1",
            s3Port,
            dataDir.resolve("s3-server"),
            "tester",
            "tester-secret");
    Path registry = dataDir.resolve("registry.conf");
    // nothing listens there yet: every attempt is refused
    int destinationPort = TestRouter.freePort();
    Files.writeString(
        registry,
        """
        destinations { down { endpoint = "http://127.0.0.1:%d/down", expire-after = 3s } }
        sources { shop { destinations = [down] } }
        """
            .formatted(destinationPort));
    Config config =
        TestRouter.config(
            dataDir,
            registry,
            Map.of(
                "eventrouter.archive.s3.endpoint", "http://127.0.0.1:" + s3Port,
                "eventrouter.archive.s3.bucket", "test-archive",
                "eventrouter.archive.s3.access-key-id", "tester",
                "eventrouter.archive.s3.secret-access-key", "tester-secret",
                "eventrouter.admin.operate-token", TOKEN));

    EmbeddedS3 s3 = EmbeddedS3.start(server);
    EventProducer.Result produced;
    try (Router router = TestRouter.start(config)) {
      TestProbe<Object> probe = TestProbe.create(router.system());
      produced =
          EventProducer.run(
              new EventProducer.Plan(
                  router.kafkaBootstrapServers(), "events", 120, List.of("shop"), 300, 0, 11));

      // S3 goes away before the jobs expire: archiving fails, and is tried again
      probe.awaitAssert(
          WAIT,
          Duration.ofMillis(200),
          () -> {
            TestRouter.Progress progress =
                TestRouter.progress(router.kafkaBootstrapServers(), "eventrouter", "events");
            assertThat(progress.committed()).isEqualTo(120L);
            return progress;
          });
      s3.close();
      probe.awaitAssert(
          WAIT,
          Duration.ofMillis(200),
          () -> {
            assertThat(metric(router, "eventrouter_archive_failures_total")).isPositive();
            return null;
          });
      assertThat(metric(router, "eventrouter_jobs_archived_total")).isZero();

      // back on the same folder: every job is archived, once S3 has it
      s3 = EmbeddedS3.start(server);
      probe.awaitAssert(
          WAIT,
          Duration.ofMillis(500),
          () -> {
            assertThat(metric(router, "eventrouter_jobs_archived_total")).isEqualTo(120);
            return null;
          });

      // the destination is back, and lets jobs live longer now: a replay delivers each job once
      try (BlackHole destination = BlackHole.start("127.0.0.1", destinationPort)) {
        assertThat(
                admin(
                        router,
                        "PUT",
                        "/admin/registry",
                        """
            destinations { down { endpoint = "http://127.0.0.1:%d/down", expire-after = 1h } }
            sources { shop { destinations = [down] } }
            """
                            .formatted(destinationPort))
                    .statusCode())
            .isEqualTo(200);
        HttpResponse<String> replay =
            admin(
                router,
                "POST",
                "/admin/replay",
                "{\"destination\":\"down\",\"from\":\""
                    + Instant.now().minus(Duration.ofHours(1))
                    + "\",\"to\":\""
                    + Instant.now().plus(Duration.ofHours(1))
                    + "\"}");
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        String status = replay.headers().firstValue("Location").orElseThrow();
        probe.awaitAssert(
            WAIT,
            Duration.ofMillis(200),
            () -> {
              assertThat(admin(router, "GET", status, "").body())
                  .contains("\"status\":\"DONE\"")
                  .contains("\"enqueued\":120");
              return null;
            });
        probe.awaitAssert(
            WAIT,
            Duration.ofMillis(500),
            () -> {
              assertThat(destination.deliveries().getOrDefault("down", Map.of()).keySet())
                  .containsExactlyInAnyOrderElementsOf(
                      produced.produced().stream().map(EventProducer.Produced::messageId).toList());
              return null;
            });
        assertThat(destination.duplicates()).isZero();
        // the outcomes are persisted a moment after the destination answered
        probe.awaitAssert(
            WAIT,
            Duration.ofMillis(200),
            () -> {
              assertThat(metric(router, "eventrouter_jobs_delivered_total")).isEqualTo(120);
              return null;
            });
      }
    } finally {
      s3.close();
    }

    s3 = EmbeddedS3.start(server);
    try (ArchiveStore store = ArchiveStore.connect(server, s3.endpoint())) {
      ArchiveKeys keys = new ArchiveKeys("archive");
      List<ArchiveRecords.Record> records = new ArrayList<>();
      for (String key : store.keys(keys.pairPrefix(new PairId("shop", "down")))) {
        assertThat(keys.hourOf(key)).as(key).isPresent();
        records.addAll(ArchiveRecords.read(store.get(key)).records());
      }
      Map<String, ArchiveRecords.Record> byMessage =
          records.stream()
              .collect(Collectors.toMap(ArchiveRecords.Record::messageId, r -> r, (a, b) -> a));
      assertThat(byMessage.keySet())
          .containsExactlyInAnyOrderElementsOf(
              produced.produced().stream().map(EventProducer.Produced::messageId).toList());
      for (ArchiveRecords.Record record : byMessage.values()) {
        assertThat(new String(record.payload(), StandardCharsets.UTF_8))
            .contains(record.messageId());
        assertThat(record.source()).isEqualTo("shop");
        assertThat(record.destination()).isEqualTo("down");
        List<String> states = record.trace().stream().map(Transition::state).toList();
        assertThat(states).first().isEqualTo("awaiting_scheduling");
        assertThat(states).last().isEqualTo("archiving");
        assertThat(record.trace().get(record.trace().size() - 1).reason()).isEqualTo("expired");
        assertThat(record.trace())
            .filteredOn(t -> t.state().equals("awaiting_retry"))
            .allSatisfy(t -> assertThat(t.error()).isEqualTo("connection-refused"));
      }
    } finally {
      s3.close();
    }
  }

  private static HttpResponse<String> admin(Router router, String method, String path, String body)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static double metric(Router router, String series) throws Exception {
    return Metrics.value(TestRouter.get(router, "/metrics").body(), series);
  }
}
