package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.archive.ArchivedJob;
import dev.eventrouter.queues.testing.QueueFixture;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An archive batch holds its jobs' payloads until it is uploaded: it is bounded in bytes, not only
 * in jobs, so that large events make small batches.
 */
@ExtendWith(LogCapturingExtension.class)
class ArchiveBatchBytesTest {

  private static final int MIB = 1024 * 1024;

  @RegisterExtension
  static final QueueFixture fixture =
      new QueueFixture(
          ConfigFactory.parseString("eventrouter.virtual-queue.archive-batch-max-bytes = 3MiB"));

  @Test
  void largePayloadsAreArchivedInBatchesOfAtMostTheBytesAllowed() {
    PairId pair = fixture.newPair("large-archived");
    fixture.pause(pair);
    Instant now = Instant.now();
    List<Job> jobs =
        IntStream.range(0, 8)
            .mapToObj(
                i ->
                    JobFixtures.job(
                        pair,
                        "large-" + i,
                        fixture.destination().url(QueueFixture.path(pair)),
                        now,
                        payload(i, MIB)))
            .toList();
    jobs.forEach(job -> fixture.enqueue(pair, List.of(job)));

    fixture.flushToArchive(pair);

    List<List<ArchivedJob>> batches = archivedBatches(pair);
    assertThat(batches).flatExtracting(batch -> batch).hasSize(8);
    assertThat(batches)
        .allSatisfy(
            batch ->
                assertThat(batch.stream().mapToLong(a -> a.job().payload().length).sum())
                    .isLessThanOrEqualTo(3L * MIB));
  }

  @Test
  void smallPayloadsStillFillABatch() {
    PairId pair = fixture.newPair("small-archived");
    fixture.pause(pair);
    fixture.enqueue(pair, fixture.jobs(pair, 40));

    fixture.flushToArchive(pair);

    List<List<ArchivedJob>> batches = archivedBatches(pair);
    // the first batch guesses 1 MiB a job (3 jobs at most); the next ones know better
    assertThat(batches).flatExtracting(batch -> batch).hasSize(40);
    assertThat(batches.get(0)).hasSizeLessThanOrEqualTo(3);
    assertThat(batches).anySatisfy(batch -> assertThat(batch).hasSizeGreaterThan(3));
  }

  /** The pair's batches as the archive got them, once the queue holds none of its jobs. */
  private static List<List<ArchivedJob>> archivedBatches(PairId pair) {
    fixture.awaitEmpty(pair);
    return fixture.archive().batches().stream()
        .filter(batch -> batch.get(0).job().pair().equals(pair))
        .toList();
  }

  private static byte[] payload(int seed, int bytes) {
    byte[] json = new byte[bytes];
    Arrays.fill(json, (byte) 'x');
    byte[] head = ("{\"n\":" + seed + ",\"s\":\"").getBytes(StandardCharsets.UTF_8);
    System.arraycopy(head, 0, json, 0, head.length);
    json[bytes - 2] = '"';
    json[bytes - 1] = '}';
    return json;
  }
}
