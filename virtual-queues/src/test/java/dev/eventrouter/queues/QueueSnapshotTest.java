package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The snapshot of a queue's index: what recovery starts from instead of replaying. */
class QueueSnapshotTest {

  private static final Duration WINDOW = Duration.ofMinutes(15);

  @Test
  void aStateRestoredFromItsSnapshotIsTheSameState() throws Exception {
    QueueState state = stateWith(1_000);

    QueueSnapshotSerializer serializer = new QueueSnapshotSerializer(null);
    QueueSnapshot snapshot = state.toSnapshot();
    byte[] bytes = serializer.toBinary(snapshot);
    QueueSnapshot read =
        (QueueSnapshot) serializer.fromBinary(bytes, serializer.manifest(snapshot));
    QueueState restored = QueueState.fromSnapshot(read, WINDOW, 100_000);

    assertThat(read).isEqualTo(snapshot);
    assertThat(restored.toSnapshot()).isEqualTo(snapshot);
    assertThat(restored.size()).isEqualTo(state.size());
    assertThat(restored.sequenceNr()).isEqualTo(state.sequenceNr());
    assertThat(restored.archiving()).containsExactlyInAnyOrderElementsOf(state.archiving());
    assertThat(restored.schedule()).containsExactlyElementsOf(state.schedule());
    assertThat(restored.expiries()).containsExactlyElementsOf(state.expiries());
    assertThat(restored.lowWatermark()).isEqualTo(state.lowWatermark());
    assertThat(read.finished()).isNotEmpty();
    assertThat(read.persistedBelow()).isNotEmpty();
  }

  /** 47 bytes, and one for when the job arrived (its lag behind its id's time, mostly 0). */
  @Test
  void aJobInTheSnapshotTakesLessThan49Bytes() {
    QueueState state = stateWith(10_000);

    byte[] bytes = new QueueSnapshotSerializer(null).toBinary(state.toSnapshot());

    assertThat(bytes.length / 10_000.0).as("bytes per job").isLessThan(49);
  }

  /**
   * Jobs accepted from Kafka records, a third of them retrying, a few archiving, some finished, the
   * ingest having told the first half of the records persisted.
   */
  private static QueueState stateWith(int jobs) {
    QueueState state = new QueueState(WINDOW, 100_000);
    PairId pair = new PairId("source", "destination");
    Instant now = Instant.parse("2026-11-26T10:00:00Z");
    List<Job> accepted = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      Job job =
          JobFixtures.fromRecord(
              JobFixtures.job(pair, "m-" + i, "https://hooks.example.com", now), 0, 1_000_000L + i);
      accepted.add(job);
      state.apply(new JobEvent.AwaitingScheduling(job));
    }
    for (int i = 0; i < jobs; i += 3) {
      Attempt attempt = Attempt.responded(1, now, now.plusMillis(5), 503);
      state.apply(new JobEvent.AwaitingRetry(accepted.get(i).id(), attempt, now.plusSeconds(i)));
    }
    for (int i = 1; i < jobs; i += 50) {
      state.apply(new JobEvent.Archiving(accepted.get(i).id(), now, JobEvent.Archiving.EXPIRED));
    }
    for (int i = 2; i < jobs; i += 7) {
      state.apply(
          new JobEvent.Succeeded(
              accepted.get(i).id(), Attempt.responded(1, now, now.plusMillis(3), 200)));
    }
    state.persisted(QueueStateDedupeTest.told(Map.of(0, 1_000_000L + jobs / 2)));
    return state;
  }
}
