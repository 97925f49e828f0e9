package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.journal.JobPayloads;
import dev.eventrouter.persistence.serialization.CborSerializable;
import dev.eventrouter.queues.delivery.DeliveryClient;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The virtual queue of one (source, destination) pair: a sharded, event-sourced actor whose
 * journal is the pair's durable mailbox.
 *
 * <p>It accepts jobs in batches and persists each batch in one write before it acknowledges it.
 * It then delivers them, at most {@code maxInFlightPerPair} at a time, and persists the outcomes,
 * collected for a few milliseconds so that one write carries many. Its state is a compact index;
 * payloads are held in a bounded cache and read back from the journal when missing.
 *
 * <p>Delivery is at-least-once: an attempt whose outcome was not persisted before a crash is made
 * again after recovery.
 */
public final class VirtualQueue
    extends EventSourcedBehaviorWithEnforcedReplies<VirtualQueue.Command, JobEvent, QueueState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE =
      EntityTypeKey.create(Command.class, "VirtualQueue");

  // ---- protocol ----

  public sealed interface Command {}

  /**
   * Add jobs of this pair. The reply comes once they are in the journal; jobs the queue already
   * holds count as duplicates and are not added again.
   */
  public record Enqueue(List<Job> jobs, ActorRef<StatusReply<Accepted>> replyTo)
      implements Command, CborSerializable {}

  public record Accepted(int enqueued, int duplicates) implements CborSerializable {}

  public record GetStats(ActorRef<QueueStats> replyTo) implements Command, CborSerializable {}

  /**
   * @param pending live jobs (never attempted, awaiting retry, or in flight)
   * @param cachedPayloads jobs whose payload is in memory
   */
  public record QueueStats(int pending, int inFlight, int awaitingRetry, int cachedPayloads,
      long lastSequenceNr) implements CborSerializable {}

  /** Sent by sharding to stop the queue (passivation, rebalancing, shutdown). */
  public enum Stop implements Command, CborSerializable { INSTANCE }

  private record Delivered(DeliveryOutcome outcome)
      implements Command, NoSerializationVerificationNeeded {}

  private enum FlushOutcomes implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private enum Dispatch implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private enum PassivateIfIdle implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private record PayloadsRead(Map<Ksuid, Job> jobs, Set<Ksuid> wanted, Throwable failure)
      implements Command, NoSerializationVerificationNeeded {}

  /** What a queue needs from its node. */
  public record Dependencies(
      Destinations destinations,
      DeliveryClient deliveryClient,
      JobPayloads payloads,
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
  private static final Object IDLE_TIMER = "idle";
  private static final Duration READ_BACK_RETRY = Duration.ofSeconds(1);

  private final PairId pair;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Dependencies deps;
  private final VirtualQueueSettings settings;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ActorRef<DeliveryOutcome> outcomes;
  private final PayloadCache payloads;
  /** Job id to the attempt number in flight. */
  private final Map<Ksuid, Integer> inFlight = new HashMap<>();
  private final List<DeliveryOutcome> unpersistedOutcomes = new ArrayList<>();
  private boolean readingPayloads;
  private long dispatchTimerAt = Long.MAX_VALUE;

  private VirtualQueue(PairId pair, ActorRef<ClusterSharding.ShardCommand> shard,
      Dependencies deps, ActorContext<Command> context, TimerScheduler<Command> timers) {
    super(persistenceId(pair),
        SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
    this.pair = pair;
    this.shard = shard;
    this.deps = deps;
    this.settings = deps.settings();
    this.context = context;
    this.timers = timers;
    this.outcomes = context.messageAdapter(DeliveryOutcome.class, Delivered::new);
    this.payloads = new PayloadCache(settings.payloadCacheBytes());
  }

  @Override
  public QueueState emptyState() {
    return new QueueState();
  }

  @Override
  public CommandHandlerWithReply<Command, JobEvent, QueueState> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Enqueue.class, this::enqueue)
        .onCommand(Delivered.class, this::delivered)
        .onCommand(FlushOutcomes.class, (state, flush) -> flushOutcomes())
        .onCommand(Dispatch.class, (state, dispatch) -> {
          dispatchTimerAt = Long.MAX_VALUE;
          dispatch(state);
          return Effect().noReply();
        })
        .onCommand(PayloadsRead.class, this::payloadsRead)
        .onCommand(GetStats.class, (state, get) -> Effect().reply(get.replyTo(), stats(state)))
        .onCommand(PassivateIfIdle.class, this::passivateIfIdle)
        .onCommand(Stop.class, (state, stop) -> stop())
        .build();
  }

  @Override
  public EventHandler<QueueState, JobEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(JobEvent.AwaitingScheduling.class, (state, e) -> state.awaitingScheduling(e))
        .onEvent(JobEvent.AwaitingRetry.class, (state, e) -> state.awaitingRetry(e))
        .onEvent(JobEvent.Succeeded.class, (state, e) -> state.finished(e))
        .onEvent(JobEvent.Discarded.class, (state, e) -> state.finished(e))
        .build();
  }

  @Override
  public SignalHandler<QueueState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          dispatch(state);
          idleCheckIfEmpty(state);
        })
        .build();
  }

  // ---- commands ----

  private ReplyEffect<JobEvent, QueueState> enqueue(QueueState state, Enqueue enqueue) {
    List<Job> fresh = new ArrayList<>(enqueue.jobs().size());
    Set<Ksuid> seen = new HashSet<>();
    for (Job job : enqueue.jobs()) {
      if (!job.pair().equals(pair)) {
        return Effect().reply(enqueue.replyTo(),
            StatusReply.error("job " + job.id() + " is for " + job.pair() + ", not " + pair));
      }
      if (!state.contains(job.id()) && seen.add(job.id())) {
        fresh.add(job);
      }
    }
    Accepted accepted = new Accepted(fresh.size(), enqueue.jobs().size() - fresh.size());
    if (fresh.isEmpty()) {
      return Effect().reply(enqueue.replyTo(), StatusReply.success(accepted));
    }
    List<JobEvent> events = fresh.stream().<JobEvent>map(JobEvent.AwaitingScheduling::new).toList();
    return Effect().persist(events)
        .thenRun(s -> {
          fresh.forEach(payloads::offer);
          dispatch(s);
        })
        .thenReply(enqueue.replyTo(), s -> StatusReply.success(accepted));
  }

  private ReplyEffect<JobEvent, QueueState> delivered(QueueState state, Delivered delivered) {
    DeliveryOutcome outcome = delivered.outcome();
    Integer attempt = inFlight.get(outcome.jobId());
    if (attempt == null || attempt != outcome.attempt()) {
      // an outcome of an attempt this incarnation did not start: the job is retried anyway
      return Effect().noReply();
    }
    unpersistedOutcomes.add(outcome);
    if (unpersistedOutcomes.size() >= settings.outcomeBatchMax()) {
      return flushOutcomes();
    }
    if (!timers.isTimerActive(FLUSH_TIMER)) {
      timers.startSingleTimer(FLUSH_TIMER, FlushOutcomes.INSTANCE, settings.outcomeBatchDelay());
    }
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, QueueState> flushOutcomes() {
    timers.cancel(FLUSH_TIMER);
    if (unpersistedOutcomes.isEmpty()) {
      return Effect().noReply();
    }
    List<JobEvent> events = new ArrayList<>(unpersistedOutcomes.size());
    for (DeliveryOutcome outcome : unpersistedOutcomes) {
      events.add(transition(outcome));
    }
    unpersistedOutcomes.clear();
    return Effect().persist(events)
        .thenRun(s -> {
          for (JobEvent event : events) {
            inFlight.remove(event.jobId());
            if (!s.contains(event.jobId())) {
              payloads.remove(event.jobId());
            }
          }
          dispatch(s);
          idleCheckIfEmpty(s);
        })
        .thenNoReply();
  }

  private JobEvent transition(DeliveryOutcome outcome) {
    return switch (outcome.verdict()) {
      case SUCCEEDED -> new JobEvent.Succeeded(outcome.jobId(), outcome.toAttempt());
      case DISCARDED -> new JobEvent.Discarded(outcome.jobId(), outcome.toAttempt(),
          outcome.discardReason());
      case RETRY -> new JobEvent.AwaitingRetry(outcome.jobId(), outcome.toAttempt(),
          retryAt(outcome));
    };
  }

  private Instant retryAt(DeliveryOutcome outcome) {
    Optional<DestinationSettings> destination = deps.destinations().find(pair.destination());
    if (destination.isEmpty()) {
      // the destination was removed meanwhile: hold the job, look again in a minute
      return outcome.finishedAt().plus(Duration.ofMinutes(1));
    }
    return destination.get().retry()
        .retryAt(outcome.attempt(), outcome.finishedAt(), outcome.retryAfter(),
            ThreadLocalRandom.current());
  }

  private ReplyEffect<JobEvent, QueueState> payloadsRead(QueueState state, PayloadsRead read) {
    readingPayloads = false;
    if (read.failure() != null) {
      context.getLog().warn("reading payloads of {} back from the journal failed; trying again in {}",
          pair, READ_BACK_RETRY, read.failure());
      scheduleDispatch(deps.clock().millis() + READ_BACK_RETRY.toMillis());
      return Effect().noReply();
    }
    read.jobs().values().forEach(payloads::put);
    if (read.jobs().size() < read.wanted().size()) {
      context.getLog().error("{} of {} payloads of {} are missing from the journal; trying again in {}",
          read.wanted().size() - read.jobs().size(), read.wanted().size(), pair, READ_BACK_RETRY);
      scheduleDispatch(deps.clock().millis() + READ_BACK_RETRY.toMillis());
      return Effect().noReply();
    }
    dispatch(state);
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, QueueState> passivateIfIdle(QueueState state, PassivateIfIdle check) {
    if (state.isEmpty() && inFlight.isEmpty() && unpersistedOutcomes.isEmpty()) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
    return Effect().noReply();
  }

  /** Outcomes already received are persisted first: an answered attempt is not made again. */
  private ReplyEffect<JobEvent, QueueState> stop() {
    if (unpersistedOutcomes.isEmpty()) {
      return Effect().stop().thenNoReply();
    }
    List<JobEvent> events = unpersistedOutcomes.stream().map(this::transition).toList();
    unpersistedOutcomes.clear();
    return Effect().persist(events).thenStop().thenNoReply();
  }

  // ---- delivery ----

  /**
   * Sends every job that is due, in schedule order, while the pair has in-flight room; reads back
   * the payloads it does not hold; arms a timer for the next job due.
   */
  private void dispatch(QueueState state) {
    Optional<DestinationSettings> found = deps.destinations().find(pair.destination());
    if (found.isEmpty()) {
      if (!state.isEmpty()) {
        context.getLog().warn("destination of {} is not configured; its {} jobs are held",
            pair, state.size());
        scheduleDispatch(deps.clock().millis() + Duration.ofMinutes(1).toMillis());
      }
      return;
    }
    DestinationSettings destination = found.get();
    int limit = destination.maxInFlightPerPair();
    long now = deps.clock().millis();
    List<PendingJob> unread = new ArrayList<>();
    for (PendingJob job : state.schedule()) {
      if (inFlight.size() >= limit || unread.size() >= limit) {
        break;
      }
      if (job.dueAtMillis() > now) {
        scheduleDispatch(job.dueAtMillis());
        break;
      }
      if (inFlight.containsKey(job.id())) {
        continue;
      }
      Job payload = payloads.get(job.id());
      if (payload == null) {
        unread.add(job);
        continue;
      }
      int attempt = job.attempts() + 1;
      if (!deps.deliveryClient().send(new DeliveryRequest(payload, attempt, destination, outcomes))) {
        scheduleDispatch(now + settings.busyRetryDelay().toMillis());
        break;
      }
      inFlight.put(job.id(), attempt);
    }
    if (!unread.isEmpty()) {
      readBack(unread);
    }
  }

  private void readBack(List<PendingJob> jobs) {
    if (readingPayloads) {
      return;
    }
    readingPayloads = true;
    long from = Long.MAX_VALUE;
    long to = 0;
    Set<Ksuid> wanted = new HashSet<>();
    for (PendingJob job : jobs) {
      from = Math.min(from, job.payloadSequenceNr());
      to = Math.max(to, job.payloadSequenceNr());
      wanted.add(job.id());
    }
    context.pipeToSelf(
        deps.payloads().read(persistenceId().id(), from, to, wanted),
        (found, failure) -> new PayloadsRead(found, wanted, failure));
  }

  private void scheduleDispatch(long atMillis) {
    if (atMillis >= dispatchTimerAt && timers.isTimerActive(DISPATCH_TIMER)) {
      return;
    }
    dispatchTimerAt = atMillis;
    long delay = Math.max(0, atMillis - deps.clock().millis());
    timers.startSingleTimer(DISPATCH_TIMER, Dispatch.INSTANCE, Duration.ofMillis(delay));
  }

  private void idleCheckIfEmpty(QueueState state) {
    if (state.isEmpty() && !timers.isTimerActive(IDLE_TIMER)) {
      timers.startSingleTimer(IDLE_TIMER, PassivateIfIdle.INSTANCE, settings.passivateIdleAfter());
    }
  }

  private QueueStats stats(QueueState state) {
    return new QueueStats(state.size(), inFlight.size(), state.awaitingRetry(), payloads.size(),
        state.sequenceNr());
  }
}
