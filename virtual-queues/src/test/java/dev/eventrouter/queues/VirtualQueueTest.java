package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.delivery.HttpDeliveryClient;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.ScriptedDestination.Received;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import dev.eventrouter.queues.testing.Traces;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The virtual queue's behaviour, through sharding, on the H2 journal, against real HTTP. */
class VirtualQueueTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final AtomicInteger sources = new AtomicInteger();

  @TempDir static Path dataDir;
  static ActorTestKit testKit;
  static ScriptedDestination destination;
  static VirtualQueues queues;
  static final Map<String, DestinationSettings> destinations = new ConcurrentHashMap<>();
  /** Requests to destinations named "held-*": accepted and never answered. */
  static final List<DeliveryRequest> held = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    testKit = TestQueues.startNode(TestJournals.h2(dataDir));
    destination = new ScriptedDestination(testKit.system());
    HttpDeliveryClient http = new HttpDeliveryClient(testKit.system(), Clock.systemUTC(), 1024);
    queues = TestQueues.queues(testKit,
        id -> Optional.ofNullable(destinations.get(id)),
        request -> request.destination().id().startsWith("held-") ? held.add(request) : http.send(request));
  }

  @AfterAll
  static void stop() {
    destination.close();
    testKit.shutdownTestKit();
  }

  @Test
  void deliversEachJobOnceAndPersistsItsSuccess() {
    PairId pair = newPair("webhook");
    List<Job> jobs = jobs(pair, 20);

    VirtualQueue.Accepted accepted = enqueue(pair, jobs);

    assertThat(accepted).isEqualTo(new VirtualQueue.Accepted(20, 0));
    awaitEmpty(pair);
    List<Received> requests = destination.received(path(pair));
    assertThat(requests).extracting(r -> r.header("Idempotency-Key"))
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(j -> j.id().toString()).toList());
    assertThat(requests).allSatisfy(r -> assertThat(r.header("X-Delivery-Attempt")).isEqualTo("1"));
    assertThat(requests.get(0).body()).isEqualTo(jobOf(jobs, requests.get(0)).payload());
    List<JobEvent> events = Traces.events(testKit.system(), pair);
    assertThat(events).filteredOn(JobEvent.Succeeded.class::isInstance).hasSize(20);
    assertThat(events).filteredOn(JobEvent.AwaitingScheduling.class::isInstance).hasSize(20);
  }

  @Test
  void acknowledgesJobsItAlreadyHoldsWithoutAddingThemAgain() {
    PairId pair = newPair("held-dedupe");
    List<Job> jobs = jobs(pair, 5);

    assertThat(enqueue(pair, jobs)).isEqualTo(new VirtualQueue.Accepted(5, 0));
    assertThat(enqueue(pair, jobs)).isEqualTo(new VirtualQueue.Accepted(0, 5));
    List<Job> withRepeats = new ArrayList<>(jobs(pair, 7).subList(5, 7));
    withRepeats.add(withRepeats.get(0));
    assertThat(enqueue(pair, withRepeats)).isEqualTo(new VirtualQueue.Accepted(2, 1));

    assertThat(Traces.events(testKit.system(), pair)).hasSize(7);
  }

  @Test
  void attemptsARetryableFailureAgainUntilItSucceeds() {
    PairId pair = newPair("flaky");
    destination.script(path(pair), Response.status(500), Response.status(503), Response.status(200));
    Job job = jobs(pair, 1).get(0);

    enqueue(pair, List.of(job));

    awaitEmpty(pair);
    assertThat(destination.received(path(pair))).extracting(r -> r.header("X-Delivery-Attempt"))
        .containsExactly("1", "2", "3");
    List<JobEvent> trace = Traces.trace(testKit.system(), pair, job.id());
    assertThat(trace).extracting(e -> e.getClass().getSimpleName())
        .containsExactly("AwaitingScheduling", "AwaitingRetry", "AwaitingRetry", "Succeeded");
    JobEvent.AwaitingRetry firstRetry = (JobEvent.AwaitingRetry) trace.get(1);
    assertThat(firstRetry.attempt().httpStatus()).isEqualTo(500);
    assertThat(firstRetry.attempt().number()).isEqualTo(1);
    assertThat(firstRetry.retryAt()).isAfterOrEqualTo(firstRetry.attempt().finishedAt());
    assertThat(((JobEvent.Succeeded) trace.get(3)).attempt().number()).isEqualTo(3);
  }

  @Test
  void discardsAJobTheDestinationRefusesWithItsStatus() {
    PairId pair = newPair("strict");
    destination.script(path(pair), Response.status(400));
    Job job = jobs(pair, 1).get(0);

    enqueue(pair, List.of(job));

    awaitEmpty(pair);
    assertThat(destination.received(path(pair))).hasSize(1);
    assertThat(Traces.trace(testKit.system(), pair, job.id()).get(1))
        .isInstanceOfSatisfying(JobEvent.Discarded.class, d -> {
          assertThat(d.attempt().httpStatus()).isEqualTo(400);
          assertThat(d.reason()).isEqualTo("HTTP 400");
        });
  }

  @Test
  void waitsAsLongAsRetryAfterSays() {
    PairId pair = newPair("limited");
    destination.script(path(pair), Response.status(429).withHeader("Retry-After", "1"),
        Response.status(200));

    enqueue(pair, jobs(pair, 1));

    awaitEmpty(pair);
    List<Received> requests = destination.received(path(pair));
    assertThat(requests).hasSize(2);
    assertThat(Duration.between(requests.get(0).at(), requests.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
  }

  @Test
  void keepsAtMostItsInFlightLimitOutstanding() {
    PairId pair = newPair("held-bounded");
    enqueue(pair, jobs(pair, 30));

    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(WAIT, () -> assertThat(stats(pair).inFlight()).isEqualTo(8));
    assertThat(held).filteredOn(r -> r.job().pair().equals(pair)).hasSize(8);
    assertThat(stats(pair).pending()).isEqualTo(30);
  }

  @Test
  void refusesJobsOfAnotherPairAndPersistsNothing() {
    PairId pair = newPair("held-mixed");
    List<Job> batch = new ArrayList<>(jobs(pair, 2));
    batch.addAll(jobs(newPair("held-other"), 1));

    assertThatThrownBy(() -> enqueue(pair, batch))
        .isInstanceOf(CompletionException.class)
        .hasMessageContaining("is for");
    assertThat(Traces.events(testKit.system(), pair)).isEmpty();
  }

  // ---- helpers ----

  private static PairId newPair(String destinationId) {
    PairId pair = new PairId("source-" + sources.incrementAndGet(), destinationId);
    destinations.putIfAbsent(destinationId, TestQueues.destination(destinationId));
    return pair;
  }

  private static String path(PairId pair) {
    return "/" + pair.destination() + "/" + pair.source();
  }

  private static List<Job> jobs(PairId pair, int count) {
    Instant now = Instant.now();
    String run = UUID.randomUUID().toString().substring(0, 8);
    return IntStream.range(0, count)
        .mapToObj(i -> JobFixtures.job(pair, run + "-" + i, destination.url(path(pair)), now))
        .toList();
  }

  private static Job jobOf(List<Job> jobs, Received request) {
    Ksuid id = Ksuid.parse(request.header("Idempotency-Key"));
    return jobs.stream().filter(j -> j.id().equals(id)).findFirst().orElseThrow();
  }

  private static VirtualQueue.Accepted enqueue(PairId pair, List<Job> jobs) {
    return queues.enqueue(pair, jobs).toCompletableFuture().join();
  }

  private static VirtualQueue.QueueStats stats(PairId pair) {
    return queues.stats(pair).toCompletableFuture().join();
  }

  private static void awaitEmpty(PairId pair) {
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      VirtualQueue.QueueStats stats = stats(pair);
      assertThat(stats.pending()).isZero();
      assertThat(stats.inFlight()).isZero();
      return stats;
    });
  }
}
