package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Batches beyond the upload slots wait, up to a bound: one more is refused at once (its queue drops
 * it and sends it again later), so that a slow S3 does not make the node hold every pair's batch.
 */
class ArchiverTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final PairId PAIR = new PairId("shop", "hook");

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aBatchOverTheWaitingBoundIsRefusedAtOnce() {
    // uploads that never run: the one slot stays taken
    Executor never = task -> {};
    S3Client s3 =
        S3Client.builder()
            .region(Region.US_EAST_1)
            .endpointOverride(URI.create("http://127.0.0.1:1"))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
            .build();
    ActorRef<Archiver.Command> archiver =
        testKit.spawn(
            Archiver.create(
                new ArchiveStore(s3, "bucket"),
                new ArchiveKeys("archive"),
                1,
                2,
                never,
                new Archiver.Listener() {
                  @Override
                  public void stored(int objects, long bytes) {}

                  @Override
                  public void failed() {}
                }));
    TestProbe<StatusReply<Map<Ksuid, String>>> uploading = testKit.createTestProbe();
    TestProbe<StatusReply<Map<Ksuid, String>>> waiting = testKit.createTestProbe();
    TestProbe<StatusReply<Map<Ksuid, String>>> refused = testKit.createTestProbe();
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));

    archiver.tell(new Archiver.Store(PAIR, batch("a"), deadline, uploading.ref()));
    archiver.tell(new Archiver.Store(PAIR, batch("b"), deadline, waiting.ref()));
    archiver.tell(new Archiver.Store(PAIR, batch("c"), deadline, waiting.ref()));
    archiver.tell(new Archiver.Store(PAIR, batch("d"), deadline, refused.ref()));

    StatusReply<Map<Ksuid, String>> busy = refused.receiveMessage();
    assertThat(busy.isError()).isTrue();
    assertThat(busy.getError()).hasMessageContaining("the archive is busy: 2 batches wait");
    uploading.expectNoMessage(Duration.ofMillis(100));
    waiting.expectNoMessage(Duration.ofMillis(100));
    s3.close();
  }

  /**
   * A batch waits for a slot at most half of the time its queue waits for the answer: an upload
   * started at the end of a longer wait would answer nobody, and its queue would send it again.
   */
  @Test
  void aBatchWaitsForASlotAtMostHalfOfItsQueuesTimeout() {
    TestProbe<Archiver.Command> archiver = testKit.createTestProbe();
    Duration timeout = Duration.ofMinutes(5);
    Instant before = Instant.now();

    new S3ArchiveSink(archiver.ref(), testKit.system(), timeout).archive(PAIR, batch("a"));

    Archiver.Store store = archiver.expectMessageClass(Archiver.Store.class);
    assertThat(store.deadline())
        .isAfterOrEqualTo(before.plus(timeout.dividedBy(2)))
        .isBefore(Instant.now().plus(timeout.dividedBy(2)).plusSeconds(1));
  }

  /** With no upload slot, expired jobs would never be archived: the start stops, named. */
  @Test
  void noUploadSlotOrNoTimeStopsTheStartNamingTheSetting() {
    assertThatThrownBy(
            () ->
                ArchiveSettings.fromConfig(
                    ConfigFactory.parseString("eventrouter.archive.max-concurrent-uploads = 0")
                        .withFallback(ConfigFactory.load())
                        .resolve(),
                    Path.of("data")))
        .hasMessage("eventrouter.archive.max-concurrent-uploads must be at least 1, not 0");
    assertThatThrownBy(
            () ->
                ArchiveSettings.fromConfig(
                    ConfigFactory.parseString("eventrouter.archive.batch-timeout = 0s")
                        .withFallback(ConfigFactory.load())
                        .resolve(),
                    Path.of("data")))
        .hasMessageStartingWith("eventrouter.archive.batch-timeout must be more than 0");
  }

  private static List<ArchivedJob> batch(String messageId) {
    Job job = JobFixtures.job(PAIR, messageId, "https://hooks.example.com/in", Instant.now());
    return List.of(new ArchivedJob(job, List.of(new JobEvent.AwaitingScheduling(job))));
  }
}
