package dev.eventrouter.persistence.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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

class JobEventSerializerTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Serialization serialization =
      SerializationExtension.get(testKit.system().classicSystem());

  /**
   * Bytes written by an earlier version, checked in: the journal must read them forever. To add a
   * type, add it to {@link #samples()} and regenerate the file with {@code -Dgolden.write=true}.
   */
  private static final Path GOLDEN = Path.of("src/test/resources/golden-job-events.txt");

  static final Instant T0 = Instant.parse("2026-11-26T10:15:30.123456Z");
  static final Job JOB = job(T0);

  static Job job(Instant t0) {
    return JobFixtures.job(new PairId("source-1", "webhook"), "m-1", "https://hooks.example.com/in",
        t0, "{\"type\":\"track\"}".getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Every sample under a label that never changes. Lines of the golden file are only ever
   * added: a new type or a new field gets a new label; an old label keeps its bytes.
   */
  static Map<String, JobEvent> samples() {
    return samples(T0);
  }

  /** The samples with their times from {@code t0}. */
  static Map<String, JobEvent> samples(Instant t0) {
    Job job = job(t0);
    Map<String, JobEvent> samples = new LinkedHashMap<>();
    samples.put("awaiting-scheduling-1", new JobEvent.AwaitingScheduling(job));
    samples.put("succeeded-1",
        new JobEvent.Succeeded(job.id(), Attempt.responded(1, t0, t0.plusMillis(12), 200)));
    // written before Discarded had an origin: it reads as a customer's refusal
    samples.put("discarded-1", new JobEvent.Discarded(job.id(),
        Attempt.responded(2, t0, t0.plusMillis(40), 400), "HTTP 400", DiscardOrigin.CUSTOMER));
    samples.put("awaiting-retry-1", new JobEvent.AwaitingRetry(job.id(),
        Attempt.failed(1, t0, t0.plusSeconds(10), "timeout"), t0.plusSeconds(40)));
    samples.put("discarded-2", new JobEvent.Discarded(job.id(),
        Attempt.failed(1, t0, t0, "invalid-request"), "endpoint is not a URL", DiscardOrigin.SYSTEM));
    samples.put("archiving-1",
        new JobEvent.Archiving(job.id(), t0.plusSeconds(14_400), JobEvent.Archiving.EXPIRED));
    samples.put("archived-1", new JobEvent.Archived(job.id(), t0.plusSeconds(14_401),
        "s3://archive/source-1/webhook/2026-11-26/14/batch.ndjson.gz"));
    // written before a carried job took its earlier attempts along
    samples.put("carried-forward-1", new JobEvent.CarriedForward(job, List.of()));
    samples.put("carried-forward-2", new JobEvent.CarriedForward(job,
        List.of(Attempt.failed(1, t0, t0.plusSeconds(10), "timeout"),
            Attempt.responded(2, t0.plusSeconds(40), t0.plusSeconds(41), 503))));
    samples.put("awaiting-scheduling-2", new JobEvent.AwaitingScheduling(
        job.replay(t0.plusSeconds(86_400), java.time.Duration.ofHours(4))));
    samples.put("retry-requested-1", new JobEvent.RetryRequested(job.id(), t0.plusSeconds(90)));
    return samples;
  }

  /** The concrete event types under a sealed interface, at any depth. */
  static List<Class<?>> eventTypes(Class<?> sealed) {
    List<Class<?>> types = new ArrayList<>();
    for (Class<?> type : sealed.getPermittedSubclasses()) {
      if (type.isSealed()) {
        types.addAll(eventTypes(type));
      } else {
        types.add(type);
      }
    }
    return types;
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyEventTypeHasAStableName() {
    assertThat(JobEventSerializer.NAMES.keySet()).containsExactlyInAnyOrderElementsOf(eventTypes(JobEvent.class));
    assertThat(samples().values()).extracting(Object::getClass)
        .containsAll(eventTypes(JobEvent.class));
  }

  @Test
  void everyEventRoundTripsThroughTheConfiguredSerializer() throws Exception {
    for (JobEvent event : samples().values()) {
      var serializer = serialization.findSerializerFor(event);
      assertThat(serializer.identifier()).isEqualTo(JobEventSerializer.IDENTIFIER);
      String manifest = Serializers.manifestFor(serializer, event);
      assertThat(manifest).doesNotContain("dev.eventrouter");

      byte[] bytes = serialization.serialize(event).get();
      Object back = serialization.deserialize(bytes, serializer.identifier(), manifest).get();

      assertThat(back).isEqualTo(event);
    }
  }

  @Test
  void readsWhatEarlierVersionsWrote() throws Exception {
    GoldenFile.check(GOLDEN, new JobEventSerializer(null), samples());
  }

  @Test
  void refusesUnknownNamesAndTypes() {
    JobEventSerializer serializer = new JobEventSerializer(null);

    assertThatThrownBy(() -> serializer.fromBinary(new byte[0], "job.renamed"))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("job.renamed");
    assertThatThrownBy(() -> serializer.toBinary("not an event"))
        .hasMessageContaining("no stable name");
  }

  @Test
  void jobsDoNotPrintTheirPayload() {
    assertThat(JOB.toString()).doesNotContain("track").contains(JOB.id().toString());
    assertThat(Arrays.equals(JOB.payload(), "{\"type\":\"track\"}".getBytes(StandardCharsets.UTF_8)))
        .isTrue();
  }
}
