package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.persistence.journal.JobPayloads;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.breaker.DestinationBreakers;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.limit.ConcurrencyLimitSettings;
import dev.eventrouter.queues.limit.DestinationLimits;
import dev.eventrouter.queues.testing.Answer;
import dev.eventrouter.queues.tracing.JobTracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An operator's lever pulled while a carry-forward round is reading its jobs back: the lever waits
 * for the round, and then applies to every job it was pulled for, whether the read ends well or
 * fails. The round's read is held open by the test, on Pekko's in-memory journal.
 */
@ExtendWith(LogCapturingExtension.class)
class CarryForwardRaceTest {

  /** Snapshots and carry-forward rounds after a few events, not thousands. */
  private static final Config CONFIG =
      EventSourcedBehaviorTestKit.config()
          .withFallback(
              ConfigFactory.parseString(
                  """
                  eventrouter.virtual-queue {
                    snapshot-every = 5
                    carry-forward-lag = 10
                    carry-forward-batch = 10
                    outcome-batch-delay = 1ms
                  }
                  """))
          .withFallback(VirtualQueues.applyTo(JournalSettings.applyTo(ConfigFactory.load())));

  private static final ActorTestKit testKit = ActorTestKit.create(CONFIG);
  private static final VirtualQueueSettings SETTINGS = VirtualQueueSettings.fromConfig(CONFIG);
  private static final Duration WAIT = Duration.ofSeconds(15);

  /** A failed attempt is retried an hour later: only a lever brings it sooner. */
  private static final DestinationSettings DESTINATION =
      new DestinationSettings(
          "webhook",
          1,
          0,
          16,
          Duration.ofMinutes(1),
          new RetryPolicy(Duration.ofHours(1), Duration.ofHours(1)),
          Duration.ofHours(4),
          new BreakerSettings(100, 1000, 1000, Duration.ofSeconds(1), 2));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void aRetryNowPulledWhileARoundReadsRetriesTheJobsTheRoundWouldHaveMoved() {
    try (Queue queue = new Queue("carried")) {
      Job stuck = queue.retryingJobWithARoundReadingIt();

      queue.retryNow();
      queue.reads.get().complete(null);

      queue.awaitRetryRequested(stuck);
      // the round read while the lever was under way was not written; the next, after it, may be
      List<JobEvent> events =
          queue.persisted().stream().flatMap(e -> e.jobEvents().stream()).toList();
      assertThat(events.subList(0, events.indexOf(queue.retryRequested(stuck))))
          .noneMatch(JobEvent.CarriedForward.class::isInstance);
    }
  }

  @Test
  void aRetryNowPulledWhileARoundReadsGoesOnWhenTheReadFails() {
    try (Queue queue = new Queue("failed")) {
      Job stuck = queue.retryingJobWithARoundReadingIt();

      queue.retryNow();
      queue.reads.get().completeExceptionally(new IllegalStateException("the journal is down"));

      queue.awaitRetryRequested(stuck);
    }
  }

  /** One pair's queue, a delivery client that answers when told, a read journal held open. */
  private static final class Queue implements AutoCloseable {

    private final PairId pair;
    private final List<DeliveryRequest> sent = new CopyOnWriteArrayList<>();

    /** When set, reads of the queue's journal wait for it (null: go on, else fail). */
    final AtomicReference<CompletableFuture<Void>> reads = new AtomicReference<>();

    private final EventSourcedBehaviorTestKit<VirtualQueue.Command, QueueEvent, QueueState> kit;

