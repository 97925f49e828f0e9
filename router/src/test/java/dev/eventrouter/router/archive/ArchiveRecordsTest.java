package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An archived job comes back from its object as it went in, with what its replay needs to be
 * delivered as the job would have been: its ordering key and the trace it belongs to. (Objects
 * written before either was kept read as jobs without them: {@link ArchiveGoldenTest}.)
 */
class ArchiveRecordsTest {

  private static final PairId PAIR = new PairId("shop", "hook");
  private static final Instant AT = Instant.parse("2026-11-29T10:00:00Z");

  @Test
  void aJobsOrderingKeyAndTraceOutliveTheArchiveAndGoOnToItsReplay() {
    Job job =
        JobFixtures.ordered(JobFixtures.job(PAIR, "m-1", "https://hooks.example.com/in", AT), 42L)
            .withTrace(
                new TraceContext(
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=value"));
    Job plain = JobFixtures.job(PAIR, "m-2", "https://hooks.example.com/in", AT);

    List<ArchiveRecords.Record> read =
        ArchiveRecords.read(
                ArchiveRecords.write(
                    List.of(
                        new ArchivedJob(job, List.of(new JobEvent.AwaitingScheduling(job))),
                        new ArchivedJob(plain, List.of(new JobEvent.AwaitingScheduling(plain))))))
            .records();

    assertThat(read.get(0).job()).isEqualTo(job);
    assertThat(read.get(1).job()).isEqualTo(plain);
    assertThat(read.get(1).orderingKey()).as("absent, not 0").isNull();
    assertThat(read.get(1).traceContext()).isNull();
    Job replay = read.get(0).job().replay(AT.plus(Duration.ofDays(1)), Duration.ofHours(4));
    assertThat(replay.orderingKey()).isEqualTo(42L);
    assertThat(replay.trace()).isEqualTo(job.trace());
  }
}
