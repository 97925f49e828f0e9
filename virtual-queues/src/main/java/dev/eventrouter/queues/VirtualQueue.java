package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.persistence.journal.JobPayloads;
import dev.eventrouter.persistence.journal.JournalCompaction;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.persistence.journal.JournalShard;
import dev.eventrouter.persistence.serialization.CborSerializable;
import dev.eventrouter.queues.archive.ArchiveSink;
import dev.eventrouter.queues.breaker.DestinationBreakers;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.delivery.DeliveryOutcomes;
import dev.eventrouter.queues.destination.Destinations;
import dev.eventrouter.queues.limit.DestinationLimits;
import dev.eventrouter.queues.tracing.JobTracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Consumer;
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
import org.slf4j.Logger;

/**
 * The virtual queue of one (source, destination) pair: a sharded, event-sourced actor whose journal
 * is the pair's durable mailbox.
 *
 * <p>It accepts jobs in batches and persists each batch in one write before it acknowledges it; a
 * job it had already (held, or finished: see {@link QueueState}) is acknowledged and not added
 * again. It delivers due jobs while the pair has in-flight room and rate permits and the
 * destination's circuit breaker lets requests through, and persists the outcomes, collected for a
 * few milliseconds so that one write carries many. Jobs whose expiry passes go to the archive; they
 * are archived only once the archive has them.
 *
 * <p>Its state is a compact index; payloads are held in a bounded cache and read back from the
 * journal when missing. Delivery is at-least-once: an attempt whose outcome was not persisted
 * before a crash is made again after recovery.
 *
 * <p>This class is the protocol and the actor of one pair's queue; the queue itself, its parts and
 * its handlers, is {@link PairQueue}, which {@link QueueGroup} runs many of in one actor.
 */
