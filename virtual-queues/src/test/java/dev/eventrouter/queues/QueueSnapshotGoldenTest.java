package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.serialization.JobJacksonModule;
import dev.eventrouter.persistence.testing.GoldenFiles;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The snapshot of a queue's index as this version wrote it ({@code
 * src/test/resources/golden/v1/}, see {@link GoldenFiles}), and as it was before a job's index
 * entry kept where its trace is: today's serializer reads each to every field.
 */
class QueueSnapshotGoldenTest {

  private static final GoldenFiles V1 = GoldenFiles.version("v1");
  private static final QueueSnapshotSerializer SERIALIZER = new QueueSnapshotSerializer(null);
  private static final String NAME = "queue.snapshot";

  /** 2026-11-26T09:15:30Z and four hours after, in epoch millis. */
  private static final long CREATED = 1_795_684_530_000L;
  private static final long EXPIRE = CREATED + 14_400_000L;
  private static final Ksuid NEW = Ksuid.parse("3Mdl47HEL8jSJa4WiBV1vf2K2zq");
  private static final Ksuid RETRYING = Ksuid.parse("3Mdl4BZ2ouVVDzVTvC7oLq6Q1bE");
  private static final Ksuid TO_ARCHIVE = Ksuid.parse("3Mdl4DqBDN5XqBqYXkYCn3iRu0w");
  private static final Ksuid DELIVERED = Ksuid.parse("3Mdl3ya9n8WC3wy5HuRhY2ZLgLG");
  private static final Ksuid DISCARDED = Ksuid.parse("3Mdl3zhwVvcF5XXWOB0pNCJPD3m");

  /**
   * A job never attempted, one retrying, one on its way to the archive; two finished jobs in
   * the dedupe window.
   */
  static final QueueSnapshot SNAPSHOT = new QueueSnapshot(1042,
      List.of(
          new PendingJob(NEW, 1001, 0, 0L, EXPIRE, false, new long[0]),
          new PendingJob(RETRYING, 1002, 2, CREATED + 60_000L, EXPIRE, false, new long[] {1010, 1025}),
          new PendingJob(TO_ARCHIVE, 1003, 1, CREATED + 30_000L, EXPIRE, true, new long[] {1011, 1040})),
      List.of(
          new QueueSnapshot.FinishedJob(DELIVERED, CREATED + 10_000L),
          new QueueSnapshot.FinishedJob(DISCARDED, CREATED + 15_000L)));

  /** The same index before entries had trace sequence numbers: each an array of six. */
  static final QueueSnapshot BEFORE_TRACES = new QueueSnapshot(1042,
      List.of(
          new PendingJob(NEW, 1001, 0, 0L, EXPIRE, false, new long[0]),
          new PendingJob(RETRYING, 1002, 2, CREATED + 60_000L, EXPIRE, false, new long[0]),
          new PendingJob(TO_ARCHIVE, 1003, 1, CREATED + 30_000L, EXPIRE, true, new long[0])),
      SNAPSHOT.finished());

  /** {@link PendingJob} as it was declared before it kept trace sequence numbers. */
  @JsonFormat(shape = JsonFormat.Shape.ARRAY)
  @JsonPropertyOrder({"id", "payloadSequenceNr", "attempts", "dueAtMillis", "expireAtMillis", "archiving"})
  record PendingJobBeforeTraces(Ksuid id, long payloadSequenceNr, int attempts, long dueAtMillis,
      long expireAtMillis, boolean archiving) {}

  @BeforeAll
  static void writeMissingFilesWhenAsked() throws JsonProcessingException {
    if (!Boolean.getBoolean(GoldenFiles.WRITE)) {
      return;
    }
    assertThat(SERIALIZER.manifest(SNAPSHOT)).isEqualTo(NAME);
    V1.writeIfMissing(NAME + ".cbor", SERIALIZER.toBinary(SNAPSHOT));
    ObjectMapper cbor = CBORMapper.builder().addModule(new JobJacksonModule()).build();
    Map<String, Object> beforeTraces = new LinkedHashMap<>();
    beforeTraces.put("sequenceNr", BEFORE_TRACES.sequenceNr());
    beforeTraces.put("jobs", BEFORE_TRACES.jobs().stream().map(job -> new PendingJobBeforeTraces(job.id(),
        job.payloadSequenceNr(), job.attempts(), job.dueAtMillis(), job.expireAtMillis(), job.archiving()))
        .toList());
    beforeTraces.put("finished", BEFORE_TRACES.finished());
    V1.writeIfMissing(NAME + "--before-traces.cbor", cbor.writeValueAsBytes(beforeTraces));
  }

  @Test
  void readsTheSnapshotAsThisVersionWroteIt() throws Exception {
    assertReads(NAME + ".cbor", SNAPSHOT);
  }

  @Test
  void readsASnapshotWrittenBeforeTracesWereKept() throws Exception {
    assertReads(NAME + "--before-traces.cbor", BEFORE_TRACES);
  }

  @Test
  void theStableNameHasAGoldenFileAndEveryFileIsRead() {
    assertThat(SERIALIZER.names()).containsExactly(NAME);
    assertThat(V1.files()).containsExactlyInAnyOrder(NAME + ".cbor", NAME + "--before-traces.cbor");
  }

  private static void assertReads(String file, QueueSnapshot expected) throws Exception {
    Object read = SERIALIZER.fromBinary(V1.read(file), NAME);
    assertThat(read).as(file).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(expected);
  }
}
