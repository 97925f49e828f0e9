package dev.eventrouter.persistence.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.RecordPosition;
import dev.eventrouter.persistence.testing.GoldenFiles;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal's job events as this version wrote them ({@code src/test/resources/golden/v1/}, see
 * {@link GoldenFiles}): today's serializer reads each file to every field of the event it holds.
 * Besides one file per stable name, the shapes events had before an optional field was added, as
 * the journal still holds them. From {@code v2} on, the events that carry a job made from a Kafka
 * record hold its position.
 */
class JobEventGoldenTest {

  private static final GoldenFiles V1 = GoldenFiles.version("v1");
  private static final GoldenFiles V2 = GoldenFiles.version("v2");
  private static final JobEventSerializer SERIALIZER = new JobEventSerializer(null);

  /** The journal's mapper: what wrote the events' earlier shapes, given as maps here. */
  private static final ObjectMapper CBOR =
      CBORMapper.builder()
          .addModule(new JavaTimeModule())
          .addModule(new JobJacksonModule())
          .build();

  private static final Instant T0 = Instant.parse("2026-11-26T10:15:30.123456Z");
  private static final Ksuid ID = Ksuid.parse("3Mdl47HEL8jSJa4WiBV1vf2K2zq");
  private static final PairId PAIR = new PairId("source-1", "webhook");
  private static final String ENDPOINT = "https://hooks.example.com/in";
  private static final byte[] PAYLOAD = "{\"type\":\"track\"}".getBytes(StandardCharsets.UTF_8);
  private static final Map<String, String> HEADERS =
      Map.of("Content-Type", "application/json", "X-Tenant", "acme");
  private static final Job JOB =
      new Job(ID, PAIR, "m-1", ENDPOINT, PAYLOAD, HEADERS, T0, T0.plus(Duration.ofHours(4)), null);
  private static final Instant REPLAYED_AT = T0.plus(Duration.ofDays(1));
  private static final Job REPLAYED =
      new Job(
          Ksuid.parse("3Mdl41vsMAmJDdGBvv685LyF8Qp"),
          PAIR,
          "m-1",
          ENDPOINT,
          PAYLOAD,
          HEADERS,
          REPLAYED_AT,
          REPLAYED_AT.plus(Duration.ofHours(4)),
          ID);
  private static final Attempt TIMED_OUT = Attempt.failed(1, T0, T0.plusSeconds(10), "timeout");

  /** Today's encoding of each event type, under its stable name. */
  static Map<String, JobEvent> written() {
    Map<String, JobEvent> events = new LinkedHashMap<>();
    events.put("job.awaiting-scheduling", new JobEvent.AwaitingScheduling(REPLAYED));
    events.put(
        "job.succeeded",
        new JobEvent.Succeeded(ID, Attempt.responded(1, T0, T0.plusMillis(12), 200)));
    events.put(
        "job.discarded",
        new JobEvent.Discarded(
            ID,
            Attempt.failed(1, T0, T0, "invalid-request"),
            "endpoint is not a URL",
            DiscardOrigin.SYSTEM));
    events.put("job.awaiting-retry", new JobEvent.AwaitingRetry(ID, TIMED_OUT, T0.plusSeconds(40)));
    events.put("job.retry-requested", new JobEvent.RetryRequested(ID, T0.plusSeconds(25)));
    events.put(
        "job.archiving",
        new JobEvent.Archiving(ID, T0.plus(Duration.ofHours(4)), JobEvent.Archiving.FLUSHED));
    events.put(
        "job.archived",
        new JobEvent.Archived(
            ID,
            T0.plus(Duration.ofHours(4)).plusMillis(850),
            "s3://eventrouter/archive/source-1/webhook/2026/11/26/10/3Mdl47HEL8jSJa4WiBV1vf2K2zq-1-5d41402a.ndjson.gz"));
    events.put(
        "job.carried-forward",
        new JobEvent.CarriedForward(
            JOB,
            List.of(TIMED_OUT, Attempt.responded(2, T0.plusSeconds(40), T0.plusSeconds(41), 503))));
    return events;
  }

  /** The events whose encoding changed in v2: a job from Kafka has its record's position. */
  static Map<String, JobEvent> writtenSinceV2() {
    Job fromKafka =
        new Job(
            ID,
            PAIR,
            "m-1",
            ENDPOINT,
            PAYLOAD,
            HEADERS,
            T0,
            T0.plus(Duration.ofHours(4)),
            null,
            new RecordPosition(7, 1_234_567L));
    Map<String, JobEvent> events = new LinkedHashMap<>();
    events.put("job.awaiting-scheduling", new JobEvent.AwaitingScheduling(fromKafka));
    events.put("job.carried-forward", new JobEvent.CarriedForward(fromKafka, List.of(TIMED_OUT)));
    return events;
  }

  /** An event as an earlier version wrote it, and what it reads as today. */
  record Earlier(Map<String, Object> asWritten, JobEvent readAs) {}

