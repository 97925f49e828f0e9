package dev.eventrouter.queues;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
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
 * it is empty and idle, its state (what dedupes records read twice) kept. Its timers and its
 * messages to itself are the group's, addressed to it; the delivery client's answers come to the
 * group, which finds each job's pair by the requests under way.
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
      permits ToPair, Own, Answered, Write, Stop, RowRead, ReadAheadTick {}

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

  /** The pairs' states, each at the group's sequence number of the last event it had a part in. */
  public static final class Pairs {
    private final Map<PairId, QueueState> states = new HashMap<>();
    private final VirtualQueueSettings settings;
    private long sequenceNr;

    Pairs(VirtualQueueSettings settings) {
      this.settings = settings;
    }

    QueueState of(PairId pair) {
      return states.computeIfAbsent(pair, p -> QueueState.empty(settings));
    }

    Pairs apply(GroupBatch event) {
      sequenceNr++;
      for (GroupBatch.PairBatch part : event.pairs()) {
        of(part.pair()).applyAt(part.batch(), sequenceNr);
      }
      return this;
    }
  }

  // ---- the actor ----

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
      if (command instanceof ToPair toPair) {
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
      } else if (command == Write.INSTANCE) {
        return write();
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
            pairs ->
                pairs.states.forEach(
                    (pair, state) -> {
                      if (!state.isEmpty()) {
                        start(pairs, pair);
                      }
                    }))
        .onSignal(
            PostStop.instance(), pairs -> running.values().forEach(pair -> pair.queue.stopped()))
        .build();
  }

  // ---- a pair's messages ----

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
    started.queue.recovered(pairs.of(pair));
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

  // ---- writing ----

  private Effect<GroupBatch, Pairs> write() {
    writeAsked = false;
    if (pending.isEmpty()) {
      return Effect().none();
    }
    List<Asked> written = pending;
    pending = new ArrayList<>();
    List<GroupBatch> events = events(written);
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
  private List<GroupBatch> events(List<Asked> asked) {
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
    events.add(new GroupBatch(parts));
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
