package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.testing.Answer;
import dev.eventrouter.queues.testing.RecordingArchive;
import dev.eventrouter.queues.testing.TestQueues;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination ordered per key: the jobs of one key are attempted one at a time in the order their
 * queue accepted them, the next once the previous outcome is persisted; a key waiting for a retry
 * holds back only its own jobs; a discarded or archived job releases its key; the order holds
 * across a restart. The destination here is a delivery client that records each request as it is
 * made and answers at once (or never): the order it records is the order requests left the queue.
 */
@ExtendWith(LogCapturingExtension.class)
class OrderedDeliveryTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String ENDPOINT = "https://ordered.example.com/in";

  @TempDir Path dataDir;

  @Test
  void aKeyWaitingForItsRetriesHoldsBackOnlyItsOwnLaterJobs() {
    DestinationSettings ordered = TestQueues.destination("ordered");
    PairId pair = new PairId("source-many-users", ordered.id());
    Recipient recipient = new Recipient();
    // the failing key's jobs fail until the test lets them through
    recipient.answer = job -> key(job).equals("failing") && recipient.failing ? 500 : 200;
    recipient.failing = true;
    ActorTestKit node = TestQueues.startNode(TestJournals.h2(dataDir));
    try {
      VirtualQueues queues =
          TestQueues.queues(node, TestQueues.only(ordered), recipient, new RecordingArchive());
      // three rounds over the failing key and 1,000 others, in Kafka order: round r is every
      // key's r-th event
      List<Job> kafkaOrder = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        kafkaOrder.add(job(pair, "failing", round, Instant.now()));
        for (int user = 0; user < 1_000; user++) {
          kafkaOrder.add(job(pair, "user-" + user, round, Instant.now()));
        }
      }
      // as the ingest would: batches in order, each once the one before is persisted
      for (int from = 0; from < kafkaOrder.size(); from += 500) {
        List<Job> batch = kafkaOrder.subList(from, Math.min(kafkaOrder.size(), from + 500));
        assertThat(queues.enqueue(pair, batch).toCompletableFuture().join().enqueued())
            .isEqualTo(batch.size());
      }

      await(
          node,
          () -> {
            assertThat(recipient.delivered()).hasSize(3_000);
            assertThat(queues.stats(pair).toCompletableFuture().join().pending()).isEqualTo(3);
          });
      // only its first job was ever tried, and more than once: its later ones wait behind it
      assertThat(recipient.byKey().get("failing")).hasSizeGreaterThan(1).containsOnly(0);

      recipient.failing = false;
      await(
          node,
          () -> assertThat(queues.stats(pair).toCompletableFuture().join().pending()).isZero());
      assertInKafkaOrder(recipient.byKey(), 3);
      assertThat(recipient.byKey()).hasSize(1_001);
    } finally {
      node.shutdownTestKit();
    }
  }

  @Test
  void aDiscardedOrArchivedJobReleasesItsKey() {
    DestinationSettings ordered = TestQueues.destination("ordered");
    PairId pair = new PairId("source-releases", ordered.id());
    Recipient recipient = new Recipient();
    // the refused key's first job is refused (discarded); the expiring key's first fails until
    // it expires, and goes to the archive
    recipient.answer =
        job ->
            switch (job.messageId()) {
              case "refused/0" -> 400;
              case "expiring/0" -> 500;
              default -> 200;
            };
    RecordingArchive archive = new RecordingArchive();
    ActorTestKit node = TestQueues.startNode(TestJournals.h2(dataDir));
    try {
      VirtualQueues queues = TestQueues.queues(node, TestQueues.only(ordered), recipient, archive);
      Instant now = Instant.now();
      Job expiring = job(pair, "expiring", 0, now);
      Job expiresSoon =
          JobFixtures.ordered(
              new Job(
                  expiring.id(),
                  pair,
                  expiring.messageId(),
                  ENDPOINT,
                  expiring.payload(),
                  expiring.headers(),
                  now,
                  now.plusSeconds(1)),
              expiring.orderingKey());
      List<Job> jobs =
          List.of(
              job(pair, "refused", 0, now),
              expiresSoon,
              job(pair, "refused", 1, now),
              job(pair, "expiring", 1, now),
              job(pair, "refused", 2, now),
              job(pair, "expiring", 2, now));

      queues.enqueue(pair, jobs).toCompletableFuture().join();

      await(
          node,
          () -> assertThat(queues.stats(pair).toCompletableFuture().join().pending()).isZero());
      Map<String, List<Integer>> byKey = recipient.byKey();
      assertThat(byKey.get("refused")).containsExactly(0, 1, 2);
      assertThat(archive.archivedIds(pair)).containsExactly(expiresSoon.id());
      // tried until it expired (on a slow start, not at all), and never after the jobs behind it
      assertThat(byKey.get("expiring")).isSorted().endsWith(1, 2);
    } finally {
      node.shutdownTestKit();
    }
  }

  /**
   * The attempts under way when a node stops are never answered, so their outcomes are not
   * persisted, as when the process is killed: after the restart they are made again, first.
   */
  @Test
  void theOrderHoldsAcrossARestartWithAttemptsUnderWay() {
    DestinationSettings ordered = TestQueues.destination("ordered");
    PairId pair = new PairId("source-restart", ordered.id());
    List<Job> kafkaOrder = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (int user = 0; user < 6; user++) {
        kafkaOrder.add(job(pair, "user-" + user, round, Instant.now()));
      }
    }

    Recipient silent = new Recipient();
    silent.answer = job -> 0;
    ActorTestKit first = TestQueues.startNode(TestJournals.h2(dataDir));
    try {
      VirtualQueues queues =
          TestQueues.queues(first, TestQueues.only(ordered), silent, new RecordingArchive());
      queues.enqueue(pair, kafkaOrder).toCompletableFuture().join();
      // one pass sends what the pair's 8 slots and the keys allow: each key's first job, no more
      await(first, () -> assertThat(silent.delivered()).hasSize(6));
      assertThat(silent.delivered()).allMatch(messageId -> messageId.endsWith("/0"));
    } finally {
      first.shutdownTestKit();
    }

    Recipient answering = new Recipient();
    ActorTestKit second = TestQueues.startNode(TestJournals.h2(dataDir));
    try {
      VirtualQueues queues =
          TestQueues.queues(second, TestQueues.only(ordered), answering, new RecordingArchive());
      // a message wakes the queue, as the ingest's next batch would
      await(
          second,
          () -> assertThat(queues.stats(pair).toCompletableFuture().join().pending()).isZero());
    } finally {
      second.shutdownTestKit();
    }
    Map<String, List<Integer>> both = silent.byKey();
    answering.byKey().forEach((key, seqs) -> both.get(key).addAll(seqs));
    // each key's first job twice (the attempt the stop cut, made again), never after a later one
    both.values().forEach(seqs -> assertThat(seqs).containsExactly(0, 0, 1, 2));
  }

  /**
   * A key's next job waits for the outcome of its previous one to be written: that write comes
   * within ordered-outcome-batch-delay, not after the longer window unordered outcomes wait for (an
   * hour here, so only the shorter one can let the key's later jobs go).
   */
  @Test
  void aKeyedOutcomeIsWrittenWithoutWaitingForTheUnorderedWindow() {
    DestinationSettings ordered = TestQueues.destination("ordered");
    PairId pair = new PairId("source-windows", ordered.id());
    Recipient recipient = new Recipient();
    ActorTestKit node =
        TestQueues.startNode(
            ConfigFactory.parseString("eventrouter.virtual-queue.outcome-batch-delay = 1h")
                .withFallback(TestJournals.h2(dataDir)));
    try {
      VirtualQueues queues =
          TestQueues.queues(node, TestQueues.only(ordered), recipient, new RecordingArchive());
      // an unordered outcome first, received and waiting for its window
      queues
          .enqueue(pair, List.of(JobFixtures.job(pair, "unordered/0", ENDPOINT, Instant.now())))
          .toCompletableFuture()
          .join();
      await(node, () -> assertThat(recipient.delivered()).contains("unordered/0"));

      List<Job> keyed = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        keyed.add(job(pair, "user", round, Instant.now()));
      }
      queues.enqueue(pair, keyed).toCompletableFuture().join();

      // each round is sent only once the outcome of the one before is written: within the short
      // window (the unordered outcome goes with the first of those writes, as a batch does)
      await(node, () -> assertThat(recipient.byKey().get("user")).containsExactly(0, 1, 2));
    } finally {
      node.shutdownTestKit();
    }
  }

  /** The r-th event of a key: message id {@code key/r}, the key's hash derived from its name. */
  private static Job job(PairId pair, String key, int round, Instant time) {
    return JobFixtures.ordered(
        JobFixtures.job(pair, key + "/" + round, ENDPOINT, time),
        // any 64-bit hash but 0 (no key) will do; the keys here have distinct ones
        1L + Integer.toUnsignedLong(key.hashCode()));
  }

  private static String key(Job job) {
    return job.messageId().substring(0, job.messageId().indexOf('/'));
  }

  /**
   * Every key's requests, in the order they were made, came in Kafka order: a job again (a retry)
   * right after itself, never after a later job of its key; the first attempts 0, 1, 2, ...
   */
  private static void assertInKafkaOrder(Map<String, List<Integer>> byKey, int perKey) {
    byKey.forEach(
        (key, rounds) -> {
          assertThat(rounds).as(key).isSorted();
          assertThat(rounds.stream().distinct().toList())
              .as(key)
              .containsExactlyElementsOf(IntStream.range(0, perKey).boxed().toList());
        });
  }

  private static void await(ActorTestKit node, Runnable assertion) {
    node.createTestProbe()
        .awaitAssert(
            WAIT,
            () -> {
              assertion.run();
              return null;
            });
  }

  /**
   * Records each request as it is made and answers it at once with the status {@link #answer}
   * gives, or, for 0, never.
   */
  private static final class Recipient implements DeliveryClient {

    /** A request made: the job's message id and the status it was answered with (0: none). */
    private record Request(String messageId, int status) {}

    private final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile ToIntFunction<Job> answer = job -> 200;
    volatile boolean failing;

    @Override
    public boolean send(DeliveryRequest request) {
      int status = answer.applyAsInt(request.job());
      requests.add(new Request(request.job().messageId(), status));
      if (status != 0) {
        Answer.respond(request, status);
      }
      return true;
    }

    /** The message ids of the jobs answered with a success, or never answered. */
    List<String> delivered() {
      return requests.stream()
          .filter(request -> request.status() == 0 || request.status() == 200)
          .map(Request::messageId)
          .distinct()
          .toList();
    }

    /** Per key, the rounds of its requests in the order they were made. */
    Map<String, List<Integer>> byKey() {
      Map<String, List<Integer>> byKey = new LinkedHashMap<>();
      for (Request request : requests) {
        String messageId = request.messageId();
        int slash = messageId.indexOf('/');
        byKey
            .computeIfAbsent(messageId.substring(0, slash), k -> new ArrayList<>())
            .add(Integer.parseInt(messageId.substring(slash + 1)));
      }
      return byKey;
    }
  }
}
