package dev.eventrouter.persistence.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

  private static final Job JOB =
      JobFixtures.job(
          new PairId("source-1", "webhook"),
          "m-1",
          "https://hooks.example.com/in",
          Instant.parse("2026-11-26T10:15:30.123456Z"),
          "{\"type\":\"track\"}".getBytes(StandardCharsets.UTF_8));

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
    assertThat(JobEventSerializer.NAMES.keySet())
        .containsExactlyInAnyOrderElementsOf(eventTypes(JobEvent.class));
    assertThat(JobEventGoldenTest.written().values())
        .extracting(Object::getClass)
        .containsAll(eventTypes(JobEvent.class));
  }

  @Test
  void everyEventRoundTripsThroughTheConfiguredSerializer() throws Exception {
    for (JobEvent event : JobEventGoldenTest.written().values()) {
      var serializer = serialization.findSerializerFor(event);
      assertThat(serializer.identifier()).isEqualTo(JobEventSerializer.IDENTIFIER);
      String manifest = Serializers.manifestFor(serializer, event);
      assertThat(manifest).doesNotContain("dev.eventrouter");

      byte[] bytes = serialization.serialize(event).get();
      Object back = serialization.deserialize(bytes, serializer.identifier(), manifest).get();

      assertThat(back).isEqualTo(event);
    }
  }

  /**
   * The per-job format keeps an ordered job's key; a job without one is written as before ordering
   * (no field for it), so nodes of either version read it alike.
   */
  @Test
  void anOrderingKeyIsKeptAndAbsentWhenThereIsNone() throws Exception {
    JobEvent ordered = new JobEvent.AwaitingScheduling(JobFixtures.ordered(JOB, -42L));
    var serializer = serialization.findSerializerFor(ordered);
    String manifest = Serializers.manifestFor(serializer, ordered);

    Object back =
        serialization
            .deserialize(serialization.serialize(ordered).get(), serializer.identifier(), manifest)
            .get();
    byte[] unordered = serialization.serialize(new JobEvent.AwaitingScheduling(JOB)).get();

    assertThat(((JobEvent.AwaitingScheduling) back).job().orderingKey()).isEqualTo(-42L);
    assertThat(new String(unordered, StandardCharsets.ISO_8859_1)).doesNotContain("orderingKey");
  }

  /** The per-job format keeps a job's trace context; a job without one has no field for it. */
  @Test
  void aTraceContextIsKeptAndAbsentWhenThereIsNone() throws Exception {
    TraceContext trace =
        new TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);
    JobEvent traced = new JobEvent.AwaitingScheduling(JOB.withTrace(trace));
    var serializer = serialization.findSerializerFor(traced);
    String manifest = Serializers.manifestFor(serializer, traced);

    Object back =
        serialization
            .deserialize(serialization.serialize(traced).get(), serializer.identifier(), manifest)
            .get();
    byte[] untraced = serialization.serialize(new JobEvent.AwaitingScheduling(JOB)).get();

    assertThat(back).isEqualTo(traced);
    assertThat(new String(untraced, StandardCharsets.ISO_8859_1)).doesNotContain("trace");
  }

  @Test
  void refusesUnknownNamesAndTypes() {
    JobEventSerializer serializer = new JobEventSerializer(null);

    assertThatThrownBy(() -> serializer.fromBinary(new byte[0], "job.renamed"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("job.renamed");
    assertThatThrownBy(() -> serializer.toBinary("not an event"))
        .hasMessageContaining("no stable name");
  }

  @Test
  void jobsDoNotPrintTheirPayload() {
    assertThat(JOB.toString()).doesNotContain("track").contains(JOB.id().toString());
    assertThat(
            Arrays.equals(JOB.payload(), "{\"type\":\"track\"}".getBytes(StandardCharsets.UTF_8)))
        .isTrue();
  }
}
