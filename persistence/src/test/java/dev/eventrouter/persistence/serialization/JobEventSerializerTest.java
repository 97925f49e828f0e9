package dev.eventrouter.persistence.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
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
  static final Job JOB = JobFixtures.job(new PairId("source-1", "webhook"), "m-1",
      "https://hooks.example.com/in", T0, "{\"type\":\"track\"}".getBytes(StandardCharsets.UTF_8));

  static List<JobEvent> samples() {
    return List.of(
        new JobEvent.AwaitingScheduling(JOB),
        new JobEvent.Succeeded(JOB.id(), Attempt.responded(1, T0, T0.plusMillis(12), 200)),
        new JobEvent.Discarded(JOB.id(), Attempt.responded(2, T0, T0.plusMillis(40), 400),
            "HTTP 400"),
        new JobEvent.AwaitingRetry(JOB.id(), Attempt.failed(1, T0, T0.plusSeconds(10), "timeout"),
            T0.plusSeconds(40)));
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyEventTypeHasAStableName() {
    assertThat(JobEventSerializer.NAMES.keySet())
        .containsExactlyInAnyOrder(JobEvent.class.getPermittedSubclasses());
    assertThat(samples()).extracting(Object::getClass)
        .containsExactlyInAnyOrder(JobEvent.class.getPermittedSubclasses());
  }

  @Test
  void everyEventRoundTripsThroughTheConfiguredSerializer() throws Exception {
    for (JobEvent event : samples()) {
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
    if (Boolean.getBoolean("golden.write")) {
      writeGolden();
    }
    Map<String, JobEvent> expected = new LinkedHashMap<>();
    samples().forEach(e -> expected.put(JobEventSerializer.NAMES.get(e.getClass()), e));
    JobEventSerializer serializer = new JobEventSerializer(null);

    List<String> lines = Files.readAllLines(GOLDEN);
    assertThat(lines).hasSize(expected.size());
    for (String line : lines) {
      String[] manifestAndHex = line.split(" ", 2);
      Object read = serializer.fromBinary(HexFormat.of().parseHex(manifestAndHex[1]), manifestAndHex[0]);
      assertThat(read).isEqualTo(expected.get(manifestAndHex[0]));
    }
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

  private static void writeGolden() {
    JobEventSerializer serializer = new JobEventSerializer(null);
    StringBuilder out = new StringBuilder();
    for (JobEvent event : samples()) {
      out.append(serializer.manifest(event)).append(' ')
          .append(HexFormat.of().formatHex(serializer.toBinary(event))).append('\n');
    }
    try {
      Files.writeString(GOLDEN, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
