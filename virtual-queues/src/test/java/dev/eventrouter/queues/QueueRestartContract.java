package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.delivery.HttpDeliveryClient;
import dev.eventrouter.queues.delivery.Secrets;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.testing.RecordingArchive;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.TestQueues;
import dev.eventrouter.queues.testing.Traces;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Jobs persisted but not yet delivered when the actor system stops are delivered after a restart on
 * the same journal, without any new message reaching their queue. One suite, every journal (and a
 * journal sharded over two databases).
 */
@ExtendWith(LogCapturingExtension.class)
abstract class QueueRestartContract {

  /** The id of the ingest topic the records of these tests come from. */
  private static final String TOPIC = "topic-1";

  protected abstract Config journalConfig();

  @Test
  void jobsAcceptedBeforeAStopAreDeliveredAfterTheRestart() {
    DestinationSettings webhook = TestQueues.destination("webhook");
    List<PairId> pairs = pairsInEveryShard("restart-", webhook.id());

    ActorTestKit first = TestQueues.startNode(journalConfig());
    List<DeliveryRequest> neverAnswered = new CopyOnWriteArrayList<>();
    ScriptedDestination destination = new ScriptedDestination(first.system());
    Map<PairId, List<Job>> jobs = new HashMap<>();
    // the first node only accepts: its delivery client swallows every request
    VirtualQueues queues =
        TestQueues.queues(
            first, TestQueues.only(webhook), neverAnswered::add, new RecordingArchive());
    for (PairId pair : pairs) {
      jobs.put(
          pair,
          IntStream.range(0, 15)
              .mapToObj(
                  i ->
                      JobFixtures.job(
                          pair,
                          pair.source() + "-" + i,
                          destination.url(path(pair)),
                          Instant.now()))
              .toList());
      assertThat(queues.enqueue(pair, jobs.get(pair)).toCompletableFuture().join().enqueued())
          .isEqualTo(15);
    }
    first.createTestProbe().awaitAssert(() -> assertThat(neverAnswered).hasSize(8 * pairs.size()));
    destination.close();
    first.shutdownTestKit();

    ActorTestKit second = TestQueues.startNode(journalConfig());
    try {
      ScriptedDestination restarted = new ScriptedDestination(second.system());
      // same jobs, new port: point them at the new server through a client that rewrites the port
      HttpDeliveryClient http =
          new HttpDeliveryClient(
              second.system(), Clock.systemUTC(), 1024, TestQueues.LOOPBACK, Secrets.NONE);
      TestQueues.queues(
          second,
          TestQueues.only(webhook),
          retargeting(http, pairs, restarted),
          new RecordingArchive());

      second
          .createTestProbe()
          .awaitAssert(
              Duration.ofSeconds(30),
              () -> {
                for (PairId pair : pairs) {
                  assertThat(restarted.received(path(pair)))
                      .extracting(r -> r.header("Idempotency-Key"))
                      .containsExactlyInAnyOrderElementsOf(
                          jobs.get(pair).stream().map(j -> j.id().toString()).toList());
                }
                return null;
              });
      restarted.close();
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void aRetryScheduledBeforeAStopHappensAtItsTimeAfterTheRestart() {
    String source = "retry-" + UUID.randomUUID().toString().substring(0, 8);
    DestinationSettings base = TestQueues.destination("webhook");
    // the retry comes 4 to 8 seconds after the failure: long enough to restart in between
    DestinationSettings slowRetries =
        new DestinationSettings(
            base.id(),
            base.maxInFlightPerPair(),
            base.ratePerSecond(),
            base.maxConnections(),
            base.timeout(),
            new RetryPolicy(Duration.ofSeconds(8), Duration.ofSeconds(8)),
            base.expireAfter(),
            base.breaker());
    PairId pair = new PairId(source, slowRetries.id());
    String path = path(pair);

    ActorTestKit first = TestQueues.startNode(journalConfig());
    ScriptedDestination failing =
        new ScriptedDestination(first.system())
            .script(path, ScriptedDestination.Response.status(503));
    Job job = JobFixtures.job(pair, source, failing.url(path), Instant.now());
    HttpDeliveryClient firstHttp =
        new HttpDeliveryClient(
            first.system(), Clock.systemUTC(), 64, TestQueues.LOOPBACK, Secrets.NONE);
    VirtualQueues queues =
        TestQueues.queues(
            first, TestQueues.only(slowRetries), firstHttp::send, new RecordingArchive());
    queues.enqueue(pair, List.of(job)).toCompletableFuture().join();
    JobEvent.AwaitingRetry[] scheduled = new JobEvent.AwaitingRetry[1];
    first
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(20),
            () -> {
              List<JobEvent> trace = Traces.trace(first.system(), pair, job.id());
              assertThat(trace).hasSize(2);
              scheduled[0] = (JobEvent.AwaitingRetry) trace.get(1);
              return null;
            });
    failing.close();
    first.shutdownTestKit();
    Instant retryAt = scheduled[0].retryAt();

    ActorTestKit second = TestQueues.startNode(journalConfig());
    try {
      assertThat(Instant.now()).as("restarted before the retry was due").isBefore(retryAt);
      ScriptedDestination recovered = new ScriptedDestination(second.system());
      HttpDeliveryClient http =
          new HttpDeliveryClient(
              second.system(), Clock.systemUTC(), 64, TestQueues.LOOPBACK, Secrets.NONE);
      TestQueues.queues(
          second,
          TestQueues.only(slowRetries),
          retargeting(http, List.of(pair), recovered),
          new RecordingArchive());

      second
          .createTestProbe()
          .awaitAssert(
              Duration.ofSeconds(30),
              () -> {
                assertThat(recovered.received(path)).hasSize(1);
                return null;
              });
      ScriptedDestination.Received retried = recovered.received(path).get(0);
      assertThat(retried.header("X-Delivery-Attempt")).isEqualTo("2");
      // timers have millisecond resolution; the attempt is not made before its time
      assertThat(retried.at()).isAfterOrEqualTo(retryAt.minusMillis(5));
      recovered.close();
    } finally {
      second.shutdownTestKit();
    }
  }

  /**
   * The ingest restarted reads again records whose jobs were delivered before the restart, and
   * knows nothing yet of what was persisted: the queue refuses them all, those below what the
   * ingest told it before (it remembers that, not their ids) and those above (by their ids: it
   * remembers ten finished jobs, no more). A snapshot after each event: the journal rows of the
   * finished jobs are deleted; in a group, which takes no snapshot, the log says what was told.
   */
  @Test
  void recordsReadAgainAfterARestartAreRefused() {
    Config config =
        ConfigFactory.parseString(
                """
                eventrouter.virtual-queue.snapshot-every = 1
                eventrouter.virtual-queue.dedupe-max-entries = 10
                """)
            .withFallback(journalConfig());
    DestinationSettings webhook = TestQueues.destination("webhook");
    PairId pair =
        new PairId("reread-" + UUID.randomUUID().toString().substring(0, 8), webhook.id());

    ActorTestKit first = TestQueues.startNode(config);
    ScriptedDestination destination = new ScriptedDestination(first.system());
    List<Job> records =
        IntStream.range(0, 20)
            .mapToObj(
                i ->
                    JobFixtures.fromRecord(
                        JobFixtures.job(
                            pair,
                            pair.source() + "-" + i,
                            destination.url(path(pair)),
                            Instant.now()),
                        0,
                        500L + i))
            .toList();
    try {
      HttpDeliveryClient http =
          new HttpDeliveryClient(
              first.system(), Clock.systemUTC(), 64, TestQueues.LOOPBACK, Secrets.NONE);
      VirtualQueues queues =
          TestQueues.queues(first, TestQueues.only(webhook), http::send, new RecordingArchive());
      queues
          .enqueue(pair, records.subList(0, 10), new PersistedRecords(TOPIC, Map.of()))
          .toCompletableFuture()
          .join();
      awaitDelivered(first, destination, pair, 10);
      // the first ten are persisted: the ingest says so with the next ten
      queues
          .enqueue(pair, records.subList(10, 20), new PersistedRecords(TOPIC, Map.of(0, 510L)))
          .toCompletableFuture()
          .join();
      awaitDelivered(first, destination, pair, 20);
      first
          .createTestProbe()
          .awaitAssert(
              Duration.ofSeconds(20),
              () -> {
                assertThat(queues.stats(pair).toCompletableFuture().join().pending()).isZero();
                return null;
              });
    } finally {
      destination.close();
      first.shutdownTestKit();
    }

    ActorTestKit second = TestQueues.startNode(config);
    try {
      List<DeliveryRequest> sent = new CopyOnWriteArrayList<>();
      VirtualQueues queues =
          TestQueues.queues(second, TestQueues.only(webhook), sent::add, new RecordingArchive());

      assertThat(
              queues
                  .enqueue(pair, records, new PersistedRecords(TOPIC, Map.of()))
                  .toCompletableFuture()
                  .join())
          .isEqualTo(new VirtualQueue.Accepted(0, 20));
      assertThat(queues.stats(pair).toCompletableFuture().join().pending()).isZero();
      assertThat(sent).isEmpty();
    } finally {
      second.shutdownTestKit();
    }
  }

  private static void awaitDelivered(
      ActorTestKit node, ScriptedDestination destination, PairId pair, int count) {
    node.createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(20),
            () -> {
              assertThat(destination.received(path(pair))).hasSize(count);
              return null;
            });
  }

