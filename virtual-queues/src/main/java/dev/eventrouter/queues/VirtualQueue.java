package dev.eventrouter.queues;

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
import dev.eventrouter.queues.breaker.DestinationBreakers;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.delivery.DeliveryOutcomes;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import dev.eventrouter.queues.limit.DestinationLimits;
import dev.eventrouter.queues.tracing.JobTracing;
import io.opentelemetry.api.trace.Span;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 * <p>This class is the protocol and the table of its handlers. The work is done by parts, each
 * owning its own flags and timers and handling the messages it sends itself: {@link Dispatcher}
 * sends, {@link OutcomeBatcher} takes the answers and writes their outcomes, {@link
 * ArchivePipeline} takes expired and flushed jobs to the archive, {@link PayloadReadBack} reads
 * jobs back from the journal, {@link JournalUpkeep} snapshots, compacts and carries forward, and
 * {@link OperatorLevers} applies an operator's levers. What they share is in {@link QueueRuntime}.
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
          PassivateIfIdle,
          StopNow {}

  private enum PassivateIfIdle implements Internal {
    INSTANCE
  }

  /** Stops without waiting any longer for the requests under way. */
  private enum StopNow implements Internal {
    INSTANCE
  }

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

  // ---- the actor's runtime, never persisted: shared, and a part per concern ----

  private static final Object IDLE_TIMER = "idle";
  private static final Object STOP_TIMER = "stop";

  /** Past the requests' deadline, for their answers to reach the queue. */
  private static final Duration STOP_MARGIN = Duration.ofSeconds(1);

  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final ActorContext<Command> context;

  /** The journal database this queue's events are in, of the journal's shards. */
  private final JournalShard journal;

  private final QueueRuntime queue;
  private final PayloadReadBack readBack;
  private final Dispatcher dispatcher;
  private final JournalUpkeep upkeep;
  private final ArchivePipeline archive;
  private final OperatorLevers levers;
  private final OutcomeBatcher outcomes;

  /** Asked to stop, waiting for the requests under way. */
  private boolean stopping;

  /**
   * This queue asked its shard to passivate it: a stop may be that passivation, after which the
   * shard forgets the queue (see {@link #stop}). Never reset: the shard ignores the ask when it
   * holds messages for the queue, and a wrong guess only costs a needless {@link StartAgain}.
   */
  private boolean passivationAsked;

  private int reportedDepth;

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
        new QueueRuntime(
            pair,
            persistenceId().id(),
            deps,
            new ActorHost(context, timers),
            new InFlight(),
            deps.tracing().attempts(),
            new PayloadCache(deps.settings().payloadCacheBytes(), deps.payloadBudget()));
    this.readBack = new PayloadReadBack(queue, this::removed);
    this.dispatcher = new Dispatcher(queue, readBack);
    this.upkeep = new JournalUpkeep(queue, readBack);
    this.archive = new ArchivePipeline(queue, readBack, this::changed, this::removed);
    this.levers = new OperatorLevers(queue, upkeep, archive, this::changed);
    this.outcomes = new OutcomeBatcher(queue, dispatcher, archive, levers, this::changed);
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
    return new QueueState(queue.settings().dedupeWindow(), queue.settings().dedupeMaxEntries());
  }

  /** The protocol's handlers, shared by every queue ({@link HandlerTable}). */
  private static final HandlerTable<VirtualQueue, Command, QueueState, QueueEffect> HANDLERS =
      HandlerTable.<VirtualQueue, Command, QueueState, QueueEffect>of(Command.class)
          // the protocol
          .on(Enqueue.class, VirtualQueue::enqueue)
          .on(GetStats.class, (q, state, get) -> QueueEffect.reply(get.replyTo(), q.stats(state)))
          .on(GetTrace.class, (q, state, get) -> q.readBack.trace(state, get))
          .on(
              FlushToArchive.class,
              (q, state, flush) ->
                  q.levers.pull(state, OperatorLevers.Lever.FLUSH, flush.replyTo()))
          .on(
              RetryNow.class,
              (q, state, retry) ->
                  q.levers.pull(state, OperatorLevers.Lever.RETRY_NOW, retry.replyTo()))
          .on(Stop.class, (q, state, stop) -> q.stop(state))
          .on(StartAgain.class, (q, state, start) -> QueueEffect.none())
          // delivery and outcomes
          .on(
              Dispatcher.Tick.class,
              (q, state, tick) -> {
                q.dispatcher.tick(state);
                return QueueEffect.none();
              })
          .on(
              Dispatcher.PermitsHanded.class,
              (q, state, handed) -> {
                q.dispatcher.dispatch(state, JobEventListener.PassCause.HANDED);
                return QueueEffect.none();
              })
          .on(OutcomeBatcher.Delivered.class, VirtualQueue::delivered)
          .on(OutcomeBatcher.Flush.class, (q, state, flush) -> q.outcomes.flush(state))
          .on(PayloadReadBack.Read.class, (q, state, read) -> q.readBack.received(state, read))
          .on(PayloadReadBack.TraceRead.class, (q, state, read) -> q.readBack.traced(state, read))
          // the archive
          .on(ArchivePipeline.Expire.class, (q, state, expire) -> q.archive.expire(state))
          .on(
              ArchivePipeline.Next.class,
              (q, state, next) -> {
                q.archive.next(state);
                return QueueEffect.none();
              })
          .on(ArchivePipeline.Stored.class, (q, state, stored) -> q.archive.stored(state, stored))
          // journal upkeep and levers
          .on(
              JournalUpkeep.Tick.class,
              (q, state, tick) -> {
                q.upkeep.upkeep(state);
                return QueueEffect.none();
              })
          .on(JournalUpkeep.Compacted.class, (q, state, done) -> q.upkeep.compacted(state, done))
          .on(
              JournalUpkeep.CarryForward.class,
              (q, state, carry) -> q.upkeep.carryForward(state, carry))
          .on(OperatorLevers.More.class, (q, state, more) -> q.levers.more(state, more))
          // lifecycle
          .on(PassivateIfIdle.class, (q, state, check) -> q.passivateIfIdle(state))
          .on(StopNow.class, (q, state, now) -> q.stopNow(state))
          .build();

  @Override
  public CommandHandlerWithReply<Command, QueueEvent, QueueState> commandHandler() {
    return (state, command) -> inPekko(HANDLERS.handle(this, state, command));
  }

  /** What a handler asked, as Pekko's effect: persisted, then run in order, then the reply. */
  private ReplyEffect<QueueEvent, QueueState> inPekko(QueueEffect effect) {
    EffectBuilder<QueueEvent, QueueState> builder =
        effect.events().isEmpty() ? Effect().none() : Effect().persist(effect.events());
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
            queue.settings().dedupeWindow(),
            queue.settings().dedupeMaxEntries());
      }
    };
  }

  @Override
  public boolean shouldSnapshot(QueueState state, QueueEvent event, long sequenceNr) {
    return upkeep.shouldSnapshot(state, event);
  }

  @Override
  public SignalHandler<QueueState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (!state.isEmpty()) {
                queue.payloads().behindUpTo(state.sequenceNr());
              }
              upkeep.recovered(state);
              changed(state);
              archive.next(state);
            })
        .onSignal(
            PostStop.instance(),
            state -> {
              dispatcher.stopped();
              queue.attempts().abandon();
              queue.payloads().clear();
              reportDepth(0);
            })
        .onSignal(
            SnapshotCompleted.class,
            (state, completed) -> upkeep.snapshotSaved(state, completed.metadata().sequenceNr()))
        .build();
  }

  /** One queue per actor: its messages to itself and its timers are the actor's. */
  private static final class ActorHost implements QueueHost {
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
  }

  // ---- accepting ----

  private QueueEffect enqueue(QueueState state, Enqueue enqueue) {
    // a fact about records, not an event of this queue: it changes the state as it comes
    state.persisted(enqueue.persisted());
    List<Job> fresh = new ArrayList<>(enqueue.jobs().size());
    Set<Ksuid> seen = new HashSet<>();
    for (Job job : enqueue.jobs()) {
      if (!job.pair().equals(queue.pair())) {
        return QueueEffect.reply(
            enqueue.replyTo(),
            StatusReply.error(
                "job " + job.id() + " is for " + job.pair() + ", not " + queue.pair()));
      }
      if (!state.knows(job, enqueue.persisted()) && seen.add(job.id())) {
        fresh.add(job);
      }
    }
    Accepted accepted = new Accepted(fresh.size(), enqueue.jobs().size() - fresh.size());
    if (fresh.isEmpty()) {
      restartIdleTimer(state);
      return QueueEffect.reply(enqueue.replyTo(), StatusReply.success(accepted));
    }
    List<JobEvent> events = fresh.stream().<JobEvent>map(JobEvent.AwaitingScheduling::new).toList();
    long writing = System.nanoTime();
    Span accept = queue.deps().tracing().accept(queue.pair(), fresh, accepted.duplicates());
    return queue
        .persist(events)
        .thenRun(
            s -> {
              accept.end();
              queue.deps().listener().journalWrite(events.size(), System.nanoTime() - writing);
              // accepted jobs are persisted transitions too (the console lists a pair's latest)
              queue.deps().listener().persisted(queue.pair(), events);
              queue.payloads().offerNew(fresh, s.sequenceNr());
              changed(s);
            })
        .thenReply(enqueue.replyTo(), s -> StatusReply.success(accepted));
  }

  private QueueEffect delivered(QueueState state, OutcomeBatcher.Delivered delivered) {
    if (!outcomes.receive(delivered.outcomes(), state)) {
      return QueueEffect.none();
    }
    if (stopping && queue.inFlight().unanswered() == 0) {
      return stopNow(state);
    }
    return outcomes.batch(state);
  }

  private QueueStats stats(QueueState state) {
    Optional<DestinationSettings> destination = queue.deps().destinations().find(queue.pair());
    String breaker =
        destination
            .map(d -> queue.deps().breakers().current(d).getState().name())
            .orElse("UNKNOWN");
    return new QueueStats(
        state.size(),
        queue.inFlight().size(),
        state.awaitingRetry(),
        state.archiving().size(),
        dispatcher.rateLimit(),
        destination.map(DestinationSettings::maxInFlightPerPair).orElse(0),
        breaker,
        queue.payloads().size(),
        queue.payloads().bytes(),
        state.sequenceNr(),
        queue.deps().destinations().paused(queue.pair()),
        state.oldestJobAt(),
        outcomes.lastError(),
        outcomes.lastErrorAt());
  }

  // ---- after a write, and the lifecycle ----

  /** Jobs came or moved in the index: send what can be sent, and watch the next expiry. */
  private void changed(QueueState state) {
    reportDepth(state.size());
    dispatcher.written(state);
    archive.scheduleExpiry(state);
    restartIdleTimer(state);
  }

  /** Jobs left the queue without anything to send for them. */
  private void removed(QueueState state) {
    reportDepth(state.size());
    restartIdleTimer(state);
  }

  private void reportDepth(int jobs) {
    if (jobs != reportedDepth) {
      reportedDepth = jobs;
      queue.deps().listener().depth(queue.pair(), jobs);
    }
  }

  /**
   * An empty queue passivates after passivate-idle-after without work: each job that comes or goes
   * starts the wait again, and a queue with jobs does not wait at all.
   */
  private void restartIdleTimer(QueueState state) {
    if (state.isEmpty()) {
      queue
          .host()
          .startTimer(IDLE_TIMER, PassivateIfIdle.INSTANCE, queue.settings().passivateIdleAfter());
    } else {
      queue.host().cancelTimer(IDLE_TIMER);
    }
  }

  private QueueEffect passivateIfIdle(QueueState state) {
    if (state.isEmpty() && queue.inFlight().isEmpty() && outcomes.isEmpty()) {
      passivationAsked = true;
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
    return QueueEffect.none();
  }

  /**
   * Stops once the requests under way are answered (at the latest at their deadline, or after
   * stop-wait if that is sooner: a shutdown must not hang on a slow destination), sending nothing
   * new meanwhile: a hand-off and a shutdown wait for it, and an attempt answered is not made again
   * by the next incarnation. The outcomes received are persisted first.
   *
   * <p>A queue the shard passivates is forgotten (no longer remembered, not started after a
   * restart), and jobs can still reach it between its ask and the shard's stop message. Holding
   * jobs then, it sends itself {@link StartAgain} through sharding before it stops: the shard holds
   * a message that comes for a passivating queue and starts it again with it, remembered. Refusing
   * to stop would not do: the shard holds every message for the queue until it stops.
   */
  private QueueEffect stop(QueueState state) {
    if (stopping) {
      return QueueEffect.none();
    }
    if (passivationAsked && !state.isEmpty()) {
      ClusterSharding.get(context.getSystem())
          .entityRefFor(ENTITY_TYPE, queue.pair().entityId())
          .tell(StartAgain.INSTANCE);
    }
    if (queue.inFlight().unanswered() == 0) {
      return stopNow(state);
    }
    stopping = true;
    dispatcher.halt();
    Duration deadline =
        queue
            .deps()
            .destinations()
            .find(queue.pair())
            .map(destination -> destination.timeout().multipliedBy(2).plus(STOP_MARGIN))
            .orElse(Duration.ZERO);
    Duration wait = queue.settings().stopWait();
    queue
        .host()
        .startTimer(STOP_TIMER, StopNow.INSTANCE, deadline.compareTo(wait) < 0 ? deadline : wait);
    return QueueEffect.none();
  }

  /** Persists the outcomes received, then stops; requests still unanswered are made again. */
  private QueueEffect stopNow(QueueState state) {
    if (outcomes.isEmpty()) {
      return QueueEffect.stop();
    }
    return queue.persist(outcomes.drain(state)).thenStop();
  }
}
