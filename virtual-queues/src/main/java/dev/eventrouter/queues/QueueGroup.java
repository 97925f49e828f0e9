package dev.eventrouter.queues;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.persistence.journal.JournalShard;
import dev.eventrouter.persistence.serialization.CborSerializable;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryOutcomes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;

/**
 * The queues of one shard's pairs in one event-sourced actor, whose journal is their shared log
 * (docs/queues-per-shard.md): the layout {@code groups} of {@code
 * eventrouter.virtual-queue.layout}. Each pair's queue is a {@link PairQueue}, as under its own
 * actor ({@link VirtualQueue}); what differs is around it.
 *
 * <p><b>Writes behind.</b> A pair's handler asks for events to be persisted; the group writes
 * everything its pairs asked since its last write as one journal event (a {@link GroupBatch}, or a
 * few where it would outweigh journal-event-max-bytes), once the messages ahead of its write are
 * handled. What each pair asked to run once its events are persisted, and its reply, then run in
 * the order asked. Until then, the pair's messages wait for it, as a persistent actor's wait for
 * its write: a pair never handles a message in a state its own unwritten events would change. Other
 * pairs go on.
 *
 * <p><b>A pair's life.</b> A pair's queue starts with the first message for it, and is let go when
 * it is empty and idle. Its timers and its messages to itself are the group's, addressed to it; the
 * delivery client's answers come to the group, which finds each job's pair by the requests under
 * way. An ingest batch comes as one message for all its pairs ({@link EnqueueAll}).
 *
 * <p><b>Records read twice.</b> A group is the queues of one Kafka partition's sources. What the
 * ingest tells of the records persisted (per partition, the offset below which every record's jobs
 * are in their queues) the group journals with its next write and tells every pair's state, so that
 * a record read again below it is refused by its offset, after a restart too. A pair's state
 * remembers the ids of its finished jobs of records above it only, and once it holds no job and
 * remembers none, the group lets it go whole: the group holds the pairs with jobs and those whose
 * records may still be read again, not every pair it ever had.
 *
 * <p><b>Payloads read back.</b> What its pairs could not keep in memory the group reads back in the
 * order of its log, a row at a time for all the pairs in it ({@link GroupReadAhead}): a row holds
 * hundreds of pairs' jobs, and read by each of them it was read hundreds of times.
 *
 * <p><b>Not yet.</b> The group takes no snapshot and compacts nothing: it recovers by replaying its
 * whole log. Upkeep per group is the next step of the plan; until then this layout is for trying,
 * not for production.
 */
