package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.persistence.journal.JobPayloads;
import dev.eventrouter.persistence.journal.JournalCompaction;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.persistence.journal.JournalShard;
import dev.eventrouter.persistence.serialization.CborSerializable;
import dev.eventrouter.queues.archive.ArchiveSink;
import dev.eventrouter.queues.archive.ArchivedJob;
import dev.eventrouter.queues.breaker.DestinationBreakers;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import dev.eventrouter.queues.rate.PairRate;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The virtual queue of one (source, destination) pair: a sharded, event-sourced actor whose
 * journal is the pair's durable mailbox.
 *
 * <p>It accepts jobs in batches and persists each batch in one write before it acknowledges it;
 * a job it had already (held, or finished: see {@link QueueState}) is acknowledged and not
 * added again. It delivers due jobs while the pair has in-flight room and rate permits and the
 * destination's circuit breaker lets requests through, and persists the outcomes, collected for
 * a few milliseconds so that one write carries many. Jobs whose expiry passes go to the archive; they
 * are archived only once the archive has them.
 *
 * <p>Its state is a compact index; payloads are held in a bounded cache and read back from the
 * journal when missing. Delivery is at-least-once: an attempt whose outcome was not persisted
 * before a crash is made again after recovery.
 */
public final class VirtualQueue
    extends EventSourcedBehaviorWithEnforcedReplies<VirtualQueue.Command, QueueEvent, QueueState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE =
      EntityTypeKey.create(Command.class, "VirtualQueue");

  // ---- protocol ----

  public sealed interface Command {}

  /**
   * Add jobs of this pair. The reply comes once they are in the journal; jobs the queue had
   * already count as duplicates and are not added again.
   *
   * @param persisted what the ingest knows is persisted of the topic the jobs came from (see
   *     {@link QueueState}); {@link PersistedRecords#NONE} from callers that do not know it, and
   *     from nodes of versions before it
   */
  public record Enqueue(List<Job> jobs, PersistedRecords persisted,
      ActorRef<StatusReply<Accepted>> replyTo) implements Command, CborSerializable {

    public Enqueue {
      persisted = persisted == null ? PersistedRecords.NONE : persisted;
    }

    public Enqueue(List<Job> jobs, ActorRef<StatusReply<Accepted>> replyTo) {
      this(jobs, PersistedRecords.NONE, replyTo);
    }
  }

  public record Accepted(int enqueued, int duplicates) implements CborSerializable {}

  public record GetStats(ActorRef<QueueStats> replyTo) implements Command, CborSerializable {}

  /**
   * @param pending live jobs (never attempted, awaiting retry, in flight, or being archived)
   * @param rateLimit the pair's current rate limit in requests per second; 0 for none
   * @param maxInFlight the pair's in-flight limit; 0 when its destination is not configured
   * @param breaker the state of the destination's circuit breaker on this node
   * @param cachedPayloads jobs whose payload is in memory
   * @param cachedPayloadBytes the bytes of those payloads, at most payload-cache-bytes
   * @param paused held by an operator
   * @param oldestJobAt when the oldest job held arrived (its Kafka record's time), or null
   * @param lastError the last failed attempt's status or error class, and when, or null
   */
  public record QueueStats(int pending, int inFlight, int awaitingRetry, int archiving,
      int rateLimit, int maxInFlight, String breaker, int cachedPayloads, long cachedPayloadBytes, long lastSequenceNr, boolean paused,
      Instant oldestJobAt, String lastError, Instant lastErrorAt)
      implements CborSerializable {}

  /**
   * Send every job held now to the archive (the expire_at lever: an operator gives up on them,
   * to replay later). Jobs in flight finish their attempt first: delivered, or archived when it
   * fails. Replies how many jobs that is.
   */
  public record FlushToArchive(ActorRef<LeverPulled> replyTo) implements Command, CborSerializable {}

  /**
   * Attempt now every job awaiting a retry later (the destination is back: do not wait out the
   * backoff). Replies how many jobs that is; they stay subject to the pair's rate, in-flight
   * limit and the breaker.
   */
  public record RetryNow(ActorRef<LeverPulled> replyTo) implements Command, CborSerializable {}

  /** @param jobs the jobs an operator's lever applies to */
  public record LeverPulled(int jobs) implements CborSerializable {}

  /**
   * The trace of one job of this pair: from the index and the journal while the job is live;
   * once it finished, from what the journal still holds of it (compaction deletes it in time).
   */
  public record GetTrace(Ksuid jobId, ActorRef<StatusReply<JobTrace>> replyTo)
      implements Command, CborSerializable {}

  /** @param live the queue holds the job (it has not succeeded, been discarded or archived) */
  public record JobTrace(Ksuid jobId, boolean live, List<Transition> steps)
      implements CborSerializable {}

  /** Sent by sharding to stop the queue (passivation, rebalancing, shutdown). */
  public enum Stop implements Command, CborSerializable { INSTANCE }

  /**
   * Sent by a queue to itself, through sharding, as it stops after it asked to passivate but
   * holding jobs that reached it meanwhile: the shard holds it for the queue and starts the queue
   * again with it, remembered. Nothing else to do: starting is recovering.
   */
  public enum StartAgain implements Command, CborSerializable { INSTANCE }

  private record Delivered(DeliveryOutcome outcome)
      implements Command, NoSerializationVerificationNeeded {}

  private enum FlushOutcomes implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private enum Dispatch implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private enum ArchiveExpired implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private enum ArchiveNext implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private enum Lever { FLUSH, RETRY_NOW }

  /** Applies a lever to the next batch of the jobs held when it was pulled. */
  private record LeverMore(Lever lever, long upToSequenceNr)
      implements Command, NoSerializationVerificationNeeded {}

  private enum PassivateIfIdle implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /** Stops without waiting any longer for the requests under way. */
  private enum StopNow implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private enum Upkeep implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /** Why payloads were read back. */
  private enum Purpose { DISPATCH, ARCHIVE, CARRY_FORWARD }

  /** @param readAs each job's index entry when it was read: a job that changed since is skipped */
  private record CarryForward(List<JobEvent.CarriedForward> events, Map<Ksuid, PendingJob> readAs)
      implements Command, NoSerializationVerificationNeeded {}

  private record Compacted(long below, Throwable failure)
      implements Command, NoSerializationVerificationNeeded {}

  /**
   * The events read back per job: for dispatch its payload event, else its whole trace.
   *
   * @param readAs each job's index entry when it was read, in schedule order: a job whose
   *     payload moved since (carried forward) is read again, not taken for lost
   */
  private record PayloadsRead(Purpose purpose, JobPayloads.Found found,
      Map<Ksuid, PendingJob> readAs, Throwable failure)
      implements Command, NoSerializationVerificationNeeded {}

  private record ArchiveStored(List<Ksuid> ids, Map<Ksuid, String> locations, Throwable failure)
      implements Command, NoSerializationVerificationNeeded {}

  /** What a queue needs from its node. */
  public record Dependencies(
      Destinations destinations,
      DeliveryClient deliveryClient,
      DestinationBreakers breakers,
      ArchiveSink archive,
      JournalSettings journal,
      JobPayloads payloads,
      JournalCompaction compaction,
      PayloadBudget payloadBudget,
      JobEventListener listener,
      VirtualQueueSettings settings,
      Clock clock) {}

  public static Behavior<Command> create(
      PairId pair, ActorRef<ClusterSharding.ShardCommand> shard, Dependencies dependencies) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new VirtualQueue(pair, shard, dependencies, context, timers)));
  }

  public static PersistenceId persistenceId(PairId pair) {
    return PersistenceId.of(ENTITY_TYPE.name(), pair.entityId());
  }

  // ---- the actor's runtime, never persisted ----

  private static final Object FLUSH_TIMER = "flush-outcomes";
  private static final Object DISPATCH_TIMER = "dispatch";
  private static final Object EXPIRY_TIMER = "expiry";
  private static final Object ARCHIVE_TIMER = "archive";
  private static final Object IDLE_TIMER = "idle";
  private static final Object UPKEEP_TIMER = "upkeep";
  private static final Object STOP_TIMER = "stop";
  /** Past the requests' deadline, for their answers to reach the queue. */
  private static final Duration STOP_MARGIN = Duration.ofSeconds(1);
  /**
   * How often a queue whose journal is not yet compacted up to its last snapshot looks again:
   * the job holding the low watermark back may have finished without another snapshot coming.
   */
  private static final Duration UPKEEP_INTERVAL = Duration.ofSeconds(10);
  private static final Duration READ_BACK_RETRY = Duration.ofSeconds(1);
  private static final Duration UNCONFIGURED_RETRY = Duration.ofMinutes(1);
  /** How often a paused queue with jobs looks whether it was resumed. */
  private static final Duration PAUSED_RECHECK = Duration.ofSeconds(1);
  /** Jobs an operator's lever changes per journal write. */
  private static final int LEVER_BATCH = 5_000;

  private final PairId pair;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  /** The journal database this queue's events are in, of the journal's shards. */
  private final JournalShard journal;
  private final Dependencies deps;
  private final VirtualQueueSettings settings;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ActorRef<DeliveryOutcome> outcomes;
  private final PayloadCache payloads;
  /**
   * Job id to the number of its attempt under way: sent and not answered, or answered and its
   * outcome not yet persisted. Such a job is not sent again, expired nor moved by a lever.
   */
  private final Map<Ksuid, Integer> inFlight = new HashMap<>();
  /**
   * The requests of {@link #inFlight} not answered yet: what max-in-flight-per-pair limits. An
   * answer frees its slot at once, so the outcome can wait for a batch to be written without
   * holding the pair back.
   */
  private int unanswered;
  /** Asked to stop, waiting for the requests under way: nothing new is sent. */
  private boolean stopping;
  /** The pair's in-flight limit as the last dispatch found it. */
  private int sendLimit;
  private final List<DeliveryOutcome> unpersistedOutcomes = new ArrayList<>();
  /**
   * Jobs a flush reached in flight: archived if their attempt fails. Lost if the queue stops
   * before, like the rest of a lever's batches.
   */
  private final Set<Ksuid> flushWhenAttempted = new HashSet<>();
  /**
   * This queue asked its shard to passivate it: a stop may be that passivation, after which the
   * shard forgets the queue (see {@link #stop}). Never reset: the shard ignores the ask when it
   * holds messages for the queue, and a wrong guess only costs a needless {@link StartAgain}.
   */
  private boolean passivationAsked;
  private PairRate rate;
  private final Set<Purpose> reading = new HashSet<>();
  private boolean archiveInFlight;
  private int archiveFailures;
  private long dispatchTimerAt = Long.MAX_VALUE;
  private long expiryTimerAt = Long.MAX_VALUE;
  private long jobEventsSinceSnapshot;
  private long savedSnapshotSequenceNr;
  private long compactedBelow;
  private boolean compacting;
  private boolean compactAgain;
  /** The jobs of the current carry-forward round, oldest payload first; empty between rounds. */
  private final ArrayDeque<Ksuid> toCarry = new ArrayDeque<>();
  private boolean carrying;
  /**
   * A lever's batches are under way: no carry-forward starts meanwhile, since carrying a job
   * moves it past the lever's mark ({@code upToSequenceNr}) and the lever would miss it.
   */
  private int leversRunning;
  /** Lever batches that wait for the carry-forward round under way. */
  private final ArrayDeque<LeverMore> leversWaiting = new ArrayDeque<>();
  private int reportedDepth;
  private String lastError;
  private Instant lastErrorAt;

  private VirtualQueue(PairId pair, ActorRef<ClusterSharding.ShardCommand> shard,
      Dependencies deps, ActorContext<Command> context, TimerScheduler<Command> timers) {
    // No restart in place on a journal failure: the persistence behaviour would start again from
    // the state object it was first given, and this one is mutable (it would hold the events
    // applied before the failure, and replay them a second time). The queue stops instead, and
    // sharding starts a new one, with a new state, that recovers from the journal.
    super(persistenceId(pair));
    this.pair = pair;
    this.shard = shard;
    this.journal = deps.journal().shardOf(persistenceId().id());
    this.deps = deps;
    this.settings = deps.settings();
    this.context = context;
    this.timers = timers;
    this.outcomes = context.messageAdapter(DeliveryOutcome.class, Delivered::new);
    this.payloads = new PayloadCache(settings.payloadCacheBytes(), deps.payloadBudget());
  }

  @Override
  public String journalPluginId() {
    return journal.journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return journal.snapshotPluginId();
  }

  @Override
  public QueueState emptyState() {
    return new QueueState(settings.dedupeWindow(), settings.dedupeMaxEntries());
  }

  @Override
  public CommandHandlerWithReply<Command, QueueEvent, QueueState> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Enqueue.class, this::enqueue)
        .onCommand(Delivered.class, this::delivered)
        .onCommand(FlushOutcomes.class, (state, flush) -> flushOutcomes(state))
        .onCommand(Dispatch.class, (state, dispatch) -> {
          dispatchTimerAt = Long.MAX_VALUE;
          dispatch(state);
          return Effect().noReply();
        })
        .onCommand(ArchiveExpired.class, (state, expired) -> archiveExpired(state))
        .onCommand(ArchiveNext.class, (state, next) -> {
          archiveNext(state);
          return Effect().noReply();
        })
        .onCommand(ArchiveStored.class, this::archiveStored)
        .onCommand(PayloadsRead.class, this::payloadsRead)
        .onCommand(CarryForward.class, this::carryForward)
        .onCommand(Compacted.class, this::compacted)
        .onCommand(Upkeep.class, (state, upkeep) -> {
          upkeep(state);
          return Effect().noReply();
        })
        .onCommand(GetStats.class, (state, get) -> Effect().reply(get.replyTo(), stats(state)))
        .onCommand(GetTrace.class, this::trace)
        .onCommand(FlushToArchive.class, (state, flush) -> pull(state, Lever.FLUSH, flush.replyTo()))
        .onCommand(RetryNow.class, (state, retry) -> pull(state, Lever.RETRY_NOW, retry.replyTo()))
        .onCommand(LeverMore.class, this::leverMore)
        .onCommand(PassivateIfIdle.class, this::passivateIfIdle)
        .onCommand(Stop.class, (state, stop) -> stop(state))
        .onCommand(StopNow.class, (state, now) -> stopNow(state))
        .onCommand(StartAgain.class, (state, start) -> Effect().noReply())
        .build();
  }

  @Override
  public EventHandler<QueueState, QueueEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(QueueState::apply);
  }

  /** The snapshot holds the index only, copied on the actor's thread: the state is mutable. */
  @Override
  public SnapshotAdapter<QueueState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(QueueState state) {
        return state.toSnapshot();
      }

      @Override
      public QueueState fromJournal(Object from) {
        return QueueState.fromSnapshot((QueueSnapshot) from, settings.dedupeWindow(),
            settings.dedupeMaxEntries());
      }
    };
  }

  /**
   * After snapshot-every job events, or as many as the queue holds jobs if that is more: a large
   * backlog is not written out again after every thousand jobs. Counted in job events, not
   * journal events, which may each carry a batch of hundreds. None while the queue holds more
   * than snapshot-max-jobs: the first event after which it holds fewer takes the one put off.
   */
  @Override
  public boolean shouldSnapshot(QueueState state, QueueEvent event, long sequenceNr) {
    jobEventsSinceSnapshot += event.jobEvents().size();
    // Pekko asks with the state before the events of a write are applied
    if (jobEventsSinceSnapshot < Math.max(settings.snapshotEvery(), state.size())
        || state.size() + sizeChange(event) > settings.snapshotMaxJobs()) {
      return false;
    }
    jobEventsSinceSnapshot = 0;
    return true;
  }

  /** How many jobs the queue holds more (or fewer) once the event is applied. */
  private static int sizeChange(QueueEvent event) {
    int change = 0;
    for (JobEvent jobEvent : event.jobEvents()) {
      if (jobEvent instanceof JobEvent.AwaitingScheduling) {
        change++;
      } else if (jobEvent instanceof JobEvent.Succeeded || jobEvent instanceof JobEvent.Discarded
          || jobEvent instanceof JobEvent.Archived) {
        change--;
      }
    }
    return change;
  }

  @Override
  public SignalHandler<QueueState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          jobEventsSinceSnapshot = 0;
          afterChange(state);
          archiveNext(state);
        })
        .onSignal(PostStop.instance(), state -> {
          payloads.clear();
          reportDepth(0);
        })
        .onSignal(SnapshotCompleted.class, (state, completed) -> {
          savedSnapshotSequenceNr = completed.metadata().sequenceNr();
          upkeep(state);
        })
        .build();
  }

  /**
   * The journal write of these job events, atomic: in the batched format one event carrying
   * them all (several if they weigh more than journal-event-max-bytes), else one event each,
   * as versions before batches wrote.
   */
  private EffectBuilder<QueueEvent, QueueState> persist(List<? extends JobEvent> events) {
    return Effect().persist(settings.journalFormat() == VirtualQueueSettings.JournalFormat.BATCHED
        ? JournalBatches.of(events, settings.journalEventMaxBytes())
        : List.<QueueEvent>copyOf(events));
  }

  // ---- accepting ----

  private ReplyEffect<QueueEvent, QueueState> enqueue(QueueState state, Enqueue enqueue) {
    // a fact about records, not an event of this queue: it changes the state as it comes
    state.persisted(enqueue.persisted());
    List<Job> fresh = new ArrayList<>(enqueue.jobs().size());
    Set<Ksuid> seen = new HashSet<>();
    for (Job job : enqueue.jobs()) {
      if (!job.pair().equals(pair)) {
        return Effect().reply(enqueue.replyTo(),
            StatusReply.error("job " + job.id() + " is for " + job.pair() + ", not " + pair));
      }
      if (!state.knows(job, enqueue.persisted()) && seen.add(job.id())) {
        fresh.add(job);
      }
    }
    Accepted accepted = new Accepted(fresh.size(), enqueue.jobs().size() - fresh.size());
    if (fresh.isEmpty()) {
      restartIdleTimer(state);
      return Effect().reply(enqueue.replyTo(), StatusReply.success(accepted));
    }
    List<JobEvent> events = fresh.stream().<JobEvent>map(JobEvent.AwaitingScheduling::new).toList();
    long writing = System.nanoTime();
    return persist(events)
        .thenRun(s -> {
          deps.listener().journalWrite(events.size(), System.nanoTime() - writing);
          fresh.forEach(payloads::offer);
          afterChange(s);
        })
        .thenReply(enqueue.replyTo(), s -> StatusReply.success(accepted));
  }

  // ---- outcomes ----

  private ReplyEffect<QueueEvent, QueueState> delivered(QueueState state, Delivered delivered) {
    DeliveryOutcome outcome = delivered.outcome();
    Integer attempt = inFlight.get(outcome.jobId());
    if (attempt == null || attempt != outcome.attempt()) {
      // an outcome of an attempt this incarnation did not start: the job is retried anyway
      return Effect().noReply();
    }
    report(outcome);
    unanswered--;
    unpersistedOutcomes.add(outcome);
    if (stopping && unanswered == 0) {
      return stopNow(state);
    }
    if (unpersistedOutcomes.size() >= settings.outcomeBatchMax()) {
      return flushOutcomes(state);
    }
    if (!timers.isTimerActive(FLUSH_TIMER)) {
      timers.startSingleTimer(FLUSH_TIMER, FlushOutcomes.INSTANCE, settings.outcomeBatchDelay());
    }
    // refilled by halves: each dispatch walks the schedule past the jobs under way
    if (unanswered <= sendLimit / 2) {
      dispatch(state);
    }
    return Effect().noReply();
  }

  /**
   * Tells the destination's breaker and the pair's rate what happened. A 429 is about this
   * tenant's rate, not the destination's health: it slows the pair and leaves the breaker alone.
   */
  private void report(DeliveryOutcome outcome) {
    Optional<DestinationSettings> destination = deps.destinations().find(pair);
    if (destination.isEmpty()) {
      return;
    }
    if (outcome.verdict() != DeliveryOutcome.Verdict.SUCCEEDED) {
      lastError = outcome.status() == 0 ? outcome.error() : "HTTP " + outcome.status();
      lastErrorAt = outcome.finishedAt();
    }
    CircuitBreaker breaker = deps.breakers().of(destination.get());
    long took = Duration.between(outcome.startedAt(), outcome.finishedAt()).toNanos();
    if (outcome.status() == 429) {
      breaker.releasePermission();
      rate().throttled();
    } else if (outcome.verdict() == DeliveryOutcome.Verdict.RETRY) {
      breaker.onError(took, TimeUnit.NANOSECONDS, new DeliveryFailure(outcome));
    } else if (outcome.origin() == DiscardOrigin.SYSTEM) {
      breaker.releasePermission();
    } else {
      breaker.onSuccess(took, TimeUnit.NANOSECONDS);
    }
  }

  private ReplyEffect<QueueEvent, QueueState> flushOutcomes(QueueState state) {
    timers.cancel(FLUSH_TIMER);
    if (unpersistedOutcomes.isEmpty()) {
      return Effect().noReply();
    }
    List<JobEvent> events = transitions(state);
    long writing = System.nanoTime();
    return persist(events)
        .thenRun(s -> {
          deps.listener().journalWrite(events.size(), System.nanoTime() - writing);
          deps.listener().persisted(pair, events);
          for (JobEvent event : events) {
            inFlight.remove(event.jobId());
            if (!s.contains(event.jobId())) {
              payloads.remove(event.jobId());
            }
          }
          afterChange(s);
          archiveNext(s);
        })
        .thenNoReply();
  }

  /** The events for the outcomes received and not yet persisted; clears them. */
  private List<JobEvent> transitions(QueueState state) {
    List<JobEvent> events = new ArrayList<>(unpersistedOutcomes.size());
    for (DeliveryOutcome outcome : unpersistedOutcomes) {
      boolean flushed = flushWhenAttempted.remove(outcome.jobId());
      switch (outcome.verdict()) {
        case SUCCEEDED -> events.add(new JobEvent.Succeeded(outcome.jobId(), outcome.toAttempt()));
        case DISCARDED -> events.add(new JobEvent.Discarded(outcome.jobId(), outcome.toAttempt(),
            outcome.discardReason(), outcome.origin()));
        case RETRY -> {
          // the failed attempt is in the trace also when the job goes to the archive after it
          events.add(new JobEvent.AwaitingRetry(outcome.jobId(), outcome.toAttempt(), retryAt(outcome)));
          archiveReason(state, outcome, flushed).ifPresent(reason ->
              events.add(new JobEvent.Archiving(outcome.jobId(), outcome.finishedAt(), reason)));
        }
      }
    }
    unpersistedOutcomes.clear();
    return events;
  }

  /**
   * Why a failed attempt is the job's last: an operator flushed it meanwhile, or its expiry has
   * passed; empty when it is retried.
   */
  private Optional<String> archiveReason(QueueState state, DeliveryOutcome outcome, boolean flushed) {
    if (flushed) {
      return Optional.of(JobEvent.Archiving.FLUSHED);
    }
    PendingJob job = state.get(outcome.jobId());
    if (job != null && outcome.finishedAt().toEpochMilli() >= job.expireAtMillis()) {
      return Optional.of(JobEvent.Archiving.EXPIRED);
    }
    return Optional.empty();
  }

  private Instant retryAt(DeliveryOutcome outcome) {
    Optional<DestinationSettings> destination = deps.destinations().find(pair);
    if (destination.isEmpty()) {
      // the destination was removed meanwhile: hold the job, look again later
      return outcome.finishedAt().plus(UNCONFIGURED_RETRY);
    }
    return destination.get().retry().retryAt(outcome.attempt(), outcome.finishedAt(),
        outcome.retryAfter(), ThreadLocalRandom.current());
  }

  // ---- delivery ----

  /**
   * Sends every job that is due, in schedule order, while the pair has in-flight room and rate
   * permits and the breaker lets requests through; reads back the payloads it does not hold;
   * arms a timer for when it can go on.
   */
  private void dispatch(QueueState state) {
    dispatch(state, Map.of());
  }

  /** @param justRead payloads just read back, of jobs the cache had no room to keep */
  private void dispatch(QueueState state, Map<Ksuid, Job> justRead) {
    if (stopping) {
      return;
    }
    Optional<DestinationSettings> found = deps.destinations().find(pair);
    if (found.isEmpty()) {
      if (!state.schedule().isEmpty()) {
        context.getLog().warn("destination of {} is not configured; its {} jobs are held",
            pair, state.schedule().size());
        scheduleDispatch(deps.clock().millis() + UNCONFIGURED_RETRY.toMillis());
      }
      return;
    }
    if (deps.destinations().paused(pair)) {
      if (!state.schedule().isEmpty()) {
        scheduleDispatch(deps.clock().millis() + PAUSED_RECHECK.toMillis());
      }
      return;
    }
    DestinationSettings destination = found.get();
    CircuitBreaker breaker = deps.breakers().of(destination);
    PairRate rate = rate();
    rate.configure(destination.ratePerSecond());
    int limit = destination.maxInFlightPerPair();
    sendLimit = limit;
    long now = deps.clock().millis();
    List<PendingJob> unread = new ArrayList<>();
    boolean sending = true;
    boolean readNow = false;
    int looked = 0;
    for (PendingJob job : state.schedule()) {
      if (job.dueAtMillis() > now) {
        scheduleDispatch(job.dueAtMillis());
        break;
      }
      if (inFlight.containsKey(job.id()) || job.expireAtMillis() <= now) {
        // an expired job waits for the expiry timer, which archives it
        continue;
      }
      // past the jobs it can send now it looks ahead, to read their payloads back in one go,
      // but only when a payload is missing: otherwise what it would find is not used
      if (!sending && !readNow || ++looked > Math.max(limit, settings.readBackBatch())) {
        break;
      }
      Job payload = payloads.get(job.id());
      if (payload == null) {
        payload = justRead.get(job.id());
      }
      if (payload == null) {
        unread.add(job);
        if (sending) {
          // no later job overtakes it while its payload is read: the room it could go in now
          // is still there when the payload comes, so it goes even if the cache cannot keep it
          readNow = unanswered < limit;
          sending = false;
        }
        continue;
      }
      if (!sending) {
        continue;
      }
      if (unanswered >= limit) {
        sending = false;
      } else if (!breaker.tryAcquirePermission()) {
        // open: nothing leaves for the destination, and no job is charged an attempt
        scheduleDispatch(now + breakerRetryMillis(destination));
        sending = false;
      } else if (!rate.tryAcquire()) {
        breaker.releasePermission();
        scheduleDispatch(now + rate.untilNextPermit().toMillis());
        sending = false;
      } else if (!deps.deliveryClient().send(
          new DeliveryRequest(payload, job.attempts() + 1, destination, outcomes))) {
        breaker.releasePermission();
        scheduleDispatch(now + settings.busyRetryDelay().toMillis());
        sending = false;
      } else {
        inFlight.put(job.id(), job.attempts() + 1);
        unanswered++;
      }
    }
    if (readNow) {
      // with no room to keep payloads, reading ahead would read them again: only what can go now
      int wanted = payloads.hasRoom() ? unread.size() : Math.min(unread.size(), limit - unanswered);
      readBack(Purpose.DISPATCH, unread.subList(0, wanted));
    }
  }

  /** While the breaker is open, queues look again at random within its open time. */
  private long breakerRetryMillis(DestinationSettings destination) {
    long open = destination.breaker().openFor().toMillis();
    return open / 2 + ThreadLocalRandom.current().nextLong(open / 2 + 1);
  }

  private PairRate rate() {
    if (rate == null) {
      int configured = deps.destinations().find(pair).map(DestinationSettings::ratePerSecond).orElse(0);
      rate = new PairRate(pair.entityId(), configured);
    }
    return rate;
  }

  // ---- expiry and archiving ----

  /** Marks for the archive the jobs whose expiry has passed (none in flight). */
  private ReplyEffect<QueueEvent, QueueState> archiveExpired(QueueState state) {
    expiryTimerAt = Long.MAX_VALUE;
    long now = deps.clock().millis();
    Instant at = deps.clock().instant();
    List<JobEvent> events = new ArrayList<>();
    for (PendingJob job : state.expiries()) {
      if (job.expireAtMillis() > now || events.size() >= settings.archiveBatchMax()) {
        break;
      }
      if (!inFlight.containsKey(job.id())) {
        events.add(new JobEvent.Archiving(job.id(), at, JobEvent.Archiving.EXPIRED));
      }
    }
    if (events.isEmpty()) {
      scheduleExpiry(state);
      return Effect().noReply();
    }
    return persist(events)
        .thenRun(s -> {
          deps.listener().persisted(pair, events);
          afterChange(s);
          archiveNext(s);
        })
        .thenNoReply();
  }

  /**
   * Reads the next batch of jobs marked for the archive back from the journal, with their
   * traces; {@link #archiveRead} hands them to the archive.
   */
  private void archiveNext(QueueState state) {
    if (archiveInFlight || state.archiving().isEmpty()) {
      return;
    }
    List<PendingJob> batch = state.archiving().stream()
        .limit(settings.archiveBatchMax()).map(state::get).toList();
    archiveInFlight = true;
    readBack(Purpose.ARCHIVE, batch);
  }

  private void archiveRead(Map<Ksuid, List<JobEvent>> traces) {
    List<ArchivedJob> batch = new ArrayList<>(traces.size());
    traces.forEach((id, trace) -> batch.add(new ArchivedJob(JobPayloads.payloadOf(trace), trace)));
    batch.sort(Comparator.comparing(archived -> archived.job().id()));
    List<Ksuid> ids = batch.stream().map(archived -> archived.job().id()).toList();
    context.pipeToSelf(deps.archive().archive(pair, batch),
        (locations, failure) -> new ArchiveStored(ids, locations, failure));
  }

  private ReplyEffect<QueueEvent, QueueState> archiveStored(QueueState state, ArchiveStored stored) {
    archiveInFlight = false;
    if (stored.failure() != null) {
      archiveFailures++;
      Duration backoff = Duration.ofMillis(Math.min(30_000L, 500L << Math.min(archiveFailures, 6)));
      context.getLog().warn("archiving {} jobs of {} failed (attempt {}), trying again in {}: {}",
          stored.ids().size(), pair, archiveFailures, backoff, stored.failure().toString());
      timers.startSingleTimer(ARCHIVE_TIMER, ArchiveNext.INSTANCE, backoff);
      return Effect().noReply();
    }
    archiveFailures = 0;
    Instant at = deps.clock().instant();
    List<JobEvent> events = stored.ids().stream()
        .<JobEvent>map(id -> new JobEvent.Archived(id, at, stored.locations().getOrDefault(id, "")))
        .toList();
    return persist(events)
        .thenRun(s -> {
          deps.listener().persisted(pair, events);
          stored.ids().forEach(payloads::remove);
          reportDepth(s.size());
          archiveNext(s);
          restartIdleTimer(s);
        })
        .thenNoReply();
  }

  // ---- reading payloads back ----

  /**
   * Reads jobs back from the journal: for dispatch only the events carrying their payloads, for
   * the archive and for carrying forward their whole traces.
   */
  private void readBack(Purpose purpose, List<PendingJob> jobs) {
    if (!reading.add(purpose)) {
      return;
    }
    SortedSet<Long> sequenceNrs = new TreeSet<>();
    Map<Ksuid, PendingJob> readAs = new LinkedHashMap<>();
    for (PendingJob job : jobs) {
      if (purpose == Purpose.DISPATCH) {
        sequenceNrs.add(job.payloadSequenceNr());
      } else {
        sequenceNrs.addAll(job.traceSequenceNrsWithPayload());
      }
      readAs.put(job.id(), job);
    }
    context.pipeToSelf(
        deps.payloads().readEvents(persistenceId().id(), sequenceNrs, readAs.keySet()),
        (found, failure) -> new PayloadsRead(purpose, found, readAs, failure));
  }

  /**
   * A read that failed is tried again: the journal did not answer, and no job ends for that. A
   * job whose payload the journal answered without (the row is gone, or its bytes cannot be
   * read) can never be sent nor archived: it is discarded by the system, with the reason in its
   * trace, and the pair goes on with the others.
   */
  private ReplyEffect<QueueEvent, QueueState> payloadsRead(QueueState state, PayloadsRead read) {
    reading.remove(read.purpose());
    if (read.failure() != null) {
      context.getLog().warn("reading jobs of {} back from the journal failed; trying again in {}",
          pair, READ_BACK_RETRY, read.failure());
      retryLater(read.purpose());
      return Effect().noReply();
    }
    Map<Ksuid, List<JobEvent>> live = new LinkedHashMap<>();
    List<JobEvent> lost = new ArrayList<>();
    Instant at = deps.clock().instant();
    read.readAs().forEach((id, asRead) -> {
      PendingJob now = state.get(id);
      List<JobEvent> events = read.found().events().get(id);
      boolean moved = now != null && now.payloadSequenceNr() != asRead.payloadSequenceNr();
      if (now == null || moved) {
        // finished meanwhile, or carried forward (and its old row maybe compacted): read anew
        return;
      }
      if (events != null && JobPayloads.payloadOf(events) != null) {
        live.put(id, events);
      } else if (!inFlight.containsKey(id)) {
        // one in flight (carry-forward reads those too) ends by its outcome, or comes back here
        lost.add(LostPayload.discard(now, read.found().unreadable().contains(now.payloadSequenceNr()), at));
      }
    });
    if (lost.isEmpty()) {
      useRead(state, read.purpose(), live);
      return Effect().noReply();
    }
    context.getLog().error("{} jobs of {} have no readable payload in the journal, discarded: {}",
        lost.size(), pair, lost.stream().map(JobEvent::jobId).toList());
    return persist(lost)
        .thenRun(s -> {
          deps.listener().persisted(pair, lost);
          reportDepth(s.size());
          useRead(s, read.purpose(), live);
          restartIdleTimer(s);
        })
        .thenNoReply();
  }

  /** Goes on with the jobs read back, each with its payload. */
  private void useRead(QueueState state, Purpose purpose, Map<Ksuid, List<JobEvent>> live) {
    switch (purpose) {
      case DISPATCH -> {
        Map<Ksuid, Job> read = new LinkedHashMap<>();
        live.forEach((id, events) -> read.put(id, JobPayloads.payloadOf(events)));
        // kept while there is room, first due first; the rest goes now or is read again when due
        read.values().forEach(payloads::offer);
        dispatch(state, read);
      }
      case ARCHIVE -> {
        if (live.isEmpty()) {
          archiveInFlight = false;
          archiveNext(state);
        } else {
          archiveRead(live);
        }
      }
      case CARRY_FORWARD -> carryForwardRead(state, live);
    }
  }

  private void retryLater(Purpose purpose) {
    switch (purpose) {
      case DISPATCH -> scheduleDispatch(deps.clock().millis() + READ_BACK_RETRY.toMillis());
      case ARCHIVE -> {
        archiveInFlight = false;
        timers.startSingleTimer(ARCHIVE_TIMER, ArchiveNext.INSTANCE, READ_BACK_RETRY);
      }
      // the next snapshot starts another round
      case CARRY_FORWARD -> {
        carrying = false;
        toCarry.clear();
      }
    }
  }

  // ---- journal upkeep ----

  /** Compacts up to the last snapshot and carries payloads forward; looks again until done. */
  private void upkeep(QueueState state) {
    compact(state);
    carryForwardNext(state);
    if (compactedBelow < savedSnapshotSequenceNr && !timers.isTimerActive(UPKEEP_TIMER)) {
      timers.startSingleTimer(UPKEEP_TIMER, Upkeep.INSTANCE, UPKEEP_INTERVAL);
    }
  }

  /**
   * Deletes what no live job needs any more: the events below both the low watermark and the
   * last snapshot, and the older snapshots. One deletion at a time; asked again meanwhile, it
   * runs again when the first is done.
   */
  private void compact(QueueState state) {
    long below = Math.min(state.lowWatermark(), savedSnapshotSequenceNr);
    if (below <= compactedBelow) {
      return;
    }
    if (compacting) {
      compactAgain = true;
      return;
    }
    compacting = true;
    compactAgain = false;
    context.pipeToSelf(
        deps.compaction().deleteBelow(persistenceId().id(), below, savedSnapshotSequenceNr),
        (deleted, failure) -> new Compacted(below, failure));
  }

  private ReplyEffect<QueueEvent, QueueState> compacted(QueueState state, Compacted compacted) {
    compacting = false;
    if (compacted.failure() != null) {
      context.getLog().warn("deleting the old journal rows of {} failed; trying again later",
          pair, compacted.failure());
    } else {
      compactedBelow = compacted.below();
    }
    if (compactAgain) {
      compact(state);
    }
    return Effect().noReply();
  }

  /**
   * Carries the oldest payloads of retrying jobs forward when they hold the low watermark far
   * behind the head (more than carry-forward-lag, or twice the jobs held): a round takes the
   * retrying jobs whose payload lies more than half of that behind, a batch at a time. Jobs never
   * attempted are left where they are: they leave in arrival order, and the watermark with them.
   */
  private void carryForwardNext(QueueState state) {
    if (carrying || leversRunning > 0) {
      return;
    }
    // counted in job events: a journal event of a batch pins all the payloads it carries
    long lag = Math.max(settings.carryForwardLag(), 2L * state.size());
    double perEvent = state.jobEventsPerEvent();
    if (toCarry.isEmpty()) {
      if ((state.sequenceNr() - state.lowWatermark()) * perEvent <= lag) {
        return;
      }
      state.attemptedWithPayloadsBelow(state.sequenceNr() - (long) (lag / 2 / perEvent), Integer.MAX_VALUE)
          .forEach(job -> toCarry.add(job.id()));
    }
    List<PendingJob> batch = new ArrayList<>();
    for (Ksuid id : toCarry) {
      if (batch.size() >= settings.carryForwardBatch()) {
        break;
      }
      PendingJob job = state.get(id);
      if (job != null) {
        batch.add(job);
      }
    }
    if (batch.isEmpty()) {
      toCarry.clear();
      compact(state);
      return;
    }
    carrying = true;
    batch.forEach(job -> toCarry.remove(job.id()));
    readBack(Purpose.CARRY_FORWARD, batch);
  }

  /** Each job again, with the attempts its trace tells so far: those events may go now. */
  private void carryForwardRead(QueueState state, Map<Ksuid, List<JobEvent>> traces) {
    List<JobEvent.CarriedForward> events = new ArrayList<>(traces.size());
    traces.forEach((id, trace) -> {
      List<Attempt> attempts = new ArrayList<>();
      for (JobEvent event : trace) {
        if (event instanceof JobEvent.CarriedForward carried) {
          attempts.addAll(carried.earlierAttempts());
        } else if (event instanceof JobEvent.AwaitingRetry retry) {
          attempts.add(retry.attempt());
        }
      }
      events.add(new JobEvent.CarriedForward(JobPayloads.payloadOf(trace), attempts));
    });
    events.sort(Comparator.comparing(JobEvent::jobId));
    Map<Ksuid, PendingJob> readAs = new HashMap<>();
    traces.keySet().forEach(id -> readAs.put(id, state.get(id)));
    context.getSelf().tell(new CarryForward(events, readAs));
  }

  private ReplyEffect<QueueEvent, QueueState> carryForward(QueueState state, CarryForward carry) {
    // a job attempted (or archived) since it was read has events the carried one would hide
    List<JobEvent> events = carry.events().stream()
        .filter(event -> Objects.equals(state.get(event.jobId()), carry.readAs().get(event.jobId())))
        .<JobEvent>map(event -> event)
        .toList();
    if (events.isEmpty()) {
      carried(state);
      return Effect().noReply();
    }
    return persist(events).thenRun(this::carried).thenNoReply();
  }

  private void carried(QueueState state) {
    carrying = false;
    if (!leversWaiting.isEmpty()) {
      leversWaiting.forEach(context.getSelf()::tell);
      leversWaiting.clear();
      return;
    }
    carryForwardNext(state);
  }

  // ---- timers and lifecycle ----

  /** After the index changed: send what can be sent, and watch the next expiry. */
  private void afterChange(QueueState state) {
    reportDepth(state.size());
    dispatch(state);
    scheduleExpiry(state);
    restartIdleTimer(state);
  }

  private void reportDepth(int jobs) {
    if (jobs != reportedDepth) {
      reportedDepth = jobs;
      deps.listener().depth(pair, jobs);
    }
  }

  private void scheduleDispatch(long atMillis) {
    if (atMillis >= dispatchTimerAt && timers.isTimerActive(DISPATCH_TIMER)) {
      return;
    }
    dispatchTimerAt = atMillis;
    timers.startSingleTimer(DISPATCH_TIMER, Dispatch.INSTANCE, delayUntil(atMillis));
  }

  /**
   * For the first job to expire that is not in flight: one in flight goes to the archive by its
   * outcome (see {@link #archiveReason}), and waking for it would wake again at once until then.
   * At most max-in-flight jobs are skipped.
   */
  private void scheduleExpiry(QueueState state) {
    long at = Long.MAX_VALUE;
    for (PendingJob job : state.expiries()) {
      if (!inFlight.containsKey(job.id())) {
        at = job.expireAtMillis();
        break;
      }
    }
    if (at == Long.MAX_VALUE) {
      return;
    }
    if (at >= expiryTimerAt && timers.isTimerActive(EXPIRY_TIMER)) {
      return;
    }
    expiryTimerAt = at;
    timers.startSingleTimer(EXPIRY_TIMER, ArchiveExpired.INSTANCE, delayUntil(at));
  }

  private Duration delayUntil(long atMillis) {
    return Duration.ofMillis(Math.max(0, atMillis - deps.clock().millis()));
  }

  /**
   * An empty queue passivates after passivate-idle-after without work: each job that comes or
   * goes starts the wait again, and a queue with jobs does not wait at all.
   */
  private void restartIdleTimer(QueueState state) {
    if (state.isEmpty()) {
      timers.startSingleTimer(IDLE_TIMER, PassivateIfIdle.INSTANCE, settings.passivateIdleAfter());
    } else {
      timers.cancel(IDLE_TIMER);
    }
  }

  private ReplyEffect<QueueEvent, QueueState> passivateIfIdle(QueueState state, PassivateIfIdle check) {
    if (state.isEmpty() && inFlight.isEmpty() && unpersistedOutcomes.isEmpty()) {
      passivationAsked = true;
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
    return Effect().noReply();
  }

  /**
   * Stops once the requests under way are answered (at the latest at their deadline, or after
   * stop-wait if that is sooner: a shutdown must not hang on a slow destination), sending
   * nothing new meanwhile: a hand-off and a shutdown wait for it, and an attempt answered is not
   * made again by the next incarnation. The outcomes received are persisted first.
   *
   * <p>A queue the shard passivates is forgotten (no longer remembered, not started after a
   * restart), and jobs can still reach it between its ask and the shard's stop message. Holding
   * jobs then, it sends itself {@link StartAgain} through sharding before it stops: the shard
   * holds a message that comes for a passivating queue and starts it again with it, remembered.
   * Refusing to stop would not do: the shard holds every message for the queue until it stops.
   */
  private ReplyEffect<QueueEvent, QueueState> stop(QueueState state) {
    if (stopping) {
      return Effect().noReply();
    }
    if (passivationAsked && !state.isEmpty()) {
      ClusterSharding.get(context.getSystem()).entityRefFor(ENTITY_TYPE, pair.entityId())
          .tell(StartAgain.INSTANCE);
    }
    if (unanswered == 0) {
      return stopNow(state);
    }
    stopping = true;
    Duration deadline = deps.destinations().find(pair)
        .map(destination -> destination.timeout().multipliedBy(2).plus(STOP_MARGIN))
        .orElse(Duration.ZERO);
    timers.startSingleTimer(STOP_TIMER, StopNow.INSTANCE,
        deadline.compareTo(settings.stopWait()) < 0 ? deadline : settings.stopWait());
    return Effect().noReply();
  }

  /** Persists the outcomes received, then stops; requests still unanswered are made again. */
  private ReplyEffect<QueueEvent, QueueState> stopNow(QueueState state) {
    if (unpersistedOutcomes.isEmpty()) {
      return Effect().stop().thenNoReply();
    }
    return persist(transitions(state)).thenStop().thenNoReply();
  }

  private ReplyEffect<QueueEvent, QueueState> trace(QueueState state, GetTrace get) {
    Ksuid id = get.jobId();
    PendingJob job = state.get(id);
    String persistenceId = persistenceId().id();
    CompletionStage<List<JobEvent>> events = job != null
        ? deps.payloads().readEvents(persistenceId, job.traceSequenceNrsWithPayload(), Set.of(id))
            .thenApply(found -> found.events().getOrDefault(id, List.of()))
        : deps.payloads().eventsOf(persistenceId,
            Math.max(1, state.sequenceNr() - settings.traceScanEvents()), state.sequenceNr(), id);
    events.whenComplete((found, failure) -> get.replyTo().tell(failure != null
        ? StatusReply.error("reading the trace of " + id + " failed: " + failure.getMessage())
        : StatusReply.success(new JobTrace(id, job != null, Transition.of(found)))));
    return Effect().noReply();
  }

  private ReplyEffect<QueueEvent, QueueState> pull(QueueState state, Lever lever,
      ActorRef<LeverPulled> replyTo) {
    long now = deps.clock().millis();
    int jobs = switch (lever) {
      case FLUSH -> state.schedule().size();
      case RETRY_NOW -> (int) state.schedule().stream().filter(job -> job.dueAtMillis() > now).count();
    };
    leversRunning++;
    context.getSelf().tell(new LeverMore(lever, state.sequenceNr()));
    return Effect().reply(replyTo, new LeverPulled(jobs));
  }

  /**
   * Changes the next batch of the jobs held when the lever was pulled, one journal write per
   * batch. A job in flight is left to its attempt: a flush archives it if the attempt fails, a
   * retry-now does not reach it (its attempt is now).
   */
  private ReplyEffect<QueueEvent, QueueState> leverMore(QueueState state, LeverMore more) {
    if (carrying) {
      leversWaiting.add(more);
      return Effect().noReply();
    }
    Instant at = deps.clock().instant();
    List<JobEvent> events = new ArrayList<>();
    // jobs due later are at the schedule's end: a retry-now walks back from there
    Iterable<PendingJob> jobs = more.lever() == Lever.FLUSH ? state.schedule() : state.schedule().descendingSet();
    for (PendingJob job : jobs) {
      if (events.size() >= LEVER_BATCH
          || more.lever() == Lever.RETRY_NOW && job.dueAtMillis() <= at.toEpochMilli()) {
        break;
      }
      if (job.payloadSequenceNr() > more.upToSequenceNr()) {
        continue;
      }
      if (!inFlight.containsKey(job.id())) {
        events.add(more.lever() == Lever.FLUSH
            ? new JobEvent.Archiving(job.id(), at, JobEvent.Archiving.FLUSHED)
            : new JobEvent.RetryRequested(job.id(), at));
      } else if (more.lever() == Lever.FLUSH) {
        flushWhenAttempted.add(job.id());
      }
    }
    if (events.isEmpty()) {
      leverDone(state);
      return Effect().noReply();
    }
    boolean full = events.size() >= LEVER_BATCH;
    return persist(events)
        .thenRun(s -> {
          deps.listener().persisted(pair, events);
          afterChange(s);
          archiveNext(s);
          if (full) {
            context.getSelf().tell(more);
          } else {
            leverDone(s);
          }
        })
        .thenNoReply();
  }

  private void leverDone(QueueState state) {
    leversRunning--;
    carryForwardNext(state);
  }

  private QueueStats stats(QueueState state) {
    Optional<DestinationSettings> destination = deps.destinations().find(pair);
    destination.ifPresent(d -> rate().configure(d.ratePerSecond()));
    String breaker = destination.map(d -> deps.breakers().of(d).getState().name()).orElse("UNKNOWN");
    return new QueueStats(state.size(), inFlight.size(), state.awaitingRetry(),
        state.archiving().size(), rate().limit(),
        destination.map(DestinationSettings::maxInFlightPerPair).orElse(0), breaker, payloads.size(), payloads.bytes(), state.sequenceNr(),
        deps.destinations().paused(pair), state.oldestJobAt(), lastError, lastErrorAt);
  }

  /** What the breaker records for a failed attempt (it counts failures, the type is not used). */
  private static final class DeliveryFailure extends RuntimeException {
    DeliveryFailure(DeliveryOutcome outcome) {
      super(outcome.status() == 0 ? outcome.error() : "HTTP " + outcome.status(), null, false, false);
    }
  }
}
