package dev.eventrouter.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.router.testing.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouterMetricsTest {

  private static final Instant T = Instant.parse("2026-11-26T10:00:00Z");
  private static final Ksuid ID = Ksuid.derive(T, "job");

  @Test
  void countsDeliveriesRetriesByAttemptDiscardsByOriginAndArchives() {
    RouterMetrics metrics = new RouterMetrics();

    metrics.jobEvents().persisted(new PairId("s", "d"), List.of(
        new JobEvent.Succeeded(ID, Attempt.responded(1, T, T, 200)),
        new JobEvent.AwaitingRetry(ID, Attempt.responded(1, T, T, 503), T),
        new JobEvent.AwaitingRetry(ID, Attempt.responded(2, T, T, 503), T),
        new JobEvent.AwaitingRetry(ID, Attempt.failed(14, T, T, "timeout"), T),
        new JobEvent.Discarded(ID, Attempt.responded(1, T, T, 404), "HTTP 404", DiscardOrigin.CUSTOMER),
        new JobEvent.Discarded(ID, Attempt.failed(1, T, T, "invalid-request"), "invalid-request",
            DiscardOrigin.SYSTEM),
        new JobEvent.Discarded(ID, Attempt.responded(1, T, T, 410), "HTTP 410", DiscardOrigin.CUSTOMER),
        new JobEvent.Archiving(ID, T, JobEvent.Archiving.EXPIRED),
        new JobEvent.Archived(ID, T, "file:///archive/x")));

    String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
    assertThat(Metrics.value(text, "eventrouter_jobs_delivered_total")).isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_retried_total{attempt=\"1\"}")).isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_retried_total{attempt=\"2\"}")).isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_retried_total{attempt=\"10+\"}")).isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_discarded_total{origin=\"customer\"}")).isEqualTo(2);
    assertThat(Metrics.value(text, "eventrouter_jobs_discarded_total{origin=\"system\"}")).isEqualTo(1);
    assertThat(Metrics.value(text, "eventrouter_jobs_archived_total")).isEqualTo(1);
  }
}
