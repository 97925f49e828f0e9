package dev.eventrouter.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.JobEventListener.PassCause;
import dev.eventrouter.router.testing.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RouterMetricsTest {

  private static final Instant T = Instant.parse("2026-11-26T10:00:00Z");
  private static final Ksuid ID = Ksuid.derive(T, "job");
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void countsDeliveriesRetriesByAttemptDiscardsByOriginAndArchives() {
    RouterMetrics metrics = new RouterMetrics(Clock.systemUTC());

    metrics
        .jobEvents()
        .persisted(
            new PairId("s", "d"),
            List.of(
                new JobEvent.Succeeded(ID, Attempt.responded(1, T, T, 200)),
                new JobEvent.AwaitingRetry(ID, Attempt.responded(1, T, T, 503), T),
                new JobEvent.AwaitingRetry(ID, Attempt.responded(2, T, T, 503), T),
                new JobEvent.AwaitingRetry(ID, Attempt.failed(14, T, T, "timeout"), T),
                new JobEvent.Discarded(
                    ID, Attempt.responded(1, T, T, 404), "HTTP 404", DiscardOrigin.CUSTOMER),
                new JobEvent.Discarded(
                    ID,
                    Attempt.failed(1, T, T, "invalid-request"),
                    "invalid-request",
                    DiscardOrigin.SYSTEM),
                new JobEvent.Discarded(
                    ID, Attempt.responded(1, T, T, 410), "HTTP 410", DiscardOrigin.CUSTOMER),
                new JobEvent.Archiving(ID, T, JobEvent.Archiving.EXPIRED),
                new JobEvent.Archived(ID, T, "file:///archive/x")));

    String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
    assertThat(Metrics.value(text, "eventrouter_jobs_delivered_total")).isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_retried_total{attempt=\"1\"}")).isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_retried_total{attempt=\"2\"}")).isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_retried_total{attempt=\"10+\"}")).isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_discarded_total{origin=\"customer\"}"))
        .isEqualTo(2);
    assertThat(Metrics.value(text, "eventrouter_jobs_discarded_total{origin=\"system\"}"))
        .isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_archived_total")).isEqualTo(1);
  }

  @Test
  void countsPayloadsReadBackAndTheRowsReadForThem() {
    RouterMetrics metrics = new RouterMetrics(Clock.systemUTC());

    metrics.jobEvents().payloadsRead(256, 5);
    metrics.jobEvents().payloadsRead(3, 1);

    String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
    assertThat(Metrics.value(text, "eventrouter_payload_reads_total")).isEqualTo(2);
    assertThat(Metrics.value(text, "eventrouter_payload_read_jobs_total")).isEqualTo(259);
    assertThat(Metrics.value(text, "eventrouter_payload_read_rows_total")).isEqualTo(6);
  }

  @Test
  void countsTheQueuesDispatchPassesByCause() {
    RouterMetrics metrics = new RouterMetrics(Clock.systemUTC());

    metrics.jobEvents().dispatchPass(PassCause.HANDED);
    metrics.jobEvents().dispatchPass(PassCause.HANDED);
    metrics.jobEvents().dispatchPass(PassCause.WRITTEN);

    String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
    // every cause is there from the start, at 0 until a pass of its
    assertThat(Metrics.byLabel(text, "eventrouter_dispatch_passes_total", "cause"))
        .containsOnly(
            Map.entry("written", 1.0),
            Map.entry("handed", 2.0),
            Map.entry("answered", 0.0),
            Map.entry("timer", 0.0),
            Map.entry("read", 0.0));
  }

  @Test
  void reportsTheAgeOfEachDestinationsOldestJobAsItsQueuesTellIt() {
    RouterMetrics metrics = new RouterMetrics(Clock.fixed(T.plusSeconds(600), ZoneOffset.UTC));
    Map<PairId, CompletionStage<Instant>> oldestJobs =
        Map.of(
            new PairId("a", "hook"), CompletableFuture.completedFuture(T.plusSeconds(300)),
            new PairId("b", "hook"), CompletableFuture.completedFuture(T),
            new PairId("a", "crm"), CompletableFuture.completedFuture(T.plusSeconds(540)),
            // a queue that does not answer, and one emptied since it told its depth: left out
            new PairId("a", "slow"),
                CompletableFuture.failedFuture(new TimeoutException("no answer")),
            new PairId("b", "slow"), CompletableFuture.completedFuture(null));
    oldestJobs.keySet().forEach(pair -> metrics.jobEvents().depth(pair, 3));

    metrics.watchOldestJobs(
        oldestJobs::get,
        testKit.scheduler(),
        Duration.ofMillis(10),
        testKit.system().executionContext());

    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            Duration.ofMillis(10),
            () -> {
              assertThat(ages(metrics)).isEqualTo(Map.of("hook", 600.0, "crm", 60.0));
              return null;
            });
    // a destination emptied since the last look no longer has an oldest job
    metrics.jobEvents().depth(new PairId("a", "crm"), 0);
    assertThat(ages(metrics)).isEqualTo(Map.of("hook", 600.0));
  }

  private static Map<String, Double> ages(RouterMetrics metrics) {
    return Metrics.byLabel(
        new String(metrics.scrape(), StandardCharsets.UTF_8),
        "eventrouter_backlog_oldest_job_age_seconds",
        "destination");
  }
}