  /**
   * The shapes of events before a field was added, by file name ({@code <stable name>--<what>}).
   * Their bytes are those the journal holds: byte for byte what earlier versions wrote into
   * golden-job-events.txt, which this folder replaced.
   */
  static Map<String, Earlier> earlier() {
    Job job =
        new Job(
            ID,
            PAIR,
            "m-1",
            ENDPOINT,
            PAYLOAD,
            Map.of("Content-Type", "application/json"),
            T0,
            T0.plus(Duration.ofHours(4)),
            null);
    Attempt refused = Attempt.responded(2, T0, T0.plusMillis(40), 400);
    Map<String, Earlier> events = new LinkedHashMap<>();
    events.put(
        "job.awaiting-scheduling--before-replays",
        new Earlier(fields("job", jobBeforeReplays(job)), new JobEvent.AwaitingScheduling(job)));
    events.put(
        "job.discarded--before-origin",
        new Earlier(
            fields("jobId", ID, "attempt", attempt(refused), "reason", "HTTP 400"),
            new JobEvent.Discarded(ID, refused, "HTTP 400", DiscardOrigin.CUSTOMER)));
    events.put(
        "job.carried-forward--before-earlier-attempts",
        new Earlier(
            fields("job", jobBeforeReplays(job)), new JobEvent.CarriedForward(job, List.of())));
    return events;
  }

  @BeforeAll
  static void writeMissingFilesWhenAsked() throws JsonProcessingException {
    if (!Boolean.getBoolean(GoldenFiles.WRITE)) {
      return;
    }
    for (var event : written().entrySet()) {
      assertThat(SERIALIZER.manifest(event.getValue())).isEqualTo(event.getKey());
      V1.writeIfMissing(event.getKey() + ".cbor", SERIALIZER.toBinary(event.getValue()));
    }
    for (var event : earlier().entrySet()) {
      V1.writeIfMissing(
          event.getKey() + ".cbor", CBOR.writeValueAsBytes(event.getValue().asWritten()));
    }
    for (var event : writtenSinceV2().entrySet()) {
      V2.writeIfMissing(event.getKey() + ".cbor", SERIALIZER.toBinary(event.getValue()));
    }
  }

  @Test
  void readsEveryEventAsThisVersionWroteIt() throws Exception {
    for (var event : written().entrySet()) {
      assertReads(event.getKey(), event.getValue());
    }
  }

  @Test
  void readsTheShapesEventsHadBeforeAFieldWasAdded() throws Exception {
    for (var event : earlier().entrySet()) {
      assertReads(event.getKey(), event.getValue().readAs());
    }
  }

  @Test
  void readsTheEventsWhoseEncodingChangedInV2() throws Exception {
    assertThat(V2.files())
        .filteredOn(file -> file.endsWith(".cbor"))
        .containsExactlyInAnyOrderElementsOf(
            writtenSinceV2().keySet().stream().map(name -> name + ".cbor").toList());
    for (var event : writtenSinceV2().entrySet()) {
      assertReads(V2, event.getKey(), event.getValue());
    }
  }

  @Test
  void everyStableNameHasAGoldenFileAndEveryFileIsRead() {
    assertThat(written().keySet()).containsExactlyInAnyOrderElementsOf(SERIALIZER.names());
    List<String> expected = new ArrayList<>();
    SERIALIZER.names().forEach(name -> expected.add(name + ".cbor"));
    earlier().keySet().forEach(file -> expected.add(file + ".cbor"));

    assertThat(V1.files()).containsExactlyInAnyOrderElementsOf(expected);
  }

  private static void assertReads(String file, JobEvent expected) throws Exception {
    assertReads(V1, file, expected);
  }

  /** The file's manifest is its name up to {@code --}. */
  private static void assertReads(GoldenFiles version, String file, JobEvent expected)
      throws Exception {
    String manifest = file.split("--")[0];
    Object read = SERIALIZER.fromBinary(version.read(file + ".cbor"), manifest);
    assertThat(read)
        .as(file)
        .usingRecursiveComparison()
        .withStrictTypeChecking()
        .isEqualTo(expected);
  }

  private static Map<String, Object> jobBeforeReplays(Job job) {
    return fields(
        "id",
        job.id(),
        "pair",
        fields("source", job.pair().source(), "destination", job.pair().destination()),
        "messageId",
        job.messageId(),
        "endpoint",
        job.endpoint(),
        "payload",
        job.payload(),
        "headers",
        job.headers(),
        "createdAt",
        job.createdAt(),
        "expireAt",
        job.expireAt());
  }

  private static Map<String, Object> attempt(Attempt attempt) {
    return fields(
        "number",
        attempt.number(),
        "startedAt",
        attempt.startedAt(),
        "finishedAt",
        attempt.finishedAt(),
        "httpStatus",
        attempt.httpStatus(),
        "error",
        attempt.error());
  }

  /** A map of names and values, in the order the record's components had. */
  private static Map<String, Object> fields(Object... namesAndValues) {
    Map<String, Object> fields = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return fields;
  }
}