public final class VirtualQueue
    extends EventSourcedBehaviorWithEnforcedReplies<VirtualQueue.Command, QueueEvent, QueueState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE =
      EntityTypeKey.create(Command.class, "VirtualQueue");

  /**
   * The longest pair id ({@code source:destination}) whose queue can be journaled: its persistence
   * id is the entity type, a separator and the pair id, within the tables' column.
   */
  public static final int MAX_PAIR_ID_LENGTH =
      JournalSettings.MAX_PERSISTENCE_ID_LENGTH - ENTITY_TYPE.name().length() - 1;

  // ---- protocol ----

  public sealed interface Command
      permits Enqueue, GetStats, FlushToArchive, RetryNow, GetTrace, Stop, StartAgain, Internal {}

  /**
   * Add jobs of this pair. The reply comes once they are in the journal; jobs the queue had already
   * count as duplicates and are not added again.
   *
   * @param persisted what the ingest knows is persisted of the topic the jobs came from (see {@link
   *     QueueState}); {@link PersistedRecords#NONE} from callers that do not know it, and from
   *     nodes of versions before it
   */
  public record Enqueue(
      List<Job> jobs, PersistedRecords persisted, ActorRef<StatusReply<Accepted>> replyTo)
      implements Command, CborSerializable {

    public Enqueue {
      persisted = persisted == null ? PersistedRecords.NONE : persisted;
    }

    public Enqueue(List<Job> jobs, ActorRef<StatusReply<Accepted>> replyTo) {
      this(jobs, PersistedRecords.NONE, replyTo);
    }
  }

  public record Accepted(int enqueued, int duplicates) implements CborSerializable {

    /** Both replies' jobs, as one reply to both enqueues would have counted them. */
    public Accepted plus(Accepted other) {
      return new Accepted(enqueued + other.enqueued, duplicates + other.duplicates);
    }
  }

  public record GetStats(ActorRef<QueueStats> replyTo) implements Command, CborSerializable {}

  /**
   * @param pending live jobs (never attempted, awaiting retry, in flight, or being archived)
   * @param rateLimit the pair's current rate limit in requests per second; 0 for none
   * @param maxInFlight the pair's in-flight limit; 0 when its destination is not configured
   * @param breaker the state of the destination's circuit breaker on this node
   * @param cachedPayloads jobs whose payload is in memory
   * @param cachedPayloadBytes the bytes of those payloads, at most payload-cache-bytes
   * @param paused held by an operator
   * @param oldestJobAt when the oldest job held arrived in the router (was accepted: not its
   *     event's own time), or null
   * @param lastError the last failed attempt's status or error class, and when, or null
   */
  public record QueueStats(
      int pending,
      int inFlight,
      int awaitingRetry,
      int archiving,
      int rateLimit,
      int maxInFlight,
      String breaker,
      int cachedPayloads,
      long cachedPayloadBytes,
      long lastSequenceNr,
      boolean paused,
      Instant oldestJobAt,
      String lastError,
      Instant lastErrorAt)
      implements CborSerializable {}

  /**
   * Send every job held now to the archive (the expire_at lever: an operator gives up on them, to
   * replay later). Jobs in flight finish their attempt first: delivered, or archived when it fails.
   * Replies how many jobs that is.
   */
  public record FlushToArchive(ActorRef<LeverPulled> replyTo)
      implements Command, CborSerializable {}

  /**
   * Attempt now every job awaiting a retry later (the destination is back: do not wait out the
   * backoff). Replies how many jobs that is; they stay subject to the pair's rate, in-flight limit
   * and the breaker.
   */
  public record RetryNow(ActorRef<LeverPulled> replyTo) implements Command, CborSerializable {}

  /**
   * @param jobs the jobs an operator's lever applies to
   */
  public record LeverPulled(int jobs) implements CborSerializable {}

  /**
   * The trace of one job of this pair: from the index and the journal while the job is live; once
   * it finished, from what the journal still holds of it (compaction deletes it in time).
   */
  public record GetTrace(Ksuid jobId, ActorRef<StatusReply<JobTrace>> replyTo)
      implements Command, CborSerializable {}

  /**
   * @param live the queue holds the job (it has not succeeded, been discarded or archived)
   */
  public record JobTrace(Ksuid jobId, boolean live, List<Transition> steps)
      implements CborSerializable {}

  /** Sent by sharding to stop the queue (passivation, rebalancing, shutdown). */
  public enum Stop implements Command, CborSerializable {
    INSTANCE
  }

  /**
   * Sent by a queue to itself, through sharding, as it stops after it asked to passivate but
   * holding jobs that reached it meanwhile: the shard holds it for the queue and starts the queue
   * again with it, remembered. Nothing else to do: starting is recovering.
   */
  public enum StartAgain implements Command, CborSerializable {
    INSTANCE
  }

  /**
   * The messages a queue sends itself, each beside the part that handles it: timers, answers of the
   * journal, the archive and the delivery client. Never sent between nodes.
   */
  sealed interface Internal extends Command, NoSerializationVerificationNeeded
      permits Dispatcher.Tick,
          Dispatcher.PermitsHanded,
          Dispatcher.ReadAhead,
          OutcomeBatcher.Delivered,
          OutcomeBatcher.Flush,
          ArchivePipeline.Expire,
          ArchivePipeline.Next,
          ArchivePipeline.Stored,
          PayloadReadBack.Read,
          PayloadReadBack.TraceRead,
          JournalUpkeep.Tick,
          JournalUpkeep.Compacted,
          JournalUpkeep.CarryForward,
          OperatorLevers.More,
          PairQueue.PassivateIfIdle,
          PairQueue.StopNow {}

  /** What a queue needs from its node. */
  public record Dependencies(
      Destinations destinations,
      DeliveryClient deliveryClient,
      DestinationBreakers breakers,
      DestinationLimits limits,
      ArchiveSink archive,
      JournalSettings journal,
      JobPayloads payloads,
      TraceScans traceScans,
      JournalCompaction compaction,
      PayloadBudget payloadBudget,
      JobEventListener listener,
      VirtualQueueSettings settings,
      Clock clock,
      JobTracing tracing) {}

  public static Behavior<Command> create(
      PairId pair, ActorRef<ClusterSharding.ShardCommand> shard, Dependencies dependencies) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> new VirtualQueue(pair, shard, dependencies, context, timers)));
  }

  public static PersistenceId persistenceId(PairId pair) {
    return PersistenceId.of(ENTITY_TYPE.name(), pair.entityId());
  }

  // ---- the actor ----

  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final ActorContext<Command> context;

  /** The journal database this queue's events are in, of the journal's shards. */
  private final JournalShard journal;

  private final PairQueue queue;

  /**
   * This queue asked its shard to passivate it: a stop may be that passivation, after which the
   * shard forgets the queue (see {@link #startAgainIfForgotten}). Never reset: the shard ignores
   * the ask when it holds messages for the queue, and a wrong guess only costs a needless {@link
   * StartAgain}.
   */
  private boolean passivationAsked;

  private VirtualQueue(
      PairId pair,
      ActorRef<ClusterSharding.ShardCommand> shard,
      Dependencies deps,
      ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    // No restart in place on a journal failure: the persistence behaviour would start again from
    // the state object it was first given, and this one is mutable (it would hold the events
    // applied before the failure, and replay them a second time). The queue stops instead, and
    // sharding starts a new one, with a new state, that recovers from the journal.
    super(persistenceId(pair));
    this.shard = shard;
    this.journal = deps.journal().shardOf(persistenceId().id());
    this.context = context;
    this.queue =
        PairQueue.of(
            pair, persistenceId().id(), deps, new ActorHost(context, timers), new InFlight(), true);
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
    return QueueState.empty(queue.runtime().settings());
  }

  @Override
  public CommandHandlerWithReply<Command, QueueEvent, QueueState> commandHandler() {
    return (state, command) -> {
      if (command == Stop.INSTANCE) {
        startAgainIfForgotten(state);
      }
      return inPekko(queue.handle(state, command));
    };
  }

  /**
   * A queue the shard passivates is forgotten (no longer remembered, not started after a restart),
   * and jobs can still reach it between its ask and the shard's stop message. Holding jobs then, it
   * sends itself {@link StartAgain} through sharding before it stops: the shard holds a message
   * that comes for a passivating queue and starts it again with it, remembered. Refusing to stop
   * would not do: the shard holds every message for the queue until it stops.
   */
  private void startAgainIfForgotten(QueueState state) {
    if (passivationAsked && !state.isEmpty()) {
      ClusterSharding.get(context.getSystem())
          .entityRefFor(ENTITY_TYPE, queue.runtime().pair().entityId())
          .tell(StartAgain.INSTANCE);
    }
  }

  /**
   * What a handler asked, as Pekko's effect: persisted (the write timed), then run in order, then
   * the reply.
   */
  private ReplyEffect<QueueEvent, QueueState> inPekko(QueueEffect effect) {
    EffectBuilder<QueueEvent, QueueState> builder;
    if (effect.events().isEmpty()) {
      builder = Effect().none();
    } else {
      long writing = System.nanoTime();
      builder =
          Effect()
              .persist(effect.events())
              .thenRun(
                  state ->
                      queue
                          .runtime()
                          .deps()
                          .listener()
                          .journalWrite(
                              JournalBatches.jobEvents(effect.events()),
                              System.nanoTime() - writing));
    }
    for (Consumer<QueueState> then : effect.then()) {
      builder = builder.thenRun(then::accept);
    }
    if (effect.stops()) {
      builder = builder.thenStop();
    }
    return effect.reply() == null ? builder.thenNoReply() : thenReply(builder, effect.reply());
  }

  private static <R> ReplyEffect<QueueEvent, QueueState> thenReply(
      EffectBuilder<QueueEvent, QueueState> builder, QueueEffect.Reply<R> reply) {
    return builder.thenReply(reply.to(), state -> reply.message().apply(state));
  }

  @Override
  public EventHandler<QueueState, QueueEvent> eventHandler() {
    return QueueState::apply;
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
        return QueueState.fromSnapshot(
            (QueueSnapshot) from,
            queue.runtime().settings().dedupeWindow(),
            queue.runtime().settings().dedupeMaxEntries());
      }
    };
  }

  @Override
  public boolean shouldSnapshot(QueueState state, QueueEvent event, long sequenceNr) {
    return queue.shouldSnapshot(state, event);
  }

  @Override
  public SignalHandler<QueueState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), queue::recovered)
        .onSignal(PostStop.instance(), state -> queue.stopped())
        .onSignal(
            SnapshotCompleted.class,
            (state, completed) -> queue.snapshotSaved(state, completed.metadata().sequenceNr()))
        .build();
  }

  /** One queue per actor: its messages to itself and its timers are the actor's. */
  private final class ActorHost implements QueueHost {
    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final ActorRef<Command> self;
    private final ActorRef<DeliveryOutcomes> answersTo;

    ActorHost(ActorContext<Command> context, TimerScheduler<Command> timers) {
      this.context = context;
      this.timers = timers;
      this.self = context.getSelf();
      this.answersTo =
          context.messageAdapter(DeliveryOutcomes.class, OutcomeBatcher.Delivered::new);
    }

    @Override
    public void tellSelf(Internal message) {
      self.tell(message);
    }

    @Override
    public <T> void pipeToSelf(
        CompletionStage<T> stage, BiFunction<T, Throwable, Internal> toMessage) {
      context.pipeToSelf(stage, toMessage::apply);
    }

    @Override
    public void startTimer(Object key, Internal message, Duration delay) {
      timers.startSingleTimer(key, message, delay);
    }

    @Override
    public void cancelTimer(Object key) {
      timers.cancel(key);
    }

    @Override
    public boolean timerActive(Object key) {
      return timers.isTimerActive(key);
    }

    @Override
    public Logger log() {
      return context.getLog();
    }

    @Override
    public ActorRef<DeliveryOutcomes> answersTo() {
      return answersTo;
    }

    @Override
    public void passivate() {
      passivationAsked = true;
      shard.tell(new ClusterSharding.Passivate<>(self));
    }
  }
}
