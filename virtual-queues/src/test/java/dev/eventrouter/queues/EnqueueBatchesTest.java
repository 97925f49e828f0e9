package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * However many jobs one pair gets at once, no Enqueue the queues send is larger than the cluster
 * frame ({@code pekko.remote.artery.advanced.maximum-frame-size}), as it is serialized for another
 * node: Artery drops a larger one, and its ask is sent again forever.
 */
@ExtendWith(LogCapturingExtension.class)
class EnqueueBatchesTest {

  private static final int FRAME = 4 * 1024 * 1024;
  // Ksuids written as a node writes them (eventrouter/journal.conf)
  private static final ActorTestKit testKit =
      ActorTestKit.create(
          ConfigFactory.parseString(
                  "pekko.remote.artery.advanced.maximum-frame-size = "
                      + FRAME
                      + "\n"
                      + "pekko.serialization.jackson.jackson-modules += "
                      + "\"dev.eventrouter.persistence.serialization.JobJacksonModule\"")
              .withFallback(ConfigFactory.load())
              .resolve());
  private static final PairId PAIR = new PairId("shop", "hook");

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aFiveMebibyteBatchOfLargeEventsGoesInEnqueuesThatEachFitTheFrame() {
    // six events of 900 KiB: 5.3 MiB for one pair, as ingest groups a batch
    List<Job> jobs = IntStream.range(0, 6).mapToObj(i -> job(i, 900 * 1024, Map.of())).toList();

    assertEveryEnqueueFitsTheFrameAndKeepsTheOrder(jobs);
  }

  @Test
  void manySmallEventsWithLargeHeadersAreCutByTheirHeadersToo() {
    // small payloads, but each destination header of 6 KiB of three-byte characters
    Map<String, String> headers = Map.of("X-Signature", "€".repeat(2 * 1024));
    List<Job> jobs = IntStream.range(0, 1_000).mapToObj(i -> job(i, 100, headers)).toList();

    assertEveryEnqueueFitsTheFrameAndKeepsTheOrder(jobs);
  }

  @Test
  void manySmallEventsWithLongTraceStatesAreCutByTheirTracesToo() {
    // a record's tracestate is copied into every job of its event
    TraceContext trace =
        new TraceContext(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "v=" + "x".repeat(16_000));
    List<Job> jobs =
        IntStream.range(0, 600).mapToObj(i -> job(i, 100, Map.of()).withTrace(trace)).toList();

    assertEveryEnqueueFitsTheFrameAndKeepsTheOrder(jobs);
  }

  @Test
  void theLargestEventIngestAcceptsFitsOneEnqueueAndOneFarLargerDoesNot() {
    EnqueueBatches batches = EnqueueBatches.fromConfig(testKit.system().settings().config());

    assertThat(batches.fits(1024 * 1024)).as("the default max-payload-bytes").isTrue();
    assertThat(batches.fits(FRAME)).isFalse();
  }

  /** A queue on another node gets each job's record and what the ingest knows persisted. */
  @Test
  void anEnqueueCrossesNodesWithItsRecordsAndWhatWasPersisted() throws Exception {
    Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
    var replyTo = testKit.<StatusReply<VirtualQueue.Accepted>>createTestProbe().ref();
    VirtualQueue.Enqueue enqueue =
        new VirtualQueue.Enqueue(
            List.of(
                JobFixtures.fromRecord(job(1, 100, Map.of()), 4, 81_000L), job(2, 100, Map.of())),
            new PersistedRecords("ZzLhtIhETPGuUPZ4vWzFkQ", Map.of(4, 80_990L, 7, 12L)),
            replyTo);

    var serializer = serialization.findSerializerFor(enqueue);
    byte[] bytes = serialization.serialize(enqueue).get();

    assertThat(
            serialization
                .deserialize(
                    bytes, serializer.identifier(), Serializers.manifestFor(serializer, enqueue))
                .get())
        .isEqualTo(enqueue);
  }

  private static void assertEveryEnqueueFitsTheFrameAndKeepsTheOrder(List<Job> jobs) {
    EnqueueBatches batches = EnqueueBatches.fromConfig(testKit.system().settings().config());
    Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
    var replyTo = testKit.<StatusReply<VirtualQueue.Accepted>>createTestProbe().ref();

    List<List<Job>> split = batches.split(jobs);
    assertThat(split).hasSizeGreaterThan(1);
    List<Job> joined = new ArrayList<>();
    for (List<Job> batch : split) {
      byte[] bytes = serialization.serialize(new VirtualQueue.Enqueue(batch, replyTo)).get();
      assertThat(bytes.length)
          .as("an Enqueue of %d jobs", batch.size())
          .isLessThan(FRAME - FRAME / 8);
      joined.addAll(batch);
    }
    assertThat(joined).isEqualTo(jobs);
  }

  private static Job job(int n, int payloadBytes, Map<String, String> headers) {
    byte[] payload = new byte[payloadBytes];
    Arrays.fill(payload, (byte) 'x');
    Job base = JobFixtures.job(PAIR, "m-" + n, "http://127.0.0.1:1/hook", Instant.now(), payload);
    return JobFixtures.withHeaders(base, headers);
  }
}
