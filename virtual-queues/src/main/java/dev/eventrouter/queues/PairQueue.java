package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.queues.VirtualQueue.Accepted;
import dev.eventrouter.queues.VirtualQueue.Command;
import dev.eventrouter.queues.VirtualQueue.Enqueue;
import dev.eventrouter.queues.VirtualQueue.FlushToArchive;
import dev.eventrouter.queues.VirtualQueue.GetStats;
import dev.eventrouter.queues.VirtualQueue.GetTrace;
import dev.eventrouter.queues.VirtualQueue.QueueStats;
import dev.eventrouter.queues.VirtualQueue.RetryNow;
import dev.eventrouter.queues.VirtualQueue.StartAgain;
import dev.eventrouter.queues.VirtualQueue.Stop;
import dev.eventrouter.queues.destination.DestinationSettings;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.pattern.StatusReply;

/**
 * The queue of one pair, whatever actor runs it: its parts, and the protocol's handlers, each
 * returning what it asks of its actor ({@link QueueEffect}). {@link VirtualQueue} runs one pair's
 * queue in an actor of its own; {@link QueueGroup} runs many in one, writing their events together.
 *
 * <p>The parts each own their flags and timers and handle the messages they send themselves: {@link
 * Dispatcher} sends, {@link OutcomeBatcher} takes the answers and writes their outcomes, {@link
 * ArchivePipeline} takes expired and flushed jobs to the archive, {@link PayloadReadBack} reads
 * jobs back from the journal, {@link JournalUpkeep} snapshots, compacts and carries forward, and
 * {@link OperatorLevers} applies an operator's levers. What they share is in {@link QueueRuntime}.
 */
final class PairQueue {

  /** Sent by a queue to itself once its idle wait is over: it may be let go if still idle. */
  enum PassivateIfIdle implements VirtualQueue.Internal {
    INSTANCE
  }

  /** Stops without waiting any longer for the requests under way. */
  enum StopNow implements VirtualQueue.Internal {
    INSTANCE
  }

  private static final Object IDLE_TIMER = "idle";
  private static final Object STOP_TIMER = "stop";

  /** Past the requests' deadline, for their answers to reach the queue. */
  private static final Duration STOP_MARGIN = Duration.ofSeconds(1);

  private final QueueRuntime queue;
  private final PayloadReadBack readBack;
  private final Dispatcher dispatcher;
  private final JournalUpkeep upkeep;
  private final ArchivePipeline archive;
  private final OperatorLevers levers;
  private final OutcomeBatcher outcomes;

  /** Asked to stop, waiting for the requests under way. */
  private boolean stopping;

  private int reportedDepth;

  /**
   * @param upkeep whether the queue snapshots and compacts its own journal: not when its events are
   *     in a log it shares with other queues, which its host keeps
   */
  PairQueue(QueueRuntime queue, boolean upkeep) {
    this.queue = queue;
    this.readBack = new PayloadReadBack(queue, this::removed);
    this.dispatcher = new Dispatcher(queue, readBack);
    this.upkeep = new JournalUpkeep(queue, readBack, upkeep);
    this.archive = new ArchivePipeline(queue, readBack, this::changed, this::removed);
    this.levers = new OperatorLevers(queue, this.upkeep, archive, this::changed);
    this.outcomes = new OutcomeBatcher(queue, dispatcher, archive, levers, this::changed);
  }

  /**
   * A pair's queue run by {@code host}, its events journaled under {@code persistenceId}, with its
   * own payload cache from the node's budget.
   */
  static PairQueue of(
      PairId pair,
      String persistenceId,
      VirtualQueue.Dependencies deps,
      QueueHost host,
      InFlight inFlight,
      boolean upkeep) {
    return new PairQueue(
        new QueueRuntime(
            pair,
            persistenceId,
            deps,
            host,
            inFlight,
            deps.tracing().attempts(),
            new PayloadCache(deps.settings().payloadCacheBytes(), deps.payloadBudget())),
        upkeep);
  }

  QueueRuntime runtime() {
    return queue;
  }

  /** The protocol's handlers, shared by every queue ({@link HandlerTable}). */
  private static final HandlerTable<PairQueue, Command, QueueState, QueueEffect> HANDLERS =
      HandlerTable.<PairQueue, Command, QueueState, QueueEffect>of(Command.class)
          // the protocol
          .on(Enqueue.class, PairQueue::enqueue)
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
          .on(OutcomeBatcher.Delivered.class, PairQueue::delivered)
          .on(OutcomeBatcher.Flush.class, (q, state, flush) -> q.outcomes.flush(state))
          .on(PayloadReadBack.Read.class, (q, state, read) -> q.readBack.received(state, read))
          .on(
              Dispatcher.ReadAhead.class,
              (q, state, read) -> {
                q.dispatcher.readAhead(state, read);
                return QueueEffect.none();
              })
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

  /** What the command asks of the queue's actor, the queue being in {@code state}. */
  QueueEffect handle(QueueState state, Command command) {
    return HANDLERS.handle(this, state, command);
  }

  // ---- its actor's signals ----

  /** Its journal is replayed: sends what is due and watches expiries. */
  void recovered(QueueState state) {
    if (!state.isEmpty()) {
      queue.payloads().behindUpTo(state.sequenceNr());
      for (PendingJob job : state.schedule()) {
        queue.host().notKept(job.payloadSequenceNr());
      }
    }
    upkeep.recovered(state);
    changed(state);
    archive.next(state);
  }

  /** Its actor stopped, or its host let it go: what it holds in memory goes. */
  void stopped() {
    dispatcher.stopped();
    queue.attempts().abandon();
    queue.payloads().clear();
    reportDepth(0);
  }

  boolean shouldSnapshot(QueueState state, QueueEvent event) {
    return upkeep.shouldSnapshot(state, event);
  }

  void snapshotSaved(QueueState state, long sequenceNr) {
    upkeep.snapshotSaved(state, sequenceNr);
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
    Span accept = queue.deps().tracing().accept(queue.pair(), fresh, accepted.duplicates());
    return queue
        .persist(events)
        .thenRun(
            s -> {
              accept.end();
              // accepted jobs are persisted transitions too (the console lists a pair's latest)
              queue.deps().listener().persisted(queue.pair(), events);
              if (!queue.payloads().offerNew(fresh, s.sequenceNr())) {
                queue.host().notKept(s.sequenceNr());
              }
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
    PairId pair = queue.pair();
    Optional<DestinationSettings> destination = queue.deps().destinations().find(pair);
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
        queue.deps().destinations().paused(pair),
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
      queue.host().passivate();
    }
    return QueueEffect.none();
  }

  /**
   * Stops once the requests under way are answered (at the latest at their deadline, or after
   * stop-wait if that is sooner: a shutdown must not hang on a slow destination), sending nothing
   * new meanwhile: a hand-off and a shutdown wait for it, and an attempt answered is not made again
   * by the next incarnation. The outcomes received are persisted first.
   */
  private QueueEffect stop(QueueState state) {
    if (stopping) {
      return QueueEffect.none();
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
