package dev.eventrouter.queues;

import static dev.eventrouter.queues.VirtualQueueTableTest.Call.ENQUEUE_DUPLICATES;
import static dev.eventrouter.queues.VirtualQueueTableTest.Call.ENQUEUE_NEW;
import static dev.eventrouter.queues.VirtualQueueTableTest.Call.ENQUEUE_OTHER_PAIR;
import static dev.eventrouter.queues.VirtualQueueTableTest.Call.FLUSH_TO_ARCHIVE;
import static dev.eventrouter.queues.VirtualQueueTableTest.Call.GET_STATS;
import static dev.eventrouter.queues.VirtualQueueTableTest.Call.GET_TRACE_OF_A;
import static dev.eventrouter.queues.VirtualQueueTableTest.Call.GET_TRACE_UNKNOWN;
import static dev.eventrouter.queues.VirtualQueueTableTest.Call.RETRY_NOW;
import static dev.eventrouter.queues.VirtualQueueTableTest.Call.START_AGAIN;
import static dev.eventrouter.queues.VirtualQueueTableTest.Call.STOP;
import static dev.eventrouter.queues.VirtualQueueTableTest.State.ARCHIVING;
import static dev.eventrouter.queues.VirtualQueueTableTest.State.AWAITING_RETRY;
import static dev.eventrouter.queues.VirtualQueueTableTest.State.DRAINED;
import static dev.eventrouter.queues.VirtualQueueTableTest.State.EMPTY;
import static dev.eventrouter.queues.VirtualQueueTableTest.State.IN_FLIGHT;
import static dev.eventrouter.queues.VirtualQueueTableTest.State.PAUSED;
import static dev.eventrouter.queues.VirtualQueueTableTest.State.STOPPING;
import static dev.eventrouter.queues.VirtualQueueTableTest.State.UNCONFIGURED;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.persistence.journal.JobPayloads;
import dev.eventrouter.persistence.journal.JournalCompaction;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.archive.ArchiveSink;
import dev.eventrouter.queues.archive.ArchivedJob;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The queue's protocol as a table: every public command in every state a queue can be in, one queue
 * on Pekko's EventSourcedBehaviorTestKit and its in-memory journal (no sharding, no HTTP). Each
 * cell asserts the reply, the job events persisted and the queue's counts after.
 *
 * <p>The node around the queue is faked so that nothing moves unless a cell says so: the delivery
 * client takes every request and answers only when told, the archive takes every batch and never
 * stores it, retries are an hour away. A cell starts from a new queue, brought into its state
 * through the protocol itself (and the client's answers), checked to be there before the command.
 *
 * <p>The queue runs as in production but for its journal: its journal shard names Pekko's default
 * plugins, which the test kit's configuration makes its in-memory ones, and it reads jobs back
 * through the test kit's read journal ({@link JobPayloads#over}).
 */
@ExtendWith(LogCapturingExtension.class)
class VirtualQueueTableTest {

  /** The journal and snapshots are the test kit's, in memory; the rest is the router's own. */
  private static final Config CONFIG =
      EventSourcedBehaviorTestKit.config()
          .withFallback(
              ConfigFactory.parseString(
                  """
          # a stopping queue waits for the answers a cell gives, not for its timer
          eventrouter.virtual-queue.stop-wait = 10m
          """))
          .withFallback(VirtualQueues.applyTo(JournalSettings.applyTo(ConfigFactory.load())));

  private static final ActorTestKit testKit = ActorTestKit.create(CONFIG);

  private static final VirtualQueueSettings SETTINGS = VirtualQueueSettings.fromConfig(CONFIG);

  /**
   * Retries an hour away, and a minute's timeout (a stopping queue waits twice that for its
   * answers): within a cell nothing happens by a timer but the write of an outcome batch.
   */
  private static final DestinationSettings DESTINATION =
      new DestinationSettings(
          "webhook",
          8,
          0,
          16,
          Duration.ofMinutes(1),
          new RetryPolicy(Duration.ofHours(1), Duration.ofHours(1)),
          Duration.ofHours(4),
          new BreakerSettings(50, 10, 10, Duration.ofSeconds(1), 2));

  /**
   * Commands, events and replies go through their serializers as between nodes. Not the state:
   * QueueState is the actor's mutable index, never serialized (snapshots are a QueueSnapshot, made
   * by the snapshot adapter).
   */
  private static final EventSourcedBehaviorTestKit.SerializationSettings SERIALIZATION =
      EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false);

  /**
   * Below snapshot-every (1000 job events), which no cell comes near, a queue takes no snapshot and
   * so compacts nothing.
   */
  private static final JournalCompaction NO_COMPACTION =
      (persistenceId, eventsBelow, snapshotsBelow) -> {
        throw new AssertionError("a queue of the table compacted its journal: " + persistenceId);
      };

  private static final Duration WAIT = Duration.ofSeconds(10);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  // ---- the table ----

  /**
   * The states, each entered from a new queue; A and B are its jobs. Its counts are what the queue
   * reports in it (pending, in flight, awaiting retry, archiving).
   */
  enum State {
    EMPTY(queue -> {}, counts(0, 0, 0, 0)),
    /** Its job A was delivered: finished, and remembered as such. */
    DRAINED(VirtualQueueTableTest::drained, counts(0, 0, 0, 0)),
    /** Jobs never attempted: an operator paused the pair. */
    PAUSED(VirtualQueueTableTest::paused, counts(2, 0, 0, 0)),
    /** Both jobs sent, not answered. */
    IN_FLIGHT(VirtualQueueTableTest::inFlight, counts(2, 2, 0, 0)),
    /** Both jobs answered 503. */
    AWAITING_RETRY(VirtualQueueTableTest::awaitingRetry, counts(2, 0, 2, 0)),
    /** Both jobs expired, handed to the archive, which has not stored them yet. */
    ARCHIVING(VirtualQueueTableTest::archiving, counts(2, 0, 0, 2)),
    /** Told to stop while both jobs were in flight: it waits for their answers. */
    STOPPING(VirtualQueueTableTest::stopping, counts(2, 2, 0, 0)),
    /** Its destination is not in the registry: jobs held. */
    UNCONFIGURED(VirtualQueueTableTest::unconfigured, counts(2, 0, 0, 0));

    final Consumer<QueueUnderTest> enter;
    final Counts counts;

    State(Consumer<QueueUnderTest> enter, Counts counts) {
      this.enter = enter;
      this.counts = counts;
    }
  }

  /**
   * The public commands. Job C is new, X is another pair's, U was never enqueued. The outcome of
   * STOP is whether the queue stopped; the counts after are then its next incarnation's, recovered
   * from the journal.
   */
  enum Call {
    ENQUEUE_NEW(queue -> queue.enqueueing(queue.job("C"))),
    /**
     * A twice in one batch: a job the queue holds or held, or, in the empty queue, one it takes
     * once.
     */
    ENQUEUE_DUPLICATES(queue -> queue.enqueueing(queue.job("A"), queue.job("A"))),
    /** C and another pair's X in one batch: refused whole. */
    ENQUEUE_OTHER_PAIR(queue -> queue.enqueueing(queue.job("C"), queue.otherPairsJob("X"))),
    GET_STATS(queue -> queue.<VirtualQueue.QueueStats>call(VirtualQueue.GetStats::new)),
    GET_TRACE_OF_A(queue -> queue.tracing("A")),
    GET_TRACE_UNKNOWN(queue -> queue.tracing("U")),
    FLUSH_TO_ARCHIVE(
        queue -> queue.<VirtualQueue.LeverPulled>call(VirtualQueue.FlushToArchive::new)),
    RETRY_NOW(queue -> queue.<VirtualQueue.LeverPulled>call(VirtualQueue.RetryNow::new)),
    STOP(QueueUnderTest::stop),
    START_AGAIN(queue -> queue.tell(VirtualQueue.StartAgain.INSTANCE));

    final Function<QueueUnderTest, Outcome> on;

    Call(Function<QueueUnderTest, Outcome> on) {
      this.on = on;
    }
  }

  static List<Cell> table() {
    List<Cell> table =
        new ArrayList<>(
            List.of(
                // a new job is persisted, and sent where the queue may send
                cell(
                    EMPTY,
                    ENQUEUE_NEW,
                    "accepted 1, duplicates 0",
                    events("AwaitingScheduling C"),
                    counts(1, 1, 0, 0)),
                cell(
                    DRAINED,
                    ENQUEUE_NEW,
                    "accepted 1, duplicates 0",
                    events("AwaitingScheduling C"),
                    counts(1, 1, 0, 0)),
                cell(
                    PAUSED,
                    ENQUEUE_NEW,
                    "accepted 1, duplicates 0",
                    events("AwaitingScheduling C"),
                    counts(3, 0, 0, 0)),
                cell(
                    IN_FLIGHT,
                    ENQUEUE_NEW,
                    "accepted 1, duplicates 0",
                    events("AwaitingScheduling C"),
                    counts(3, 3, 0, 0)),
                cell(
                    AWAITING_RETRY,
                    ENQUEUE_NEW,
                    "accepted 1, duplicates 0",
                    events("AwaitingScheduling C"),
                    counts(3, 1, 2, 0)),
                cell(
                    ARCHIVING,
                    ENQUEUE_NEW,
                    "accepted 1, duplicates 0",
                    events("AwaitingScheduling C"),
                    counts(3, 1, 0, 2)),
                cell(
                    STOPPING,
                    ENQUEUE_NEW,
                    "accepted 1, duplicates 0",
                    events("AwaitingScheduling C"),
                    counts(3, 2, 0, 0)),
                cell(
                    UNCONFIGURED,
                    ENQUEUE_NEW,
                    "accepted 1, duplicates 0",
                    events("AwaitingScheduling C"),
                    counts(3, 0, 0, 0)),

                // a job held, or finished and remembered, is acknowledged and not added again
                cell(
                    EMPTY,
                    ENQUEUE_DUPLICATES,
                    "accepted 1, duplicates 1",
                    events("AwaitingScheduling A"),
                    counts(1, 1, 0, 0)),
                cell(DRAINED, ENQUEUE_DUPLICATES, "accepted 0, duplicates 2", events()),
                cell(PAUSED, ENQUEUE_DUPLICATES, "accepted 0, duplicates 2", events()),
                cell(IN_FLIGHT, ENQUEUE_DUPLICATES, "accepted 0, duplicates 2", events()),
                cell(AWAITING_RETRY, ENQUEUE_DUPLICATES, "accepted 0, duplicates 2", events()),
                cell(ARCHIVING, ENQUEUE_DUPLICATES, "accepted 0, duplicates 2", events()),
                cell(STOPPING, ENQUEUE_DUPLICATES, "accepted 0, duplicates 2", events()),
                cell(UNCONFIGURED, ENQUEUE_DUPLICATES, "accepted 0, duplicates 2", events()),
                cell(
                    EMPTY,
                    GET_STATS,
                    "0 held (0 in flight, 0 awaiting retry, 0 archiving), 0 cached; max in flight 8, breaker CLOSED",
                    events()),
                cell(
                    DRAINED,
                    GET_STATS,
                    "0 held (0 in flight, 0 awaiting retry, 0 archiving), 0 cached; max in flight 8, breaker CLOSED",
                    events()),
                cell(
                    PAUSED,
                    GET_STATS,
                    "2 held (0 in flight, 0 awaiting retry, 0 archiving), 2 cached; max in flight 8, breaker CLOSED, paused",
                    events()),
                cell(
                    IN_FLIGHT,
                    GET_STATS,
                    "2 held (2 in flight, 0 awaiting retry, 0 archiving), 2 cached; max in flight 8, breaker CLOSED",
                    events()),
                cell(
                    AWAITING_RETRY,
                    GET_STATS,
                    "2 held (0 in flight, 2 awaiting retry, 0 archiving), 2 cached; max in flight 8, breaker CLOSED, last error HTTP 503",
                    events()),
                cell(
                    ARCHIVING,
                    GET_STATS,
                    "2 held (0 in flight, 0 awaiting retry, 2 archiving), 2 cached; max in flight 8, breaker CLOSED",
                    events()),
                // stopping shows as in flight: the queue still answers, and a stop is not the
                // operator's business
                cell(
                    STOPPING,
                    GET_STATS,
                    "2 held (2 in flight, 0 awaiting retry, 0 archiving), 2 cached; max in flight 8, breaker CLOSED",
                    events()),
                cell(
                    UNCONFIGURED,
                    GET_STATS,
                    "2 held (0 in flight, 0 awaiting retry, 0 archiving), 2 cached; max in flight 0, breaker UNKNOWN",
                    events()),

                // the trace of a job held comes from the index and the journal, of a finished one
                // from the journal
                cell(
                    EMPTY,
                    GET_TRACE_OF_A,
                    "not held: []",
                    events()), // same as GET_TRACE_UNKNOWN: A never came
                cell(
                    DRAINED,
                    GET_TRACE_OF_A,
                    "not held: [awaiting_scheduling, executing, succeeded 200]",
                    events()),
                cell(PAUSED, GET_TRACE_OF_A, "held: [awaiting_scheduling]", events()),
                // an attempt under way is in the trace once its outcome is persisted
                cell(IN_FLIGHT, GET_TRACE_OF_A, "held: [awaiting_scheduling]", events()),
                cell(
                    AWAITING_RETRY,
                    GET_TRACE_OF_A,
                    "held: [awaiting_scheduling, executing, awaiting_retry 503]",
                    events()),
                cell(
                    ARCHIVING,
                    GET_TRACE_OF_A,
                    "held: [awaiting_scheduling, archiving expired]",
                    events()),
                cell(STOPPING, GET_TRACE_OF_A, "held: [awaiting_scheduling]", events()),
                cell(UNCONFIGURED, GET_TRACE_OF_A, "held: [awaiting_scheduling]", events()),

                // every job held goes to the archive, but those in flight, which go if their
                // attempt fails
                cell(EMPTY, FLUSH_TO_ARCHIVE, "applies to 0 jobs", events()),
                cell(DRAINED, FLUSH_TO_ARCHIVE, "applies to 0 jobs", events()),
                cell(
                    PAUSED,
                    FLUSH_TO_ARCHIVE,
                    "applies to 2 jobs",
                    events("Archiving A", "Archiving B"),
                    counts(2, 0, 0, 2)),
                cell(IN_FLIGHT, FLUSH_TO_ARCHIVE, "applies to 2 jobs", events()),
                cell(
                    AWAITING_RETRY,
                    FLUSH_TO_ARCHIVE,
                    "applies to 2 jobs",
                    events("Archiving A", "Archiving B"),
                    counts(2, 0, 0, 2)),
                cell(ARCHIVING, FLUSH_TO_ARCHIVE, "applies to 0 jobs", events()),
                cell(STOPPING, FLUSH_TO_ARCHIVE, "applies to 2 jobs", events()),
                cell(
                    UNCONFIGURED,
                    FLUSH_TO_ARCHIVE,
                    "applies to 2 jobs",
                    events("Archiving A", "Archiving B"),
                    counts(2, 0, 0, 2)),

                // only jobs due later are made due now, and go
                cell(EMPTY, RETRY_NOW, "applies to 0 jobs", events()),
                cell(DRAINED, RETRY_NOW, "applies to 0 jobs", events()),
                cell(PAUSED, RETRY_NOW, "applies to 0 jobs", events()),
                cell(IN_FLIGHT, RETRY_NOW, "applies to 0 jobs", events()),
                cell(
                    AWAITING_RETRY,
                    RETRY_NOW,
                    "applies to 2 jobs",
                    events("RetryRequested A", "RetryRequested B"),
                    counts(2, 2, 2, 0)),
                cell(ARCHIVING, RETRY_NOW, "applies to 0 jobs", events()),
                cell(STOPPING, RETRY_NOW, "applies to 0 jobs", events()),
                cell(UNCONFIGURED, RETRY_NOW, "applies to 0 jobs", events()),

                // a queue stops at once unless requests are under way, and its jobs come back with
                // it
                cell(EMPTY, STOP, "stopped", events()),
                cell(DRAINED, STOP, "stopped", events()),
                cell(PAUSED, STOP, "stopped", events()),
                cell(IN_FLIGHT, STOP, "still running", events()),
                cell(AWAITING_RETRY, STOP, "stopped", events()),
                cell(ARCHIVING, STOP, "stopped", events()),
                cell(STOPPING, STOP, "still running", events()),
                cell(UNCONFIGURED, STOP, "stopped", events())));
    // commands whose outcome no state changes
    table.addAll(inEveryState(ENQUEUE_OTHER_PAIR, "error: job X is for <other pair>, not <pair>"));
    table.addAll(inEveryState(GET_TRACE_UNKNOWN, "not held: []"));
    // it only makes sharding start the queue: a running queue has nothing to do
    table.addAll(inEveryState(START_AGAIN, "no reply"));
    return table;
  }

  // ---- the cells ----

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void cell(Cell cell) {
    try (QueueUnderTest queue = new QueueUnderTest()) {
      cell.state().enter.accept(queue);
      assertThat(queue.counts())
          .as("%s: the counts of the state", cell)
          .isEqualTo(cell.state().counts);

      Outcome outcome = cell.call().on.apply(queue);

      assertThat(outcome.reply()).as("%s: reply", cell).isEqualTo(cell.reply());
      assertThat(outcome.events())
          .as("%s: job events persisted", cell)
          .containsExactlyInAnyOrderElementsOf(cell.events());
      assertThat(outcome.after()).as("%s: counts after", cell).isEqualTo(cell.after());
    }
  }

  @Test
  void theTableHasOneCellForEachStateAndCommand() {
    assertThat(table())
        .extracting(cell -> cell.state() + " × " + cell.call())
        .doesNotHaveDuplicates()
        .hasSize(State.values().length * Call.values().length);
  }

  /** What stopping waits for: the answers are persisted, then the queue stops. */
  @Test
  void aStoppingQueuePersistsTheAnswersItWaitedForThenStops() {
    try (QueueUnderTest queue = new QueueUnderTest()) {
      stopping(queue);
      int before = queue.persisted().size();
      TestProbe<Object> probe = testKit.createTestProbe();
      ActorRef<VirtualQueue.Command> stopping = queue.self();

      queue.answer("A", 200);
      queue.answer("B", 503);

      probe.expectTerminated(stopping, WAIT);
      assertThat(queue.eventsAsTold(queue.persisted().subList(before, queue.persisted().size())))
          .containsExactlyInAnyOrder("Succeeded A", "AwaitingRetry B");
      queue.kit.restart();
      assertThat(queue.counts()).isEqualTo(counts(1, 0, 1, 0));
    }
  }

  // ---- entering the states ----

  private static void drained(QueueUnderTest queue) {
    queue.enqueue("A");
    queue.answer("A", 200);
    queue.awaitCounts(counts(0, 0, 0, 0));
  }

  private static void paused(QueueUnderTest queue) {
    queue.paused = true;
    queue.enqueue("A", "B");
  }

  private static void inFlight(QueueUnderTest queue) {
    queue.enqueue("A", "B");
  }

  private static void awaitingRetry(QueueUnderTest queue) {
    queue.enqueue("A", "B");
    queue.answer("A", 503);
    queue.answer("B", 503);
    queue.awaitCounts(counts(2, 0, 2, 0));
  }

  private static void archiving(QueueUnderTest queue) {
    queue.expired("A", "B");
    queue.enqueue("A", "B");
    queue.awaitCounts(counts(2, 0, 0, 2));
    testKit.createTestProbe().awaitAssert(WAIT, () -> assertThat(queue.archived).hasSize(1));
  }

  private static void stopping(QueueUnderTest queue) {
    inFlight(queue);
    queue.self().tell(VirtualQueue.Stop.INSTANCE);
  }

  private static void unconfigured(QueueUnderTest queue) {
    queue.configured = false;
    queue.enqueue("A", "B");
  }

  // ---- the queue under test ----

  /**
   * One pair's queue on the test kit, with the node's fakes: its destination's settings (paused, or
   * not configured, as a cell says), a delivery client that takes every request and answers only
   * when told, an archive that takes every batch and never stores it.
   */
  static final class QueueUnderTest implements AutoCloseable {

    private static final AtomicInteger sources = new AtomicInteger();
    private static final CurrentEventsByPersistenceIdQuery readJournal =
        PersistenceQuery.get(testKit.system())
            .getReadJournalFor(
                CurrentEventsByPersistenceIdQuery.class,
                PersistenceTestKitReadJournal.Identifier());

    private final PairId pair = new PairId("source-" + sources.incrementAndGet(), DESTINATION.id());
    private final PairId otherPair = new PairId(pair.source(), "other");

    /** The jobs of a cell by name, made when first named. */
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    private volatile boolean paused;
    private volatile boolean configured = true;
    private final List<DeliveryRequest> sent = new CopyOnWriteArrayList<>();
    private final List<List<ArchivedJob>> archived = new CopyOnWriteArrayList<>();

    /** The queue's actor: the test kit's, or its next after a restart. */
    private final AtomicReference<ActorRef<VirtualQueue.Command>> self = new AtomicReference<>();

    private final EventSourcedBehaviorTestKit<VirtualQueue.Command, QueueEvent, QueueState> kit;

    QueueUnderTest() {
      Destinations destinations =
          new Destinations() {
            @Override
            public Optional<DestinationSettings> find(PairId pair) {
              return configured ? Optional.of(DESTINATION) : Optional.empty();
            }

            @Override
            public boolean paused(PairId pair) {
              return paused;
            }
          };
      ArchiveSink archive =
          (pair, batch) -> {
            archived.add(batch);
            return new CompletableFuture<>();
          };
      // the delivery client takes every request (sent::add is true) and answers none until told
      VirtualQueue.Dependencies dependencies =
          new VirtualQueue.Dependencies(
              destinations,
              sent::add,
              new DestinationBreakers(),
              new DestinationLimits(ConcurrencyLimitSettings.fromConfig(CONFIG)),
              archive,
              JournalSettings.fromConfig(CONFIG),
              JobPayloads.over(testKit.system(), readJournal),
              new TraceScans(SETTINGS.traceScansAtOnce()),
              NO_COMPACTION,
              new PayloadBudget(SETTINGS.payloadMemoryBytes()),
              JobEventListener.NONE,
              SETTINGS,
              Clock.systemUTC(),
              JobTracing.OFF);
      ActorRef<ClusterSharding.ShardCommand> shard =
          testKit.<ClusterSharding.ShardCommand>createTestProbe().ref();
      kit =
          EventSourcedBehaviorTestKit.create(
              testKit.system(),
              Behaviors.setup(
                  context -> {
                    self.set(context.getSelf());
                    return VirtualQueue.create(pair, shard, dependencies);
                  }),
              SERIALIZATION);
    }

    Job job(String name) {
      return jobs.computeIfAbsent(
          name,
          n -> JobFixtures.job(pair, n, "https://webhook.example/" + pair.source(), Instant.now()));
    }

    /** These jobs are made five hours old: they expired an hour ago (a job lives four). */
    void expired(String... names) {
      Instant created = Instant.now().minus(Duration.ofHours(5));
      for (String name : names) {
        jobs.put(
            name, JobFixtures.job(pair, name, "https://webhook.example/" + pair.source(), created));
      }
    }

    Job otherPairsJob(String name) {
      return jobs.computeIfAbsent(
          name,
          n ->
              JobFixtures.job(
                  otherPair, n, "https://other.example/" + pair.source(), Instant.now()));
    }

    ActorRef<VirtualQueue.Command> self() {
      return self.get();
    }

    void enqueue(String... names) {
      Job[] batch = Arrays.stream(names).map(this::job).toArray(Job[]::new);
      assertThat(enqueueing(batch).reply())
          .isEqualTo("accepted " + names.length + ", duplicates 0");
    }

    /** The destination answers the latest request for the job. */
    void answer(String name, int status) {
      Ksuid id = job(name).id();
      DeliveryRequest request =
          sent.stream()
              .filter(r -> r.job().id().equals(id))
              .reduce((earlier, later) -> later)
              .orElseThrow();
      Answer.respond(request, status);
    }

    Counts counts() {
      return Counts.of(kit.<VirtualQueue.QueueStats>runCommand(VirtualQueue.GetStats::new).reply());
    }

    void awaitCounts(Counts expected) {
      testKit.createTestProbe().awaitAssert(WAIT, () -> assertThat(counts()).isEqualTo(expected));
    }

    /** The events in the queue's journal. */
    List<QueueEvent> persisted() {
      return kit
          .persistenceTestKit()
          .persistedInStorage(VirtualQueue.persistenceId(pair).id())
          .stream()
          .map(QueueEvent.class::cast)
          .toList();
    }

    <R> Outcome call(Function<ActorRef<R>, VirtualQueue.Command> command) {
      EventSourcedBehaviorTestKit.CommandResultWithReply<
              VirtualQueue.Command, QueueEvent, QueueState, R>
          result = kit.runCommand(command);
      return new Outcome(replyAsTold(result.reply()), eventsAsTold(result.events()), counts());
    }

    Outcome enqueueing(Job... batch) {
      return this.<StatusReply<VirtualQueue.Accepted>>call(
          replyTo -> new VirtualQueue.Enqueue(List.of(batch), replyTo));
    }

    Outcome tracing(String name) {
      return this.<StatusReply<VirtualQueue.JobTrace>>call(
          replyTo -> new VirtualQueue.GetTrace(job(name).id(), replyTo));
    }

    Outcome tell(VirtualQueue.Command command) {
      return new Outcome("no reply", eventsAsTold(kit.runCommand(command).events()), counts());
    }

    /**
     * Stop, told to the queue's actor: a queue that stops at once answers nothing more, not even
     * the test kit. Stats asked right after it tell it still runs; the test kit then starts the
     * next incarnation of one that stopped.
     */
    Outcome stop() {
      int before = persisted().size();
      ActorRef<VirtualQueue.Command> queue = self();
      TestProbe<Object> probe = testKit.createTestProbe();
      testKit.spawn(
          Behaviors.<Object>setup(
              context -> {
                context.watchWith(queue, "stopped");
                return Behaviors.receiveMessage(
                    stopped -> {
                      probe.ref().tell(stopped);
                      return Behaviors.stopped();
                    });
              }));
      queue.tell(VirtualQueue.Stop.INSTANCE);
      queue.tell(new VirtualQueue.GetStats(probe.ref().narrow()));
      boolean stopped = "stopped".equals(probe.receiveMessage(WAIT));
      List<String> events = eventsAsTold(persisted().subList(before, persisted().size()));
      if (stopped) {
        kit.restart();
      }
      return new Outcome(stopped ? "stopped" : "still running", events, counts());
    }

    // ---- as the table tells them ----

    List<String> eventsAsTold(List<QueueEvent> events) {
      return events.stream()
          .flatMap(event -> event.jobEvents().stream())
          .map(event -> event.getClass().getSimpleName() + " " + name(event.jobId()))
          .toList();
    }

    String replyAsTold(Object reply) {
      if (reply instanceof StatusReply<?> status) {
        return status.isError()
            ? "error: " + withNames(status.getError().getMessage())
            : replyAsTold(status.getValue());
      }
      if (reply instanceof VirtualQueue.Accepted accepted) {
        return "accepted " + accepted.enqueued() + ", duplicates " + accepted.duplicates();
      }
      if (reply instanceof VirtualQueue.LeverPulled pulled) {
        return "applies to " + pulled.jobs() + " jobs";
      }
      if (reply instanceof VirtualQueue.QueueStats stats) {
        return String.format(
            "%d held (%d in flight, %d awaiting retry, %d archiving), %d cached;"
                + " max in flight %d, breaker %s%s%s",
            stats.pending(),
            stats.inFlight(),
            stats.awaitingRetry(),
            stats.archiving(),
            stats.cachedPayloads(),
            stats.maxInFlight(),
            stats.breaker(),
            stats.paused() ? ", paused" : "",
            stats.lastError() == null ? "" : ", last error " + stats.lastError());
      }
      if (reply instanceof VirtualQueue.JobTrace trace) {
        return (trace.live() ? "held: " : "not held: ")
            + trace.steps().stream().map(QueueUnderTest::stepAsTold).toList();
      }
      throw new AssertionError("a reply the table does not know: " + reply);
    }

    private static String stepAsTold(Transition step) {
      return step.state()
          + (step.httpStatus() == null ? "" : " " + step.httpStatus())
          + (step.reason() == null ? "" : " " + step.reason());
    }

    private String name(Ksuid id) {
      return jobs.entrySet().stream()
          .filter(job -> job.getValue().id().equals(id))
          .map(Map.Entry::getKey)
          .findFirst()
          .orElse(id.toString());
    }

    /** The message with the cell's names for its jobs and pairs. */
    private String withNames(String message) {
      String named =
          message.replace(otherPair.toString(), "<other pair>").replace(pair.toString(), "<pair>");
      for (Map.Entry<String, Job> job : jobs.entrySet()) {
        named = named.replace(job.getValue().id().toString(), job.getKey());
      }
      return named;
    }

    /**
     * Stops the queue's actor, through the classic system: the test kit spawned it under a guardian
     * of its own, which {@link ActorTestKit#stop} does not reach.
     */
    @Override
    public void close() {
      ActorRef<VirtualQueue.Command> queue = self();
      testKit.system().classicSystem().stop(Adapter.toClassic(queue));
      testKit.createTestProbe().expectTerminated(queue, WAIT);
    }
  }

  // ---- the table's vocabulary ----

  /** What a queue reports of its jobs. */
  record Counts(int pending, int inFlight, int awaitingRetry, int archiving) {
    static Counts of(VirtualQueue.QueueStats stats) {
      return new Counts(
          stats.pending(), stats.inFlight(), stats.awaitingRetry(), stats.archiving());
    }
  }

  /** What a command came to: its reply, the job events persisted meanwhile, the counts after. */
  record Outcome(String reply, List<String> events, Counts after) {}

  record Cell(State state, Call call, String reply, List<String> events, Counts after) {
    @Override
    public String toString() {
      return state + " × " + call;
    }
  }

  static Counts counts(int pending, int inFlight, int awaitingRetry, int archiving) {
    return new Counts(pending, inFlight, awaitingRetry, archiving);
  }

  /** Job events by type and job name, in any order. */
  static List<String> events(String... events) {
    return List.of(events);
  }

  static Cell cell(State state, Call call, String reply, List<String> events, Counts after) {
    return new Cell(state, call, reply, events, after);
  }

  /** A cell after which the queue's counts are still its state's. */
  static Cell cell(State state, Call call, String reply, List<String> events) {
    return cell(state, call, reply, events, state.counts);
  }

  /** The same reply in every state, nothing persisted, the counts unchanged. */
  static List<Cell> inEveryState(Call call, String reply) {
    return List.of(State.values()).stream()
        .map(state -> cell(state, call, reply, events()))
        .toList();
  }
}
