package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.testing.QueueFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Jobs on their way to the archive when the node stops are archived by the next one. */
@ExtendWith(LogCapturingExtension.class)
class ArchiveRestartTest {

  @TempDir Path dataDir;

  @Test
  void jobsArchivingAtAStopAreArchivedAfterTheRestart() {
    PairId pair;
    List<Job> jobs;
    try (QueueFixture first = QueueFixture.startOn(dataDir, ConfigFactory.empty())) {
      pair = first.newPair("late");
      first.archive().failNext(Integer.MAX_VALUE);
      jobs =
          first.jobs(
              pair,
              6,
              first.destination().url(QueueFixture.path(pair)),
              Instant.now().minus(Duration.ofHours(5)));
      first.enqueue(pair, jobs);
      first.await(() -> assertThat(first.stats(pair).archiving()).isEqualTo(6));
      assertThat(first.archive().archived()).isEmpty();
    }

    try (QueueFixture second = QueueFixture.startOn(dataDir, ConfigFactory.empty())) {
      second.newPair("late");
      // nothing asks for the queue: it starts again by itself (remembered) and archives
      second.await(
          () ->
              assertThat(second.archive().archivedIds(pair))
                  .containsExactlyInAnyOrderElementsOf(jobs.stream().map(Job::id).toList()));
      second.awaitEmpty(pair);
      assertThat(second.destination().received(QueueFixture.path(pair))).isEmpty();
    }
  }
}
