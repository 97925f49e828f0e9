package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.VirtualQueue;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
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
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replayer on its own, on a real S3 API (the embedded store) with the queue stood in for and
 * the clock fixed. Its claims: what a replay that stopped half way leaves is taken over only while
 * the queue would still recognise the jobs, and two replays asked at once on a node take each job
 * once. And objects it did not write: a job goes where its pair's route goes now, whatever its
 * record says; what is not a whole job of the pair is skipped, and the rest replayed.
 */
class ReplayClaimsTest {

  private static final Duration DEDUPE_WINDOW = Duration.ofMinutes(15);
  private static final Instant HOUR = Instant.parse("2026-11-26T10:00:00Z");
  private static final PairId PAIR = new PairId("shop", "webhook");

  /** The pair's route now: where its replayed jobs go. */
  private static final Replayer.Route ROUTE =
      new Replayer.Route(
          "https://hooks.example.com/in",
          Map.of("X-Api-Key", "{{secret:HOOK_KEY}}"),
          DEDUPE_WINDOW);

  @TempDir Path dataDir;
  EmbeddedS3 s3;
  ArchiveStore store;
  ArchiveKeys keys = new ArchiveKeys("archive");
  ExecutorService blocking = Executors.newCachedThreadPool();

  /** Every job the stand-in queue was asked to enqueue, in order. */
  List<Ksuid> enqueued = Collections.synchronizedList(new ArrayList<>());

  List<Job> enqueuedJobs = Collections.synchronizedList(new ArrayList<>());

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
            16,
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
        pair -> pair.equals(PAIR) ? Optional.of(ROUTE) : Optional.empty(),
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

  /**
   * Whoever can write to the bucket cannot choose where a replay sends: the job goes to its pair's
   * endpoint now, with its destination's headers now (a secret named in an object's headers would
   * otherwise go to the object's endpoint).
   */
  @Test
  void aReplayedJobGoesWhereItsPairsRouteGoesNowNotWhereItsRecordSays() {
    Job planted = archive("planted", HOUR.plus(Duration.ofMinutes(1)));
    assertThat(planted.endpoint()).isNotEqualTo(ROUTE.endpoint());

    Replayer.Report report =
        replay(replayer(HOUR.plus(Duration.ofHours(5)), this::accept), "routed", false);

    assertThat(report.enqueued()).isEqualTo(1);
    assertThat(enqueuedJobs)
        .singleElement()
        .satisfies(
            job -> {
              assertThat(job.endpoint()).isEqualTo(ROUTE.endpoint());
              assertThat(job.headers()).isEqualTo(ROUTE.headers());
              assertThat(job.id()).isEqualTo(replayed(planted));
            });
  }

  /** A pair its source no longer sends to is reported, and nothing of it replayed. */
  @Test
  void aPairWithoutARouteNowIsReportedAndNotReplayed() {
    PairId gone = new PairId("shop", "gone");
    archive(gone, "a", HOUR.plus(Duration.ofMinutes(1)));

    Replayer.Report report =
        replayer(HOUR.plus(Duration.ofHours(5)), this::accept)
            .replay(
                "unrouted",
                new Replayer.Request("shop", "gone", HOUR, HOUR.plus(Duration.ofHours(1)), false))
            .toCompletableFuture()
            .join();

    assertThat(report.unrouted()).containsExactly(gone.entityId());
    assertThat(report.enqueued()).isZero();
    assertThat(enqueued).isEmpty();
  }

  /**
   * A replay of every source of a destination may meet a hundred thousand pairs: its report names
   * the first hundred of each kind and counts them all (it is copied after every object, and read
   * by every poll of its status).
   */
  @Test
  void aReportNamesTheFirstHundredPairsOfEachKindAndCountsThemAll() {
    for (int i = 0; i < Replayer.Report.NAMED + 20; i++) {
      archive(new PairId("source-" + i, "gone"), "a", HOUR.plus(Duration.ofMinutes(1)));
    }

    Replayer.Report report =
        replayer(HOUR.plus(Duration.ofHours(5)), this::accept)
            .replay(
                "many",
                new Replayer.Request(null, "gone", HOUR, HOUR.plus(Duration.ofHours(1)), false))
            .toCompletableFuture()
            .join();

    assertThat(report.unrouted()).hasSize(Replayer.Report.NAMED);
    assertThat(report.unroutedCount()).isEqualTo(Replayer.Report.NAMED + 20);
    assertThat(report.pairs()).isEmpty();
    assertThat(report.pairCount()).isZero();
  }

