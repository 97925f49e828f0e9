package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.RecordPosition;
import dev.eventrouter.persistence.serialization.JobJacksonModule;
import dev.eventrouter.persistence.testing.GoldenFiles;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The snapshot of a queue's index as each version wrote it ({@code src/test/resources/golden/}, see
 * {@link GoldenFiles}): v1, and v1 as it was before a job's index entry kept where its trace is;
 * v2, which keeps the Kafka record of each job and what the ingest told of the records persisted,
 * and, since ordering, the ordering key and arrival of the jobs that have a key, and since then
 * when each job arrived in the router (before, its id's time stands for it). Today's serializer
 * reads each to every field.
 */
class QueueSnapshotGoldenTest {

  private static final GoldenFiles V1 = GoldenFiles.version("v1");
  private static final GoldenFiles V2 = GoldenFiles.version("v2");
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
  private static final Ksuid REPLAYED = Ksuid.parse("3Mdl41vsMAmJDdGBvv685LyF8Qp");

  /**
   * A job never attempted, one retrying, one on its way to the archive; two finished jobs in the
   * dedupe window.
   */
  static final QueueSnapshot SNAPSHOT =
      new QueueSnapshot(
          1042,
          List.of(
              new PendingJob(NEW, 1001, 0, 0L, EXPIRE, false, new long[0], null),
              new PendingJob(
                  RETRYING,
                  1002,
                  2,
                  CREATED + 60_000L,
                  EXPIRE,
                  false,
                  new long[] {1010, 1025},
                  null),
              new PendingJob(
                  TO_ARCHIVE,
                  1003,
                  1,
                  CREATED + 30_000L,
                  EXPIRE,
                  true,
                  new long[] {1011, 1040},
                  null)),
          List.of(
              new QueueSnapshot.FinishedJob(DELIVERED, CREATED + 10_000L, null),
              new QueueSnapshot.FinishedJob(DISCARDED, CREATED + 15_000L, null)),
          Map.of(),
          null);

  /** The same index before entries had trace sequence numbers: each an array of six. */
  static final QueueSnapshot BEFORE_TRACES =
      new QueueSnapshot(
          1042,
          List.of(
              new PendingJob(NEW, 1001, 0, 0L, EXPIRE, false, new long[0], null),
              new PendingJob(
                  RETRYING, 1002, 2, CREATED + 60_000L, EXPIRE, false, new long[0], null),
              new PendingJob(
                  TO_ARCHIVE, 1003, 1, CREATED + 30_000L, EXPIRE, true, new long[0], null)),
          SNAPSHOT.finished(),
          Map.of(),
          null);

  /**
   * v2: the live jobs with their records (partition 2), two finished jobs whose records lie above
   * what the ingest told persisted, and a finished replay, which has no record.
   */
  static final QueueSnapshot WITH_RECORDS =
      new QueueSnapshot(
          1042,
          List.of(
              new PendingJob(
                  NEW, 1001, 0, 0L, EXPIRE, false, new long[0], new RecordPosition(2, 80_412L)),
              new PendingJob(
                  RETRYING,
                  1002,
                  2,
                  CREATED + 60_000L,
                  EXPIRE,
                  false,
                  new long[] {1010, 1025},
                  new RecordPosition(2, 80_377L)),
              new PendingJob(
                  TO_ARCHIVE,
                  1003,
                  1,
                  CREATED + 30_000L,
                  EXPIRE,
                  true,
                  new long[] {1011, 1040},
                  new RecordPosition(2, 80_350L))),
          List.of(
              new QueueSnapshot.FinishedJob(
                  DELIVERED, CREATED + 10_000L, new RecordPosition(2, 80_391L)),
              new QueueSnapshot.FinishedJob(
                  DISCARDED, CREATED + 15_000L, new RecordPosition(2, 80_400L)),
              new QueueSnapshot.FinishedJob(REPLAYED, CREATED + 16_000L, null)),
          Map.of(2, 80_390L, 5, 12L),
          "ZzLhtIhETPGuUPZ4vWzFkQ");

  /**
   * v2 since ordering: the job never attempted and the retrying one have ordering keys (one with
   * its high bit set), in arrival order; the one on its way to the archive has none.
   */
  static final QueueSnapshot WITH_ORDERING =
      new QueueSnapshot(
          1042,
          List.of(
              new PendingJob(
                  NEW,
                  1001,
                  0,
                  0L,
                  EXPIRE,
                  false,
                  new long[0],
                  new RecordPosition(2, 80_412L),
                  0x1234_5678_9abc_def0L,
                  7L),
              new PendingJob(
                  RETRYING,
                  1002,
                  2,
                  CREATED + 60_000L,
                  EXPIRE,
                  false,
                  new long[] {1010, 1025},
                  new RecordPosition(2, 80_377L),
                  0xfedc_ba98_7654_3210L,
                  3L),
              WITH_RECORDS.jobs().get(2)),
          WITH_RECORDS.finished(),
          WITH_RECORDS.persistedBelow(),
          WITH_RECORDS.topicId());

  /**
   * v2 since arrival times: the jobs arrived in the router after their ids' times (one from a
   * client that kept its event a year), the keyed ones as in {@link #WITH_ORDERING}.
   */
  static final QueueSnapshot WITH_ARRIVALS =
      new QueueSnapshot(
          1042,
          WITH_ORDERING.jobs().stream()
              .map(
                  job ->
                      new PendingJob(
                          job.id(),
                          job.payloadSequenceNr(),
                          job.attempts(),
                          job.dueAtMillis(),
                          job.expireAtMillis(),
                          job.archiving(),
                          job.traceSequenceNrs(),
                          job.position(),
                          job.orderingKey(),
                          job.arrival(),
                          job.id().equals(NEW)
                              ? job.id().epochSecond() + 365 * 86_400L
                              : job.id().epochSecond() + 2))
              .toList(),
          WITH_ORDERING.finished(),
          WITH_ORDERING.persistedBelow(),
          WITH_ORDERING.topicId());

  /** {@link PendingJob} as v1 declared it. */
  @JsonFormat(shape = JsonFormat.Shape.ARRAY)
  @JsonPropertyOrder({
    "id",
    "payloadSequenceNr",
    "attempts",
    "dueAtMillis",
    "expireAtMillis",
    "archiving",
    "traceSequenceNrs"
  })
  record PendingJobV1(
      Ksuid id,
      long payloadSequenceNr,
      int attempts,
      long dueAtMillis,
      long expireAtMillis,
      boolean archiving,
      long[] traceSequenceNrs) {}

  /** {@link PendingJob} as it was declared before it kept trace sequence numbers. */
  @JsonFormat(shape = JsonFormat.Shape.ARRAY)
  @JsonPropertyOrder({
    "id",
    "payloadSequenceNr",
    "attempts",
    "dueAtMillis",
    "expireAtMillis",
    "archiving"
  })
  record PendingJobBeforeTraces(
      Ksuid id,
      long payloadSequenceNr,
      int attempts,
      long dueAtMillis,
      long expireAtMillis,
      boolean archiving) {}

  /** {@link QueueSnapshot.FinishedJob} as v1 declared it. */
  @JsonFormat(shape = JsonFormat.Shape.ARRAY)
  @JsonPropertyOrder({"id", "atMillis"})
  record FinishedJobV1(Ksuid id, long atMillis) {}

  @BeforeAll
  static void writeMissingFilesWhenAsked() throws JsonProcessingException {
    if (!Boolean.getBoolean(GoldenFiles.WRITE)) {
      return;
    }
    assertThat(SERIALIZER.manifest(WITH_RECORDS)).isEqualTo(NAME);
    V2.writeIfMissing(NAME + ".cbor", SERIALIZER.toBinary(WITH_RECORDS));
    V2.writeIfMissing(NAME + "--ordered.cbor", SERIALIZER.toBinary(WITH_ORDERING));
    V2.writeIfMissing(NAME + "--arrivals.cbor", SERIALIZER.toBinary(WITH_ARRIVALS));
    ObjectMapper cbor = CBORMapper.builder().addModule(new JobJacksonModule()).build();
    List<FinishedJobV1> finishedV1 =
        SNAPSHOT.finished().stream()
            .map(job -> new FinishedJobV1(job.id(), job.atMillis()))
            .toList();
    Map<String, Object> v1 = new LinkedHashMap<>();
    v1.put("sequenceNr", SNAPSHOT.sequenceNr());
    v1.put(
        "jobs",
        SNAPSHOT.jobs().stream()
            .map(
                job ->
                    new PendingJobV1(
                        job.id(),
                        job.payloadSequenceNr(),
                        job.attempts(),
                        job.dueAtMillis(),
                        job.expireAtMillis(),
                        job.archiving(),
                        job.traceSequenceNrs()))
            .toList());
    v1.put("finished", finishedV1);
    V1.writeIfMissing(NAME + ".cbor", cbor.writeValueAsBytes(v1));
    Map<String, Object> beforeTraces = new LinkedHashMap<>();
    beforeTraces.put("sequenceNr", BEFORE_TRACES.sequenceNr());
    beforeTraces.put(
        "jobs",
        BEFORE_TRACES.jobs().stream()
            .map(
                job ->
                    new PendingJobBeforeTraces(
                        job.id(),
                        job.payloadSequenceNr(),
                        job.attempts(),
                        job.dueAtMillis(),
                        job.expireAtMillis(),
                        job.archiving()))
            .toList());
    beforeTraces.put("finished", finishedV1);
    V1.writeIfMissing(NAME + "--before-traces.cbor", cbor.writeValueAsBytes(beforeTraces));
  }

  @Test
  void readsTheSnapshotAsThisVersionWroteIt() throws Exception {
    assertReads(V2, NAME + ".cbor", WITH_RECORDS);
  }

  @Test
  void readsTheOrderingKeysAndArrivalsOfKeyedJobs() throws Exception {
    assertReads(V2, NAME + "--ordered.cbor", WITH_ORDERING);
  }

  @Test
  void readsWhenEachJobArrived() throws Exception {
    assertReads(V2, NAME + "--arrivals.cbor", WITH_ARRIVALS);
  }

  @Test
  void aSnapshotWrittenBeforeArrivalsHasEachJobArriveAtItsIdsTime() throws Exception {
    QueueSnapshot read =
        (QueueSnapshot) SERIALIZER.fromBinary(V2.read(NAME + "--ordered.cbor"), NAME);
    assertThat(read.jobs())
        .allSatisfy(job -> assertThat(job.arrivedAtSeconds()).isEqualTo(job.id().epochSecond()));
  }

  @Test
  void readsASnapshotWrittenBeforeRecordsWereKept() throws Exception {
    assertReads(V1, NAME + ".cbor", SNAPSHOT);
  }

  @Test
  void readsASnapshotWrittenBeforeTracesWereKept() throws Exception {
    assertReads(V1, NAME + "--before-traces.cbor", BEFORE_TRACES);
  }

  @Test
  void theStableNameHasAGoldenFileAndEveryFileIsRead() {
    assertThat(SERIALIZER.names()).containsExactly(NAME);
    assertThat(V1.files()).containsExactlyInAnyOrder(NAME + ".cbor", NAME + "--before-traces.cbor");
    assertThat(V2.files())
        .containsExactlyInAnyOrder(
            NAME + ".cbor", NAME + "--ordered.cbor", NAME + "--arrivals.cbor");
  }

  private static void assertReads(GoldenFiles version, String file, QueueSnapshot expected)
      throws Exception {
    Object read = SERIALIZER.fromBinary(version.read(file), NAME);
    assertThat(read)
        .as(file)
        .usingRecursiveComparison()
        .withStrictTypeChecking()
        .isEqualTo(expected);
  }
}