  /**
   * One pair per database of the configured journal (a queue's database follows from its id), so
   * that a sharded journal is restarted with queues in each.
   */
  private List<PairId> pairsInEveryShard(String prefix, String destination) {
    JournalSettings journal = JournalSettings.fromConfig(journalConfig());
    Map<Integer, PairId> byShard = new TreeMap<>();
    String run = UUID.randomUUID().toString().substring(0, 8);
    for (int i = 0; byShard.size() < journal.shards().size(); i++) {
      PairId pair = new PairId(prefix + run + "-" + i, destination);
      byShard.putIfAbsent(journal.shardOf(VirtualQueue.persistenceId(pair).id()).index(), pair);
    }
    return List.copyOf(byShard.values());
  }

  private static String path(PairId pair) {
    return "/webhook/" + pair.source();
  }

  /**
   * Sends these pairs' requests to the new server (its port); any other queue's requests are taken
   * and never answered: they are not this test's.
   */
  private static DeliveryClient retargeting(
      HttpDeliveryClient http, List<PairId> pairs, ScriptedDestination server) {
    return request ->
        !pairs.contains(request.job().pair())
            || http.send(retarget(request, server.url(path(request.job().pair()))));
  }

  private static DeliveryRequest retarget(DeliveryRequest request, String endpoint) {
    Job job = request.job();
    Job moved =
        new Job(
            job.id(),
            job.pair(),
            job.messageId(),
            endpoint,
            job.payload(),
            job.headers(),
            job.createdAt(),
            job.expireAt());
    return new DeliveryRequest(moved, request.attempt(), request.destination(), request.replyTo());
  }
}