  /**
   * Objects the router did not write as they are: a line that is no JSON, a record without its
   * payload, a record of another pair, a line longer than any record (a gzip of zeros), an object
   * cut short, one that is no gzip. Each is skipped and counted, the replay goes on, and every
   * whole job of the pair in them is replayed; none is claimed without being enqueued.
   */
  @Test
  void whatIsNoWholeJobOfThePairIsSkippedAndTheRestReplayed() throws Exception {
    Job a = archive("a", HOUR.plus(Duration.ofMinutes(1)));
    Job b = job(PAIR, "b", HOUR.plus(Duration.ofMinutes(2)));
    Job other = job(new PairId("other", "webhook"), "o", HOUR.plus(Duration.ofMinutes(3)));
    String good = line(b);
    ByteArrayOutputStream mixed = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(mixed)) {
      gzip.write("not json\n".getBytes(StandardCharsets.UTF_8));
      gzip.write(
          (good.replaceFirst(",\"payload\":\"[^\"]*\"", "") + "\n")
              .getBytes(StandardCharsets.UTF_8));
      gzip.write((line(other) + "\n").getBytes(StandardCharsets.UTF_8));
      gzip.write(new byte[ArchiveRecords.MAX_LINE_BYTES + 1]);
      gzip.write('\n');
      gzip.write((good + "\n").getBytes(StandardCharsets.UTF_8));
    }
    Instant hour = ArchiveKeys.hour(b.createdAt());
    store.put(
        keys.object(PAIR, hour, List.of(b.id())), mixed.toByteArray(), "application/x-ndjson");
    byte[] whole = ArchiveRecords.write(List.of(archived(job(PAIR, "c", hour.plusSeconds(240)))));
    store.put(
        keys.object(PAIR, hour, List.of(Ksuid.derive(hour, "cut"))),
        Arrays.copyOf(whole, whole.length / 2),
        "application/x-ndjson");
    store.put(
        keys.object(PAIR, hour, List.of(Ksuid.derive(hour, "plain"))),
        "{}".getBytes(StandardCharsets.UTF_8),
        "application/x-ndjson");

    Replayer.Report report =
        replay(replayer(HOUR.plus(Duration.ofHours(5)), this::accept), "mixed", false);

    assertThat(enqueued).containsExactlyInAnyOrder(replayed(a), replayed(b));
    assertThat(report.enqueued()).isEqualTo(2);
    // four lines of the mixed object, the cut one, the one that is no gzip
    assertThat(report.unreadable()).isEqualTo(6);
  }

  /**
   * A replay lists the objects of its range's hours only, not the pair's whole archive: from the
   * hour of its start to the last hour before its end, whatever the minutes.
   */
  @Test
  void aReplayListsTheObjectsOfItsRangesHoursOnly() {
    List<Job> jobs = new ArrayList<>();
    for (int hour = -3; hour <= 3; hour++) {
      jobs.add(archive("h" + hour, HOUR.plus(Duration.ofHours(hour)).plusSeconds(90)));
    }
    Instant from = HOUR.minus(Duration.ofMinutes(30));
    Instant to = HOUR.plus(Duration.ofMinutes(90));

    List<String> listed =
        store.keys(
            keys.pairPrefix(PAIR),
            keys.keysFrom(PAIR, from).orElseThrow(),
            keys.keysBefore(PAIR, to).orElseThrow());

    assertThat(listed).hasSize(3).allSatisfy(key -> assertThat(keys.hourOf(key)).isPresent());
    assertThat(listed.stream().map(key -> keys.hourOf(key).orElseThrow()))
        .containsExactly(HOUR.minus(Duration.ofHours(1)), HOUR, HOUR.plus(Duration.ofHours(1)));
    assertThat(keys.keysBefore(PAIR, Instant.MAX)).isEmpty();
    assertThat(store.keys(keys.pairPrefix(PAIR))).hasSize(jobs.size());
  }

  /** The stand-in queue: takes every job, as new. */
  private CompletionStage<VirtualQueue.Accepted> accept(PairId pair, List<Job> jobs) {
    jobs.forEach(job -> enqueued.add(job.id()));
    enqueuedJobs.addAll(jobs);
    return CompletableFuture.completedFuture(new VirtualQueue.Accepted(jobs.size(), 0));
  }

  private Job archive(String messageId, Instant createdAt) {
    return archive(PAIR, messageId, createdAt);
  }

  private Job archive(PairId pair, String messageId, Instant createdAt) {
    Job job = job(pair, messageId, createdAt);
    store.put(
        keys.object(pair, ArchiveKeys.hour(createdAt), List.of(job.id())),
        ArchiveRecords.write(List.of(archived(job))),
        "application/x-ndjson");
    return job;
  }

  /** A job of the pair, to an endpoint its route does not have. */
  private static Job job(PairId pair, String messageId, Instant createdAt) {
    return new Job(
        Ksuid.derive(createdAt, messageId),
        pair,
        messageId,
        "http://127.0.0.1:1/webhook",
        messageId.getBytes(StandardCharsets.UTF_8),
        Map.of(),
        createdAt,
        createdAt.plus(Duration.ofHours(1)));
  }

  private static ArchivedJob archived(Job job) {
    return new ArchivedJob(
        job, List.of(new JobEvent.Archiving(job.id(), job.expireAt(), JobEvent.Archiving.EXPIRED)));
  }

  /** The job's line in an archive object. */
  private static String line(Job job) throws Exception {
    byte[] object = ArchiveRecords.write(List.of(archived(job)));
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(object))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
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
