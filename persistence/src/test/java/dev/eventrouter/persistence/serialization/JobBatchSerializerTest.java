package dev.eventrouter.persistence.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.persistence.testing.GoldenFiles;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.io.NotSerializableException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class JobBatchSerializerTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Serialization serialization =
      SerializationExtension.get(testKit.system().classicSystem());

  /** The first version of the batch format ({@link GoldenFiles}). */
  private static final GoldenFiles V2 = GoldenFiles.version("v2");

  private static final Instant T0 = Instant.parse("2026-11-28T19:45:10.123Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** Every job event type, in one batch. */
  private static JobBatch everyType() {
    return new JobBatch(List.copyOf(JobEventGoldenTest.written().values()));
  }

  /** The golden files of the batch format, by file name. */
  private static Map<String, JobBatch> written() {
    Map<String, JobBatch> batches = new LinkedHashMap<>();
    batches.put("job.batch--every-type.bin", everyType());
    batches.put("job.batch--accepted.bin", new JobBatch(accepted(3, 40)));
    batches.put("job.batch--traced.bin", new JobBatch(traced(accepted(3, 40))));
    batches.put("job.batch--ordered.bin", new JobBatch(ordered()));
    return batches;
  }

  /** Jobs of one pair to one endpoint, as one ingest batch brings them from a partition. */
  private static List<JobEvent> accepted(int jobs, int payloadBytes) {
    PairId pair = new PairId("source-1", "webhook");
    List<JobEvent> events = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      byte[] payload = new byte[payloadBytes];
      Arrays.fill(payload, (byte) ('a' + i % 26));
      events.add(
          new JobEvent.AwaitingScheduling(
              JobFixtures.fromRecord(
                  JobFixtures.job(
                      pair,
                      "message-" + i,
                      "https://hooks.example.com/in",
                      T0.plusMillis(i),
                      payload),
                  3,
                  70_000L + i)));
    }
    return events;
  }

  /** The same jobs, each continuing a trace of its own; one with a tracestate. */
  private static List<JobEvent> traced(List<JobEvent> events) {
    List<JobEvent> traced = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Job job = ((JobEvent.AwaitingScheduling) events.get(i)).job();
      traced.add(
          new JobEvent.AwaitingScheduling(
              job.withTrace(
                  new TraceContext(
                      String.format("00-%032x-%016x-01", i + 1, i + 1),
                      i == 0 ? "vendor=value" : null))));
    }
    return traced;
  }

  @Test
  void aTraceContextRoundTripsAndCostsNothingWhenAbsent() {
    List<JobEvent> plain = accepted(3, 40);
    List<JobEvent> traced = traced(plain);

    byte[] plainBytes = JobBatchSerializer.write(new JobBatch(plain));
    byte[] tracedBytes = JobBatchSerializer.write(new JobBatch(traced));

    assertThat(JobBatchSerializer.read(tracedBytes)).isEqualTo(new JobBatch(traced));
    assertThat(JobBatchSerializer.read(plainBytes).events())
        .allSatisfy(e -> assertThat(((JobEvent.AwaitingScheduling) e).job().trace()).isNull());
    // the flag shares the byte the other flags use: an untraced job is as long as before
    assertThat(plainBytes).isEqualTo(V2.read("job.batch--accepted.bin"));
    // each traceparent in place (55 bytes and its length), the one tracestate in the table
    assertThat(tracedBytes.length - plainBytes.length)
        .isBetween(3 * 56 + "vendor=value".length(), 3 * 57 + "vendor=value".length() + 8);
  }

  /**
   * Jobs for a destination ordered per key, written since ordering: two keys, one hash with its
   * high bit set; and one job without a key, as a job of no key (or a replay of one) is.
   */
  private static List<JobEvent> ordered() {
    List<JobEvent> accepted = accepted(3, 20);
    long[] keys = {0x1234_5678_9abc_def0L, 0xfedc_ba98_7654_3210L, Job.UNORDERED};
    List<JobEvent> events = new ArrayList<>();
    for (int i = 0; i < accepted.size(); i++) {
      Job job = ((JobEvent.AwaitingScheduling) accepted.get(i)).job();
      events.add(new JobEvent.AwaitingScheduling(JobFixtures.ordered(job, keys[i])));
    }
    return events;
  }

  @Test
  void everyJobEventTypeRoundTripsThroughTheConfiguredSerializer() throws Exception {
    JobBatch batch = everyType();
    assertThat(batch.events())
        .extracting(Object::getClass)
        .containsAll(JobEventSerializerTest.eventTypes(JobEvent.class));

    var serializer = serialization.findSerializerFor(batch);
    assertThat(serializer.identifier()).isEqualTo(JobBatchSerializer.IDENTIFIER);
    String manifest = Serializers.manifestFor(serializer, batch);
    byte[] bytes = serialization.serialize(batch).get();

    assertThat(serialization.deserialize(bytes, serializer.identifier(), manifest).get())
        .isEqualTo(batch);
  }

  @Test
  void readsTheBatchesThisVersionWrote() throws Exception {
    JobBatchSerializer serializer = new JobBatchSerializer(null);
    if (Boolean.getBoolean(GoldenFiles.WRITE)) {
      written().forEach((file, batch) -> V2.writeIfMissing(file, serializer.toBinary(batch)));
    }
    assertThat(V2.files())
        .filteredOn(file -> file.startsWith(JobBatchSerializer.MANIFEST))
        .containsExactlyInAnyOrderElementsOf(written().keySet());
    for (var batch : written().entrySet()) {
      assertThat(
              serializer.fromBinary(V2.read(batch.getKey()), serializer.manifest(batch.getValue())))
          .as(batch.getKey())
          .usingRecursiveComparison()
          .withStrictTypeChecking()
          .isEqualTo(batch.getValue());
    }
  }

  /** The model keeps milliseconds: what is read back equals what was written. */
  @Test
  void timesKeepTheirMilliseconds() {
    Instant micros = Instant.parse("2026-11-26T10:15:30.123456Z");
    JobEvent event =
        new JobEvent.AwaitingRetry(
            Ksuid.parse("3Mdl47HEL8jSJa4WiBV1vf2K2zq"),
            Attempt.failed(1, micros, micros.plusNanos(2_500_000), "timeout"),
            micros.plusSeconds(30));

    JobBatch read = JobBatchSerializer.read(JobBatchSerializer.write(new JobBatch(List.of(event))));

    JobEvent.AwaitingRetry back = (JobEvent.AwaitingRetry) read.events().get(0);
    assertThat(back.attempt().startedAt()).isEqualTo(Instant.parse("2026-11-26T10:15:30.123Z"));
    assertThat(back.attempt().finishedAt()).isEqualTo(Instant.parse("2026-11-26T10:15:30.125Z"));
    assertThat(back.retryAt()).isEqualTo(Instant.parse("2026-11-26T10:16:00.123Z"));
  }

  /**
   * What a job costs beyond its payload: its id, its message id, two times, its record's position
   * and a few indexes; the pair, the endpoint and the headers are written once per batch.
   */
  @Test
  void aJobCostsLittleMoreThanItsPayloadAndIds() {
    int jobs = 200;
    int payloadBytes = 1024;
    List<JobEvent> events = accepted(jobs, payloadBytes);
    JobEventSerializer single = new JobEventSerializer(null);
    long perJobEvents = events.stream().mapToLong(e -> single.toBinary(e).length).sum();

    byte[] batch = JobBatchSerializer.write(new JobBatch(events));

    double overheadPerJob = (batch.length - (double) jobs * payloadBytes) / jobs;
    // 20 id bytes, a message id of up to 11 characters, 7 for the time, the expiry, the
    // position (4) and indexes
    assertThat(overheadPerJob).isLessThan(60);
    assertThat((long) batch.length).isLessThan(perJobEvents - jobs * 150L);
  }

  /**
   * The string table holds what jobs share; a message id, unique to its job, is not looked up in
   * it.
   */
  @Test
  void theStringTableDoesNotGrowWithTheJobs() {
    byte[] few = JobBatchSerializer.write(new JobBatch(accepted(2, 8)));
    byte[] many = JobBatchSerializer.write(new JobBatch(accepted(200, 8)));

    // after the version byte: the number of strings in the table
    assertThat(many[1]).isEqualTo(few[1]);
  }

  @Test
  void bytesThatAreNotABatchAreUnreadableNotACrash() {
    JobBatchSerializer serializer = new JobBatchSerializer(null);
    byte[] good = JobBatchSerializer.write(everyType());

    List<byte[]> bad =
        List.of(
            Arrays.copyOf(good, good.length - 1),
            Arrays.copyOf(good, good.length + 1),
            new byte[] {9},
            new byte[0],
            withByte(good, 0, 2),
            // counts of 2^31 - 1: strings, then events; refused before anything that size is made
            new byte[] {
              (byte) JobBatchSerializer.VERSION,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              0x07
            },
            new byte[] {
              (byte) JobBatchSerializer.VERSION,
              0,
              0,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              0x07
            });
    for (byte[] bytes : bad) {
      assertThatThrownBy(() -> serializer.fromBinary(bytes, "job.batch"))
          .isInstanceOf(NotSerializableException.class);
    }
    assertThatThrownBy(() -> serializer.fromBinary(good, "job.batch.v9"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("job.batch.v9");
  }

  @Test
  void batchesDoNotPrintPayloads() {
    assertThat(new JobBatch(accepted(2, 8)).toString()).isEqualTo("JobBatch[2 job events]");
  }

  private static byte[] withByte(byte[] bytes, int index, int value) {
    byte[] copy = bytes.clone();
    copy[index] = (byte) value;
    return copy;
  }
}