public final class QueueGroup
    extends EventSourcedBehavior<QueueGroup.Command, GroupBatch, QueueGroup.Pairs> {

  public static final EntityTypeKey<Command> ENTITY_TYPE =
      EntityTypeKey.create(Command.class, "QueueGroup");

  // ---- protocol ----

  public sealed interface Command
      permits EnqueueAll, ToPair, Own, Answered, Write, Stop, RowRead, ReadAheadTick, Sweep {}

  /**
   * Jobs of any of the group's pairs, as an ingest batch brings them: each pair's part is handled
   * as its own {@link VirtualQueue.Enqueue} would be, all written together; the reply, their sum,
   * comes once every part is durable. One message for hundreds of pairs, where one ask per pair
   * kept the group busy routing asks while its deliveries waited.
   */
  public record EnqueueAll(
      List<Job> jobs,
      PersistedRecords persisted,
      ActorRef<StatusReply<VirtualQueue.Accepted>> replyTo)
      implements Command, CborSerializable {

    public EnqueueAll {
      persisted = persisted == null ? PersistedRecords.NONE : persisted;
    }
  }

  /** A message for one pair's queue from outside: an enqueue, a lever, a stats ask. */
  public record ToPair(
      PairId pair,
      @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
          @JsonSubTypes({
            @JsonSubTypes.Type(value = VirtualQueue.Enqueue.class, name = "enqueue"),
            @JsonSubTypes.Type(value = VirtualQueue.GetStats.class, name = "stats"),
            @JsonSubTypes.Type(value = VirtualQueue.GetTrace.class, name = "trace"),
            @JsonSubTypes.Type(value = VirtualQueue.FlushToArchive.class, name = "flush"),
            @JsonSubTypes.Type(value = VirtualQueue.RetryNow.class, name = "retry-now")
          })
          VirtualQueue.Command command)
      implements Command, CborSerializable {}

  /** A pair's queue's message to itself: a timer, a read's result. Never sent between nodes. */
  private record Own(PairId pair, VirtualQueue.Internal message)
      implements Command, NoSerializationVerificationNeeded {}

  /** The delivery client's answers, to requests of one pair or of several. */
  private record Answered(DeliveryOutcomes answers)
      implements Command, NoSerializationVerificationNeeded {}

  /** Writes what the pairs asked since the last write; stops the group once it has nothing left. */
  private enum Write implements Command, NoSerializationVerificationNeeded {
    INSTANCE
  }

  /** A row of the log read back for all its pairs ({@link GroupReadAhead}). */
  private record RowRead(long sequenceNr, Optional<GroupBatch> row, Throwable failure)
      implements Command, NoSerializationVerificationNeeded {}

  /** The read-ahead looks again: for room in payload memory, or after a failed read. */
  private enum ReadAheadTick implements Command, NoSerializationVerificationNeeded {
    INSTANCE
  }

  /** Lets go the states of idle pairs that remember nothing any more ({@link #sweep}). */
  private enum Sweep implements Command, NoSerializationVerificationNeeded {
    INSTANCE
  }

  /**
   * Sent by sharding to stop the group (rebalancing, shutdown); each pair stops as its own would.
   */
  public enum Stop implements Command, CborSerializable {
    INSTANCE
  }

  public static Behavior<Command> create(String shard, VirtualQueue.Dependencies dependencies) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(timers -> new QueueGroup(shard, dependencies, context, timers)));
  }

  public static PersistenceId persistenceId(String shard) {
    return PersistenceId.of(ENTITY_TYPE.name(), shard);
  }

  // ---- state: every pair's queue index, rebuilt from the log ----

  /**
   * The pairs' states, each at the group's sequence number of the last event it had a part in, and
   * what the ingest has told the group is persisted of its topic.
   */
  public static final class Pairs {
    private final Map<PairId, QueueState> states = new HashMap<>();
    private final VirtualQueueSettings settings;
    private long sequenceNr;

    /**
     * Journaled with the group's writes (as it was when each was made), so that a group restarted
     * refuses a record read again below these offsets though its pairs forgot the jobs' ids; told
     * to a pair's state when it starts, and with every part of the log replayed.
     */
    private PersistedRecords persisted = PersistedRecords.NONE;

    Pairs(VirtualQueueSettings settings) {
      this.settings = settings;
    }

    QueueState of(PairId pair) {
      return states.computeIfAbsent(pair, p -> QueueState.empty(settings));
    }

    /** What the ingest tells with an enqueue. Not an event: the group's next write carries it. */
    void told(PersistedRecords told) {
      persisted = persisted.and(told);
    }

    Pairs apply(GroupBatch event) {
      sequenceNr++;
      persisted = persisted.and(event.persisted());
      for (GroupBatch.PairBatch part : event.pairs()) {
        QueueState state = of(part.pair());
        // forgets the finished jobs of records below it as the log is replayed
        state.persisted(persisted);
        state.applyAt(part.batch(), sequenceNr);
      }
      return this;
    }
  }

  // ---- the actor ----

  private final String group;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final VirtualQueue.Dependencies deps;
  private final JournalShard journal;
  private final ActorRef<DeliveryOutcomes> answersTo;

  /** The pairs whose queues run now. */
  private final Map<PairId, Running> running = new HashMap<>();

  /** Per job under way, its pair: where its answer goes. */
  private final Map<Ksuid, PairId> routes = new HashMap<>();

  /** What the pairs asked to persist since the last write, in the order asked. */
  private List<Asked> pending = new ArrayList<>();

  private boolean writeAsked;

  /** What of {@link Pairs#persisted} the log carries: the next write carries it when it is less. */
  private PersistedRecords journaled = PersistedRecords.NONE;

  private final GroupReadAhead readAhead;

  private boolean stopping;

  private record Asked(PairId pair, QueueEffect effect) {}

  /** A pair's queue while it runs, and the messages waiting for its write. */
  private final class Running {
    final PairQueue queue;
    final PairHost host;
    final ArrayDeque<VirtualQueue.Command> waiting = new ArrayDeque<>();
    boolean writing;
    boolean letGo;

    Running(PairId pair) {
      this.host = new PairHost(pair);
      this.queue =
          PairQueue.of(pair, persistenceId().id(), deps, host, new InFlight(routes, pair), false);
    }
  }

  private QueueGroup(
      String shard,
      VirtualQueue.Dependencies deps,
      ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    // as a pair's own actor: no restart in place on a journal failure, the state being mutable
    super(persistenceId(shard));
    this.group = shard;
    this.context = context;
    this.timers = timers;
    this.deps = deps;
    this.journal = deps.journal().shardOf(persistenceId().id());
    this.answersTo = context.messageAdapter(DeliveryOutcomes.class, Answered::new);
    VirtualQueueSettings settings = deps.settings();
    this.readAhead =
        new GroupReadAhead(
            new ReadAheadHost(),
            deps.payloadBudget(),
            Math.min(settings.journalEventMaxBytes(), settings.payloadMemoryBytes() / 2),
            System::nanoTime);
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
  public Pairs emptyState() {
    return new Pairs(deps.settings());
  }

  @Override
  public EventHandler<Pairs, GroupBatch> eventHandler() {
    return Pairs::apply;
  }

  @Override
  public CommandHandler<Command, GroupBatch, Pairs> commandHandler() {
    return (pairs, command) -> {
      if (command instanceof EnqueueAll all) {
        pairs.told(all.persisted());
        enqueueAll(pairs, all);
      } else if (command instanceof ToPair toPair) {
        if (toPair.command() instanceof VirtualQueue.Enqueue enqueue) {
          pairs.told(enqueue.persisted());
        }
        deliver(pairs, toPair.pair(), toPair.command());
      } else if (command instanceof Own own) {
        deliver(pairs, own.pair(), own.message());
      } else if (command instanceof Answered answered) {
        answered(pairs, answered.answers());
      } else if (command instanceof RowRead read) {
        readAhead
            .read(read.sequenceNr(), read.row(), read.failure())
            .ifPresent(row -> hand(pairs, read.sequenceNr(), row));
        readAhead.next();
      } else if (command == ReadAheadTick.INSTANCE) {
        readAhead.next();
      } else if (command == Sweep.INSTANCE) {
        sweep(pairs);
      } else if (command == Write.INSTANCE) {
        return write(pairs);
      } else if (command == Stop.INSTANCE) {
        stop(pairs);
      }
      return stopping && running.isEmpty() && pending.isEmpty() ? Effect().stop() : Effect().none();
    };
  }

  @Override
  public SignalHandler<Pairs> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            pairs -> {
              journaled = pairs.persisted;
              timers.startTimerWithFixedDelay(Sweep.INSTANCE, deps.settings().groupSweepEvery());
              pairs.states.forEach(
                  (pair, state) -> {
                    if (!state.isEmpty()) {
                      start(pairs, pair);
                    }
                  });
            })
        .onSignal(
            PostStop.instance(),
            pairs -> {
              running.values().forEach(pair -> pair.queue.stopped());
              deps.listener().groupPairs(group, 0);
            })
        .build();
  }

  // ---- a pair's messages ----

  private void enqueueAll(Pairs pairs, EnqueueAll all) {
    Map<PairId, List<Job>> byPair = new LinkedHashMap<>();
    for (Job job : all.jobs()) {
      byPair.computeIfAbsent(job.pair(), pair -> new ArrayList<>()).add(job);
    }
    if (byPair.isEmpty()) {
      all.replyTo().tell(StatusReply.success(new VirtualQueue.Accepted(0, 0)));
      return;
    }
    ActorRef<StatusReply<VirtualQueue.Accepted>> tally =
        context.spawnAnonymous(
            AcceptedTally.create(byPair.size(), all.replyTo(), deps.settings().askTimeout()));
    byPair.forEach(
        (pair, jobs) ->
            deliver(pairs, pair, new VirtualQueue.Enqueue(jobs, all.persisted(), tally)));
  }

  /**
   * The delivery client's answers, each to the pair whose request it answers; an answer for a queue
   * let go since is dropped, as its own actor's would be.
   */
  private void answered(Pairs pairs, DeliveryOutcomes answers) {
    Map<PairId, List<DeliveryOutcome>> byPair = new LinkedHashMap<>();
    for (DeliveryOutcome outcome : answers.outcomes()) {
      PairId pair = routes.get(outcome.jobId());
      if (pair != null) {
        byPair.computeIfAbsent(pair, p -> new ArrayList<>()).add(outcome);
      }
    }
    byPair.forEach(
        (pair, outcomes) ->
            deliver(pairs, pair, new OutcomeBatcher.Delivered(new DeliveryOutcomes(outcomes))));
  }

  /** A row read ahead: each running pair's part of it, to that pair; a row counts as one read. */
  private void hand(Pairs pairs, long sequenceNr, GroupBatch row) {
    int jobs = 0;
    for (GroupBatch.PairBatch part : row.pairs()) {
      List<JobEvent> events = part.batch().events();
      jobs += events.size();
      if (running.containsKey(part.pair())) {
        deliver(pairs, part.pair(), new Dispatcher.ReadAhead(sequenceNr, events));
      }
    }
    deps.listener().payloadsRead(jobs, 1);
  }

  private Running start(Pairs pairs, PairId pair) {
    Running started = new Running(pair);
    running.put(pair, started);
    QueueState state = pairs.of(pair);
    state.persisted(pairs.persisted);
    started.queue.recovered(state);
    return started;
  }

  private void deliver(Pairs pairs, PairId pair, VirtualQueue.Command command) {
    Running queue = running.get(pair);
    if (queue == null) {
      if (command instanceof VirtualQueue.Internal) {
        return; // for a queue let go: its timers and answers died with it
      }
      queue = start(pairs, pair);
    }
    if (queue.writing) {
      queue.waiting.add(command);
      return;
    }
    handle(pairs, queue, command);
  }

  private void handle(Pairs pairs, Running queue, VirtualQueue.Command command) {
    PairId pair = queue.host.pair;
    QueueEffect effect = queue.queue.handle(pairs.of(pair), command);
    if (effect.events().isEmpty()) {
      done(pairs, queue, effect);
      return;
    }
    queue.writing = true;
    pending.add(new Asked(pair, effect));
    if (!writeAsked) {
      writeAsked = true;
      context.getSelf().tell(Write.INSTANCE);
    }
  }

  /** The effect's events are persisted (or it had none): what it asked to run, then its reply. */
  private void done(Pairs pairs, Running queue, QueueEffect effect) {
    QueueState state = pairs.of(queue.host.pair);
    for (Consumer<QueueState> then : effect.then()) {
      then.accept(state);
    }
    if (effect.reply() != null) {
      reply(effect.reply(), state);
    }
    if (effect.stops() || queue.letGo) {
      letGo(queue);
      if (state.remembersNothing()) {
        pairs.states.remove(queue.host.pair);
      }
    }
  }

  private static <R> void reply(QueueEffect.Reply<R> reply, QueueState state) {
    reply.to().tell(reply.message().apply(state));
  }

  private void letGo(Running queue) {
    running.remove(queue.host.pair);
    queue.host.cancelTimers();
    queue.queue.runtime().inFlight().forget();
    queue.queue.stopped();
  }

  /**
   * Tells the idle pairs' states what is persisted now, which forgets the finished jobs of records
   * below it, and lets go those left remembering nothing: the group holds the pairs with jobs and
   * those whose records may still be read again, not every pair it ever had.
   */
  private void sweep(Pairs pairs) {
    long now = deps.clock().millis();
    pairs
        .states
        .entrySet()
        .removeIf(
            entry -> {
              if (running.containsKey(entry.getKey())) {
                return false;
              }
              QueueState state = entry.getValue();
              state.persisted(pairs.persisted);
              state.forgetFinishedOutsideWindow(now);
              return state.remembersNothing();
            });
    deps.listener().groupPairs(group, pairs.states.size());
  }

  // ---- writing ----

  private Effect<GroupBatch, Pairs> write(Pairs now) {
    writeAsked = false;
    if (pending.isEmpty()) {
      return Effect().none();
    }
    List<Asked> written = pending;
    pending = new ArrayList<>();
    PersistedRecords told = now.persisted == journaled ? PersistedRecords.NONE : now.persisted;
    journaled = now.persisted;
    List<GroupBatch> events = events(written, told);
    long writing = System.nanoTime();
    return Effect()
        .persist(events)
        .thenRun(
            pairs -> {
              deps.listener()
                  .journalWrite(JournalBatches.jobEvents(events), System.nanoTime() - writing);
              written(pairs, written);
            })
        .thenRun(
            pairs -> {
              if (stopping && running.isEmpty() && pending.isEmpty()) {
                // the command handler stops the group: no effect can be returned from here
                context.getSelf().tell(Write.INSTANCE);
              }
            });
  }

  /**
   * The asks as journal events: each pair's in its place, a new event where one would outweigh
   * journal-event-max-bytes (all of them written atomically).
   */
  private List<GroupBatch> events(List<Asked> asked, PersistedRecords told) {
    long max = deps.settings().journalEventMaxBytes();
    List<GroupBatch> events = new ArrayList<>(1);
    List<GroupBatch.PairBatch> parts = new ArrayList<>();
    long weight = 0;
    for (Asked ask : asked) {
      List<JobEvent> jobEvents = new ArrayList<>();
      for (QueueEvent event : ask.effect().events()) {
        jobEvents.addAll(event.jobEvents());
      }
      for (QueueEvent batch : JournalBatches.of(jobEvents, max)) {
        long batchWeight = JournalBatches.weight((JobBatch) batch);
        if (!parts.isEmpty() && weight + batchWeight > max) {
          events.add(new GroupBatch(parts));
          parts = new ArrayList<>();
          weight = 0;
        }
        parts.add(new GroupBatch.PairBatch(ask.pair(), (JobBatch) batch));
        weight += batchWeight;
      }
    }
    // in one of the write's events: they are written atomically
    events.add(new GroupBatch(parts, told));
    return events;
  }

  private void written(Pairs pairs, List<Asked> written) {
    Set<Running> released = new HashSet<>();
    for (Asked ask : written) {
      Running queue = running.get(ask.pair());
      if (queue != null) {
        queue.writing = false;
        released.add(queue);
        done(pairs, queue, ask.effect());
      }
    }
    // then what waited for those writes, until a pair asks to write again
    for (Running queue : released) {
      while (!queue.writing && running.get(queue.host.pair) == queue && !queue.waiting.isEmpty()) {
        handle(pairs, queue, queue.waiting.poll());
      }
    }
  }

  // ---- stopping ----

  private void stop(Pairs pairs) {
    if (stopping) {
      return;
    }
    stopping = true;
    for (Running queue : List.copyOf(running.values())) {
      if (queue.writing) {
        queue.waiting.add(VirtualQueue.Stop.INSTANCE);
      } else {
        handle(pairs, queue, VirtualQueue.Stop.INSTANCE);
      }
    }
  }

  // ---- what the read-ahead asks of the group ----

  private final class ReadAheadHost implements GroupReadAhead.Group {

    @Override
    public void read(long sequenceNr) {
      context.pipeToSelf(
          deps.payloads().groupRow(persistenceId().id(), sequenceNr),
          (found, failure) -> new RowRead(sequenceNr, found, failure));
    }

    @Override
    public void recheckIn(Duration delay) {
      timers.startSingleTimer(ReadAheadTick.INSTANCE, ReadAheadTick.INSTANCE, delay);
    }

    @Override
    public void failed(long sequenceNr, Throwable failure) {
      context
          .getLog()
          .warn(
              "reading event {} of {} back for its pairs failed; trying again in {}",
              sequenceNr,
              persistenceId().id(),
              PayloadReadBack.RETRY_AFTER,
              failure);
    }
  }

  // ---- what a pair's parts ask of its actor ----

  /** Whose timers these are: two pairs' timers of one key are two timers. */
  private record PairTimer(PairId pair, Object key) {}

  /** A pair's view of the group: its messages to itself are addressed to it, its timers keyed. */
  private final class PairHost implements QueueHost {
    final PairId pair;
    private final Set<Object> timerKeys = new HashSet<>();

    PairHost(PairId pair) {
      this.pair = pair;
    }

    @Override
    public void tellSelf(VirtualQueue.Internal message) {
      context.getSelf().tell(new Own(pair, message));
    }

    @Override
    public <T> void pipeToSelf(
        CompletionStage<T> stage, BiFunction<T, Throwable, VirtualQueue.Internal> toMessage) {
      context.pipeToSelf(stage, (value, failure) -> new Own(pair, toMessage.apply(value, failure)));
    }

    @Override
    public void startTimer(Object key, VirtualQueue.Internal message, Duration delay) {
      timerKeys.add(key);
      timers.startSingleTimer(new PairTimer(pair, key), new Own(pair, message), delay);
    }

    @Override
    public void cancelTimer(Object key) {
      timers.cancel(new PairTimer(pair, key));
    }

    @Override
    public boolean timerActive(Object key) {
      return timers.isTimerActive(new PairTimer(pair, key));
    }

    void cancelTimers() {
      timerKeys.forEach(this::cancelTimer);
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
    public void notKept(long sequenceNr) {
      readAhead.notKept(sequenceNr);
      readAhead.next();
    }

    @Override
    public boolean readsAhead(long sequenceNr) {
      return readAhead.brings(sequenceNr);
    }

    @Override
    public void passivate() {
      Running queue = running.get(pair);
      if (queue != null) {
        queue.letGo = true;
      }
    }
  }
}
