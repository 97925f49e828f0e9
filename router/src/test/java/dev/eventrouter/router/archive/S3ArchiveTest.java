package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive on the real S3 API (S3Proxy, started here as an external endpoint so that it can
 * go away): jobs that expire reach S3 with their traces and only then become archived; while S3
 * is down they wait, and nothing is lost.
 */
class S3ArchiveTest {

  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dataDir;

  @Test
  void expiredJobsReachS3WithTheirTracesAndNoneIsLostWhileS3IsDown() throws Exception {
    int s3Port = TestRouter.freePort();
    ArchiveSettings server = new ArchiveSettings("", "us-east-1", "", "", "test-archive", true, true,
        "archive", 4, Duration.ofSeconds(10), "127.0.0.1", s3Port, dataDir.resolve("s3-server"),
        "tester", "tester-secret");
    Path registry = dataDir.resolve("registry.conf");
    // nothing listens there: every attempt is refused
    Files.writeString(registry, """
        destinations { down { endpoint = "http://127.0.0.1:%d/down", expire-after = 3s } }
        sources { shop { destinations = [down] } }
        """.formatted(TestRouter.freePort()));
    Config config = TestRouter.config(dataDir, registry, TestRouter.freePort(), Map.of(
        "eventrouter.archive.s3.endpoint", "http://127.0.0.1:" + s3Port,
        "eventrouter.archive.s3.bucket", "test-archive",
        "eventrouter.archive.s3.access-key-id", "tester",
        "eventrouter.archive.s3.secret-access-key", "tester-secret"));

    EmbeddedS3 s3 = EmbeddedS3.start(server);
    EventProducer.Result produced;
    try (Router router = TestRouter.start(config)) {
      TestProbe<Object> probe = TestProbe.create(router.system());
      produced = EventProducer.run(new EventProducer.Plan(
          router.kafkaBootstrapServers(), "events", 120, List.of("shop"), 300, 0, 11));

      // S3 goes away before the jobs expire: archiving fails, and is tried again
      probe.awaitAssert(WAIT, Duration.ofMillis(200), () -> {
        TestRouter.Progress progress =
            TestRouter.progress(router.kafkaBootstrapServers(), "eventrouter", "events");
        assertThat(progress.committed()).isEqualTo(120L);
        return progress;
      });
      s3.close();
      probe.awaitAssert(WAIT, Duration.ofMillis(200), () -> {
        assertThat(metric(router, "eventrouter_archive_failures_total")).isPositive();
        return null;
      });
      assertThat(metric(router, "eventrouter_jobs_archived_total")).isZero();

      // back on the same folder: every job is archived, once S3 has it
      s3 = EmbeddedS3.start(server);
      probe.awaitAssert(WAIT, Duration.ofMillis(500), () -> {
        assertThat(metric(router, "eventrouter_jobs_archived_total")).isEqualTo(120);
        return null;
      });
    } finally {
      s3.close();
    }

    s3 = EmbeddedS3.start(server);
    try (ArchiveStore store = ArchiveStore.connect(server, s3.endpoint())) {
      ArchiveKeys keys = new ArchiveKeys("archive");
      List<ArchiveRecords.Record> records = new ArrayList<>();
      for (String key : store.keys(keys.pairPrefix(new PairId("shop", "down")))) {
        assertThat(keys.hourOf(key)).as(key).isPresent();
        records.addAll(ArchiveRecords.read(store.get(key)));
      }
      Map<String, ArchiveRecords.Record> byMessage = records.stream()
          .collect(Collectors.toMap(ArchiveRecords.Record::messageId, r -> r, (a, b) -> a));
      assertThat(byMessage.keySet()).containsExactlyInAnyOrderElementsOf(
          produced.produced().stream().map(EventProducer.Produced::messageId).toList());
      for (ArchiveRecords.Record record : byMessage.values()) {
        assertThat(new String(record.payload(), StandardCharsets.UTF_8)).contains(record.messageId());
        assertThat(record.source()).isEqualTo("shop");
        assertThat(record.destination()).isEqualTo("down");
        List<String> states = record.trace().stream().map(Transition::state).toList();
        assertThat(states).first().isEqualTo("awaiting_scheduling");
        assertThat(states).last().isEqualTo("archiving");
        assertThat(record.trace().get(record.trace().size() - 1).reason()).isEqualTo("expired");
        assertThat(record.trace()).filteredOn(t -> t.state().equals("awaiting_retry"))
            .allSatisfy(t -> assertThat(t.error()).isEqualTo("connection-refused"));
      }
    } finally {
      s3.close();
    }
  }

  private static double metric(Router router, String series) throws Exception {
    return Metrics.value(TestRouter.get(router, "/metrics").body(), series);
  }
}
