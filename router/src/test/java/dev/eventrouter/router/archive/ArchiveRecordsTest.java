package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

  /**
   * An object is read a record at a time (none held beyond its line), and a failure of the store
   * itself to give the bytes fails the read instead of being counted as a line that is no record.
   */
  @Test
  void recordsAreHandedOnAsReadAndAStoreThatFailsMidwayFailsTheRead() {
    List<ArchivedJob> jobs = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      Job job = JobFixtures.job(PAIR, "m-" + i, "https://hooks.example.com/in", AT);
      jobs.add(new ArchivedJob(job, List.of(new JobEvent.AwaitingScheduling(job))));
    }
    byte[] object = ArchiveRecords.write(jobs);
    int half = object.length / 2;
    InputStream failing =
        new FilterInputStream(new ByteArrayInputStream(object)) {
          private int given;

          @Override
          public int read(byte[] bytes, int offset, int length) throws IOException {
            if (given >= half) {
              throw new UncheckedIOException(new IOException("connection reset"));
            }
            int read = super.read(bytes, offset, Math.min(length, half - given));
            given += Math.max(read, 0);
            return read;
          }
        };
    List<ArchiveRecords.Record> handed = new ArrayList<>();

    assertThatThrownBy(() -> ArchiveRecords.read(failing, handed::add))
        .isInstanceOf(UncheckedIOException.class)
        .hasRootCauseMessage("connection reset");

    assertThat(handed).isNotEmpty().hasSizeLessThan(2_000);
    assertThat(handed.get(0).job()).isEqualTo(jobs.get(0).job());
  }
}
