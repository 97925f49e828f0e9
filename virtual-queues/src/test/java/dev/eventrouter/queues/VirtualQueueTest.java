package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination.Received;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import dev.eventrouter.queues.testing.Traces;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The virtual queue's transitions, one test each, through sharding, on the H2 journal, against a
 * scriptable HTTP destination.
 */
@ExtendWith(LogCapturingExtension.class)
class VirtualQueueTest {

  @RegisterExtension static final QueueFixture fixture = new QueueFixture();

  @Test
  void awaitingSchedulingToSucceeded() {
    PairId pair = fixture.newPair("webhook");
    List<Job> jobs = fixture.jobs(pair, 20);

    assertThat(fixture.enqueue(pair, jobs)).isEqualTo(new VirtualQueue.Accepted(20, 0));

    fixture.awaitEmpty(pair);
    List<Received> requests = fixture.destination().received(QueueFixture.path(pair));
    assertThat(requests)
        .extracting(r -> r.header("Idempotency-Key"))
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(j -> j.id().toString()).toList());
    assertThat(requests).allSatisfy(r -> assertThat(r.header("X-Delivery-Attempt")).isEqualTo("1"));
    assertThat(requests.get(0).body()).isEqualTo(jobOf(jobs, requests.get(0)).payload());
    List<JobEvent> events = Traces.events(fixture.testKit().system(), pair);
    assertThat(events).filteredOn(JobEvent.AwaitingScheduling.class::isInstance).hasSize(20);
    assertThat(events)
        .filteredOn(JobEvent.Succeeded.class::isInstance)
        .hasSize(20)
        .allSatisfy(
            e -> assertThat(((JobEvent.Succeeded) e).attempt().httpStatus()).isEqualTo(200));
  }

  /**
   * What follows an enqueue runs on the thread that answered it, or on the caller's if it was
   * answered already: never on the JDK's default pool, which on a machine of two cores or fewer
   * starts a thread for each step given to it (Pekko's ask gives it even a {@code thenApply}).
   */
  @Test
  void anEnqueueCompletesOnTheThreadThatAnsweredIt() {
    PairId pair = fixture.newPair("answered");
    String caller = Thread.currentThread().getName();
    List<String> threads = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      fixture
          .queues()
          .enqueue(pair, fixture.jobs(pair, 1))
          .thenRun(() -> threads.add(Thread.currentThread().getName()))
          .toCompletableFuture()
          .join();
    }

    assertThat(threads)
        .hasSize(5)
        .allSatisfy(
            thread -> assertThat(thread.equals(caller) || thread.contains("dispatcher")).isTrue());
  }

  @Test
  void executingToAwaitingRetryThreeTimesThenSucceeded() {
    PairId pair = fixture.newPair("flaky");
    fixture
        .destination()
        .script(
            QueueFixture.path(pair),
            Response.status(500),
            Response.status(500),
            Response.status(500),
            Response.status(200));
    Job job = fixture.jobs(pair, 1).get(0);

    fixture.enqueue(pair, List.of(job));

    fixture.awaitEmpty(pair);
    assertThat(fixture.destination().received(QueueFixture.path(pair)))
        .extracting(r -> r.header("X-Delivery-Attempt"))
        .containsExactly("1", "2", "3", "4");
    List<JobEvent> trace = Traces.trace(fixture.testKit().system(), pair, job.id());
    assertThat(trace)
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly(
            "AwaitingScheduling", "AwaitingRetry", "AwaitingRetry", "AwaitingRetry", "Succeeded");
    for (int i = 1; i <= 3; i++) {
      JobEvent.AwaitingRetry retry = (JobEvent.AwaitingRetry) trace.get(i);
      assertThat(retry.attempt().number()).isEqualTo(i);
      assertThat(retry.attempt().httpStatus()).isEqualTo(500);
      assertThat(retry.retryAt()).isAfterOrEqualTo(retry.attempt().finishedAt());
    }
    assertThat(((JobEvent.Succeeded) trace.get(4)).attempt().number()).isEqualTo(4);
  }

  @Test
  void executingToDiscardedByTheCustomer() {
    PairId pair = fixture.newPair("strict");
    fixture.destination().script(QueueFixture.path(pair), Response.status(400));
    Job job = fixture.jobs(pair, 1).get(0);

    fixture.enqueue(pair, List.of(job));

    fixture.awaitEmpty(pair);
    assertThat(fixture.destination().received(QueueFixture.path(pair))).hasSize(1);
    assertThat(Traces.trace(fixture.testKit().system(), pair, job.id()).get(1))
        .isInstanceOfSatisfying(
            JobEvent.Discarded.class,
            d -> {
              assertThat(d.attempt().httpStatus()).isEqualTo(400);
              assertThat(d.reason()).isEqualTo("HTTP 400");
              assertThat(d.origin()).isEqualTo(DiscardOrigin.CUSTOMER);
            });
  }

  @Test
  void executingToDiscardedByTheSystemWhenTheEndpointIsNoUrl() {
    PairId pair = fixture.newPair("broken");
    Job job = fixture.jobs(pair, 1, "http://bad host/with spaces", Instant.now()).get(0);

    fixture.enqueue(pair, List.of(job));

    fixture.awaitEmpty(pair);
    assertThat(Traces.trace(fixture.testKit().system(), pair, job.id()).get(1))
        .isInstanceOfSatisfying(
            JobEvent.Discarded.class,
            d -> {
              assertThat(d.origin()).isEqualTo(DiscardOrigin.SYSTEM);
              assertThat(d.reason()).isEqualTo("invalid-request");
              assertThat(d.attempt().httpStatus()).isZero();
            });
  }

  @Test
  void waitsAsLongAsRetryAfterSaysInSeconds() {
    PairId pair = fixture.newPair("limited");
    fixture
        .destination()
        .script(
            QueueFixture.path(pair),
            Response.status(429).withHeader("Retry-After", "2"),
            Response.status(200));
    Job job = fixture.jobs(pair, 1).get(0);

    fixture.enqueue(pair, List.of(job));

    fixture.awaitEmpty(pair);
    List<Received> requests = fixture.destination().received(QueueFixture.path(pair));
    assertThat(requests).hasSize(2);
    assertThat(Duration.between(requests.get(0).at(), requests.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1_950));
    JobEvent.AwaitingRetry retry =
        (JobEvent.AwaitingRetry) Traces.trace(fixture.testKit().system(), pair, job.id()).get(1);
    assertThat(Duration.between(retry.attempt().finishedAt(), retry.retryAt()))
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void waitsUntilTheDateRetryAfterGives() {
    PairId pair = fixture.newPair("limited-by-date");
    Instant until = Instant.now().plusSeconds(3);
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(until.atZone(ZoneOffset.UTC));
    fixture
        .destination()
        .script(
            QueueFixture.path(pair),
            Response.status(503).withHeader("Retry-After", date),
            Response.status(200));

    fixture.enqueue(pair, fixture.jobs(pair, 1));

    fixture.awaitEmpty(pair);
    List<Received> requests = fixture.destination().received(QueueFixture.path(pair));
    assertThat(requests).hasSize(2);
    // the date has whole seconds: the retry comes at or after its second began
    assertThat(requests.get(1).at())
        .isAfterOrEqualTo(until.minusMillis(until.toEpochMilli() % 1000));
  }

  /**
   * A destination that asks for a year (more than Pekko's scheduler takes for a timer) gets thirty
   * days, and its queue goes on: the job waits, later jobs are delivered once each, and the queue
   * does not fail and start again (which would send its later jobs again each time).
   */
  @Test
  void aRetryAfterOfAYearIsHeldToThirtyDaysAndTheQueueGoesOn() {
    PairId pair = fixture.newPair("a-year");
    fixture
        .destination()
        .script(
            QueueFixture.path(pair),
            Response.status(503).withHeader("Retry-After", "31536000"),
            Response.status(200));
    Job waiting = fixture.jobs(pair, 1).get(0);
    fixture.enqueue(pair, List.of(waiting));
    fixture
        .testKit()
        .createTestProbe()
        .awaitAssert(
            QueueFixture.WAIT,
            () -> {
              assertThat(fixture.stats(pair).awaitingRetry()).isOne();
              return null;
            });
    JobEvent.AwaitingRetry retry =
        (JobEvent.AwaitingRetry)
            Traces.trace(fixture.testKit().system(), pair, waiting.id()).get(1);
    assertThat(Duration.between(retry.attempt().finishedAt(), retry.retryAt()))
        .isEqualTo(Duration.ofDays(30));

    List<Job> later = fixture.jobs(pair, 5);
    fixture.enqueue(pair, later);
    fixture
        .testKit()
        .createTestProbe()
        .awaitAssert(
            QueueFixture.WAIT,
            () -> {
              assertThat(fixture.stats(pair).pending()).isOne();
              return null;
            });
    // each later job once, the waiting one once: nothing sent again by a restarted queue
    assertThat(fixture.destination().received(QueueFixture.path(pair))).hasSize(6);
    assertThat(fixture.stats(pair).awaitingRetry()).isOne();
  }

  @Test
  void aResponseSlowerThanTheTimeoutIsRetried() {
    DestinationSettings impatient =
        withTimeout(TestQueues.destination("slow"), Duration.ofMillis(400));
    PairId pair = fixture.newPair(impatient);
    fixture
        .destination()
        .script(
            QueueFixture.path(pair),
            Response.status(200).after(Duration.ofSeconds(3)),
            Response.status(200));
    Job job = fixture.jobs(pair, 1).get(0);

    fixture.enqueue(pair, List.of(job));

    fixture.awaitEmpty(pair);
    JobEvent.AwaitingRetry retry =
        (JobEvent.AwaitingRetry) Traces.trace(fixture.testKit().system(), pair, job.id()).get(1);
    assertThat(retry.attempt().error()).isEqualTo("timeout");
    assertThat(retry.attempt().httpStatus()).isZero();
  }

  @Test
  void aRefusedConnectionIsRetriedAndNamed() throws Exception {
    PairId pair = fixture.newPair("refusing");
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Job job = fixture.jobs(pair, 1, "http://127.0.0.1:" + closedPort + "/x", Instant.now()).get(0);

    fixture.enqueue(pair, List.of(job));

    fixture.await(
        () ->
            assertThat(Traces.trace(fixture.testKit().system(), pair, job.id()))
                .filteredOn(JobEvent.AwaitingRetry.class::isInstance)
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(
                    e ->
                        assertThat(((JobEvent.AwaitingRetry) e).attempt().error())
                            .isEqualTo("connection-refused")));
  }

  @Test
  void aNameThatDoesNotResolveIsRetriedAndNamed() {
    PairId pair = fixture.newPair("unresolvable");
    // .invalid never resolves (RFC 6761)
    Job job = fixture.jobs(pair, 1, "http://no-such-host.invalid/x", Instant.now()).get(0);

    fixture.enqueue(pair, List.of(job));

    fixture.await(
        () ->
            assertThat(Traces.trace(fixture.testKit().system(), pair, job.id()))
                .filteredOn(JobEvent.AwaitingRetry.class::isInstance)
                .isNotEmpty()
                .allSatisfy(
                    e ->
                        assertThat(((JobEvent.AwaitingRetry) e).attempt().error())
                            .isEqualTo("dns")));
  }

  @Test
  void acknowledgesJobsItHoldsOrFinishedWithoutAddingThemAgain() {
    PairId held = fixture.newPair("held-dedupe");
    List<Job> jobs = fixture.jobs(held, 5);
    assertThat(fixture.enqueue(held, jobs)).isEqualTo(new VirtualQueue.Accepted(5, 0));
    assertThat(fixture.enqueue(held, jobs)).isEqualTo(new VirtualQueue.Accepted(0, 5));
    List<Job> withRepeats = new ArrayList<>(fixture.jobs(held, 2));
    withRepeats.add(withRepeats.get(0));
    assertThat(fixture.enqueue(held, withRepeats)).isEqualTo(new VirtualQueue.Accepted(2, 1));
    assertThat(Traces.events(fixture.testKit().system(), held)).hasSize(7);

    PairId delivered = fixture.newPair("dedupe");
    List<Job> done = fixture.jobs(delivered, 3);
    fixture.enqueue(delivered, done);
    fixture.awaitEmpty(delivered);
    assertThat(fixture.enqueue(delivered, done)).isEqualTo(new VirtualQueue.Accepted(0, 3));
    assertThat(fixture.destination().received(QueueFixture.path(delivered))).hasSize(3);
  }

  @Test
  void keepsAtMostItsInFlightLimitOutstanding() {
    PairId pair = fixture.newPair("held-bounded");
    fixture.enqueue(pair, fixture.jobs(pair, 30));

    fixture.await(() -> assertThat(fixture.stats(pair).inFlight()).isEqualTo(8));
    assertThat(fixture.held(pair)).hasSize(8);
    assertThat(fixture.stats(pair).pending()).isEqualTo(30);
  }

  /**
   * A pass skips the jobs under way at the head of the schedule. A job accepted while a retry is
   * under way goes before it in the schedule (due at once, the retry at its time): it must be seen,
   * not skipped with the retry.
   */
  @Test
  void aJobAcceptedWhileARetryIsUnderWayGoesWithoutWaitingForIt() {
    DestinationSettings held = TestQueues.destination("retry-held");
    // the retry is held until the end: its request must not time out and be retried meanwhile
    PairId pair =
        fixture.newPair(
            new DestinationSettings(
                held.id(),
                held.maxInFlightPerPair(),
                held.ratePerSecond(),
                held.maxConnections(),
                QueueFixture.WAIT.multipliedBy(2),
                held.retry(),
                held.expireAfter(),
                held.breaker()));
    CompletableFuture<Void> released = new CompletableFuture<>();
    fixture
        .destination()
        .script(
            QueueFixture.path(pair),
            Response.status(500),
            Response.status(200).heldUntil(released),
            Response.status(200));
    List<Job> jobs = fixture.jobs(pair, 3);
    try {
      fixture.enqueue(pair, jobs.subList(0, 1));
      awaitRequests(pair, 2);
      // answered and persisted while the retry is held: the passes after it find only the retry
      // under way at the schedule's head
      fixture.enqueue(pair, jobs.subList(1, 2));
      awaitRequests(pair, 3);
      fixture.await(() -> assertThat(fixture.stats(pair).pending()).isEqualTo(1));

      fixture.enqueue(pair, jobs.subList(2, 3));

      awaitRequests(pair, 4);
      assertThat(fixture.destination().received(QueueFixture.path(pair)))
          .extracting(r -> r.header("Idempotency-Key"))
          .containsExactly(
              jobs.get(0).id().toString(),
              jobs.get(0).id().toString(),
              jobs.get(1).id().toString(),
              jobs.get(2).id().toString());
    } finally {
      released.complete(null);
    }
    fixture.awaitEmpty(pair);
  }

  private static void awaitRequests(PairId pair, int count) {
    fixture.await(
        () -> assertThat(fixture.destination().received(QueueFixture.path(pair))).hasSize(count));
  }

  @Test
  void refusesJobsOfAnotherPairAndPersistsNothing() {
    PairId pair = fixture.newPair("held-mixed");
    List<Job> batch = new ArrayList<>(fixture.jobs(pair, 2));
    batch.addAll(fixture.jobs(fixture.newPair("held-other"), 1));

    assertThatThrownBy(() -> fixture.enqueue(pair, batch))
        .isInstanceOf(CompletionException.class)
        .hasMessageContaining("is for");
    assertThat(Traces.events(fixture.testKit().system(), pair)).isEmpty();
  }

  private static Job jobOf(List<Job> jobs, Received request) {
    Ksuid id = Ksuid.parse(request.header("Idempotency-Key"));
    return jobs.stream().filter(j -> j.id().equals(id)).findFirst().orElseThrow();
  }

  static DestinationSettings withTimeout(DestinationSettings d, Duration timeout) {
    return new DestinationSettings(
        d.id(),
        d.maxInFlightPerPair(),
        d.ratePerSecond(),
        d.maxConnections(),
        timeout,
        d.retry(),
        d.expireAfter(),
        d.breaker());
  }
}