    Queue(String source) {
      this.pair = new PairId(source, DESTINATION.id());
      CurrentEventsByPersistenceIdQuery memory =
          PersistenceQuery.get(testKit.system())
              .getReadJournalFor(
                  CurrentEventsByPersistenceIdQuery.class,
                  PersistenceTestKitReadJournal.Identifier());
      CurrentEventsByPersistenceIdQuery held =
          (persistenceId, from, to) -> {
            CompletableFuture<Void> gate = reads.get();
            Source<EventEnvelope, NotUsed> events =
                memory.currentEventsByPersistenceId(persistenceId, from, to);
            return gate == null
                ? events
                : Source.completionStage(gate.thenApply(open -> NotUsed.getInstance()))
                    .flatMapConcat(open -> events);
          };
      Destinations destinations =
          new Destinations() {
            @Override
            public Optional<DestinationSettings> find(PairId pair) {
              return Optional.of(DESTINATION);
            }

            @Override
            public boolean paused(PairId pair) {
              return false;
            }
          };
      VirtualQueue.Dependencies dependencies =
          new VirtualQueue.Dependencies(
              destinations,
              sent::add,
              new DestinationBreakers(),
              new DestinationLimits(ConcurrencyLimitSettings.fromConfig(CONFIG)),
              (pair, batch) -> new CompletableFuture<>(),
              JournalSettings.fromConfig(CONFIG),
              JobPayloads.over(testKit.system(), held),
              new TraceScans(1),
              (persistenceId, eventsBelow, snapshotsBelow) -> CompletableFuture.completedFuture(0),
              new PayloadBudget(SETTINGS.payloadMemoryBytes()),
              JobEventListener.NONE,
              SETTINGS,
              Clock.systemUTC(),
              JobTracing.OFF);
      kit =
          EventSourcedBehaviorTestKit.create(
              testKit.system(),
              VirtualQueue.create(
                  pair,
                  testKit.<ClusterSharding.ShardCommand>createTestProbe().ref(),
                  dependencies),
              // QueueState is the actor's mutable index, never serialized
              EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    }

    /**
     * A job attempted once (retried in an hour), then jobs delivered one at a time after it until a
     * carry-forward round starts to read it back, held open.
     */
    Job retryingJobWithARoundReadingIt() {
      Job stuck = job("stuck");
      enqueue(stuck);
      answer(stuck, 503);
      awaitEvent(stuck, JobEvent.AwaitingRetry.class);
      reads.set(new CompletableFuture<>());
      // the round's read is the only one: the delivered jobs' payloads are in the queue's cache
      for (int i = 0; reads.get().getNumberOfDependents() == 0; i++) {
        assertThat(i).as("jobs delivered before a round read the retrying one").isLessThan(200);
        Job next = job("next-" + i);
        enqueue(next);
        answer(next, 200);
        awaitEvent(next, JobEvent.Succeeded.class);
      }
      return stuck;
    }

    void retryNow() {
      VirtualQueue.LeverPulled pulled =
          kit.<VirtualQueue.LeverPulled>runCommand(VirtualQueue.RetryNow::new).reply();
      assertThat(pulled.jobs()).as("the job waiting out its retry").isEqualTo(1);
    }

    void awaitRetryRequested(Job job) {
      awaitEvent(job, JobEvent.RetryRequested.class);
    }

    JobEvent retryRequested(Job job) {
      return persisted().stream()
          .flatMap(e -> e.jobEvents().stream())
          .filter(e -> e instanceof JobEvent.RetryRequested && e.jobId().equals(job.id()))
          .findFirst()
          .orElseThrow();
    }

    private void awaitEvent(Job job, Class<? extends JobEvent> type) {
      testKit
          .createTestProbe()
          .awaitAssert(
              WAIT,
              () -> {
                assertThat(persisted())
                    .flatMap(QueueEvent::jobEvents)
                    .anyMatch(e -> type.isInstance(e) && e.jobId().equals(job.id()));
                return null;
              });
    }

    List<QueueEvent> persisted() {
      return kit
          .persistenceTestKit()
          .persistedInStorage(VirtualQueue.persistenceId(pair).id())
          .stream()
          .map(QueueEvent.class::cast)
          .toList();
    }

    private Job job(String name) {
      return JobFixtures.job(pair, name, "https://webhook.example/" + pair.source(), Instant.now());
    }

    private void enqueue(Job job) {
      StatusReply<VirtualQueue.Accepted> accepted =
          kit.<StatusReply<VirtualQueue.Accepted>>runCommand(
                  replyTo -> new VirtualQueue.Enqueue(List.of(job), replyTo))
              .reply();
      assertThat(accepted.isSuccess()).isTrue();
    }

    private void answer(Job job, int status) {
      Ksuid id = job.id();
      testKit
          .createTestProbe()
          .awaitAssert(
              WAIT,
              () -> {
                assertThat(sent).anyMatch(r -> r.job().id().equals(id));
                return null;
              });
      DeliveryRequest request =
          sent.stream().filter(r -> r.job().id().equals(id)).reduce((a, b) -> b).orElseThrow();
      Answer.respond(request, status);
    }

    @Override
    public void close() {
      CompletableFuture<Void> gate = reads.get();
      if (gate != null) {
        gate.complete(null);
      }
    }
  }
}
