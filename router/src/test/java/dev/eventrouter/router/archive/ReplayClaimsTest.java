package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay claims on their own, on a real S3 API (the embedded store) with the queue stood in for
 * and the clock fixed: what a replay that stopped half way leaves is taken over only while the
 * queue would still recognise the jobs, and two replays asked at once on a node take each job once.
 */
class ReplayClaimsTest {

  private static final Duration DEDUPE_WINDOW = Duration.ofMinutes(15);
  private static final Instant HOUR = Instant.parse("2026-11-26T10:00:00Z");
  private static final PairId PAIR = new PairId("shop", "webhook");

  @TempDir Path dataDir;
  EmbeddedS3 s3;
  ArchiveStore store;
  ArchiveKeys keys = new ArchiveKeys("archive");
  ExecutorService blocking = Executors.newCachedThreadPool();

  /** Every job the stand-in queue was asked to enqueue, in order. */
  List<Ksuid> enqueued = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() {
    ArchiveSettings settings =
        new ArchiveSettings(
            "",
            "us-east-1",
            "",
            "",
            "claims",
            true,
            true,
            "archive",
            1,
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            "127.0.0.1",
            0,
            dataDir.resolve("s3"),
            "tester",
            "tester-secret");
    s3 = EmbeddedS3.start(settings);
    store = ArchiveStore.connect(settings, s3.endpoint());
  }

  @AfterEach
  void stop() {
    blocking.shutdownNow();
    store.close();
    s3.close();
  }

  @Test
  void aReplayThatStoppedBeforeEnqueueingIsTakenOverWithinTheDedupeWindowAndReportedAfterIt() {
    Job a = archive("a", HOUR.plus(Duration.ofMinutes(1)));
    Job b = archive("b", HOUR.plus(Duration.ofMinutes(2)));
    Instant stoppedAt = HOUR.plus(Duration.ofHours(5));
    Replayer stopping =
        replayer(
            stoppedAt,
            (pair, jobs) ->
                CompletableFuture.failedFuture(
                    new IllegalStateException("the queue did not answer")));
    assertThatThrownBy(() -> replay(stopping, "stopped", false))
        .isInstanceOf(CompletionException.class);
    assertThat(enqueued).isEmpty();

    // within the window the queue would recognise the job if it had reached it: taken over (the
    // replay stopped at the first object, the second was not claimed)
    Replayer.Report takenOver =
        replay(
            replayer(stoppedAt.plus(DEDUPE_WINDOW).minusSeconds(1), this::accept),
            "taken-over",
            false);
    assertThat(takenOver.resumed()).isEqualTo(1);
    assertThat(takenOver.enqueued()).isEqualTo(2);
    assertThat(enqueued).containsExactlyInAnyOrder(replayed(a), replayed(b));
    // and now it is confirmed: later replays leave it, however late
    Replayer.Report later =
        replay(replayer(stoppedAt.plus(Duration.ofDays(2)), this::accept), "later", false);
    assertThat(later.enqueued()).isZero();
    assertThat(later.replayedBefore()).isEqualTo(2);
    assertThat(later.unconfirmed()).isZero();
  }

  @Test
  void aReplayThatStoppedLongerAgoThanTheDedupeWindowIsReportedNotEnqueuedUnlessForced() {
    Job a = archive("a", HOUR.plus(Duration.ofMinutes(1)));
    Instant stoppedAt = HOUR.plus(Duration.ofHours(5));
    // the queue took the job, the replay stopped before recording it
    Replayer stopping =
        replayer(
            stoppedAt,
            (pair, jobs) ->
                accept(pair, jobs)
                    .thenApply(
                        accepted -> {
                          throw new IllegalStateException("stopped");
                        }));
    assertThatThrownBy(() -> replay(stopping, "stopped", false))
        .isInstanceOf(CompletionException.class);

    Replayer.Report late =
        replay(replayer(stoppedAt.plus(DEDUPE_WINDOW), this::accept), "late", false);
    assertThat(late.enqueued()).isZero();
    assertThat(late.unconfirmed()).isEqualTo(1);
    assertThat(enqueued).containsExactly(replayed(a));

    Replayer.Report forced =
        replay(replayer(stoppedAt.plus(DEDUPE_WINDOW), this::accept), "forced", true);
    assertThat(forced.enqueued()).isEqualTo(1);
    assertThat(enqueued).containsExactly(replayed(a), replayed(a));
  }

  @Test
  void twoReplaysAskedAtOnceOnANodeEnqueueEachJobOnce() throws Exception {
    Job a = archive("a", HOUR.plus(Duration.ofMinutes(1)));
    CountDownLatch firstEnqueueing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Replayer replayer =
        replayer(
            HOUR.plus(Duration.ofHours(5)),
            (pair, jobs) -> {
              firstEnqueueing.countDown();
              return CompletableFuture.runAsync(() -> await(release), blocking)
                  .thenCompose(done -> accept(pair, jobs));
            });
    Replayer.Request request =
        new Replayer.Request("shop", "webhook", HOUR, HOUR.plus(Duration.ofHours(1)), false);
    // as the admin API and the replay command would, one right after the other
    CompletableFuture<Replayer.Report> first =
        replayer.replay("api", request).toCompletableFuture();
    assertThat(firstEnqueueing.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Replayer.Report> second =
        replayer.replay("command", request).toCompletableFuture();
    release.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).enqueued()).isEqualTo(1);
    assertThat(second.get(30, TimeUnit.SECONDS).replayedBefore()).isEqualTo(1);
    assertThat(enqueued).containsExactly(replayed(a));
  }

  private Replayer replayer(Instant now, Replayer.Queues queues) {
    return new Replayer(
        store,
        keys,
        queues,
        pair -> Optional.empty(),
        blocking,
        Clock.fixed(now, ZoneOffset.UTC),
        DEDUPE_WINDOW,
        replayed -> {});
  }

  private static Replayer.Report replay(Replayer replayer, String id, boolean force) {
    return replayer
        .replay(
            id,
            new Replayer.Request("shop", "webhook", HOUR, HOUR.plus(Duration.ofHours(1)), force))
        .toCompletableFuture()
        .join();
  }

  /** The stand-in queue: takes every job, as new. */
  private CompletionStage<VirtualQueue.Accepted> accept(PairId pair, List<Job> jobs) {
    jobs.forEach(job -> enqueued.add(job.id()));
    return CompletableFuture.completedFuture(new VirtualQueue.Accepted(jobs.size(), 0));
  }

  private Job archive(String messageId, Instant createdAt) {
    Job job =
        new Job(
            Ksuid.derive(createdAt, messageId),
            PAIR,
            messageId,
            "http://127.0.0.1:1/webhook",
            messageId.getBytes(StandardCharsets.UTF_8),
            Map.of(),
            createdAt,
            createdAt.plus(Duration.ofHours(1)));
    store.put(
        keys.object(PAIR, ArchiveKeys.hour(createdAt), List.of(job.id())),
        ArchiveRecords.write(
            List.of(
                new ArchivedJob(
                    job,
                    List.of(
                        new JobEvent.Archiving(
                            job.id(), job.expireAt(), JobEvent.Archiving.EXPIRED))))),
        "application/x-ndjson");
    return job;
  }

  private static Ksuid replayed(Job archived) {
    return archived.replay(Instant.EPOCH, Duration.ZERO).id();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
