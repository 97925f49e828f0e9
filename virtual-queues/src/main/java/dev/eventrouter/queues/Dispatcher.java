package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.journal.JobPayloads;
import dev.eventrouter.queues.JobEventListener.PassCause;
import dev.eventrouter.queues.adapter.Batching;
import dev.eventrouter.queues.adapter.DestinationAdapter;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryOutcomes;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.limit.DestinationLimit;
import dev.eventrouter.queues.limit.PairPermits;
import dev.eventrouter.queues.rate.PairRate;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Sends a queue's jobs that are due, in schedule order, while the pair has in-flight room, the
 * destination's concurrency limit a permit for the pair, rate permits and the destination's breaker
 * lets requests through, and a job's ordering key lets it go ({@link KeyOrder}); reads back the
 * payloads it does not hold; arms a timer for when it can go on.
 */
final class Dispatcher implements PayloadReadBack.Reader {

  /** The timer's: look again. */
  enum Tick implements VirtualQueue.Internal {
    INSTANCE
  }

  /**
   * The destination's limit handed the pair permits it was refused: a pass to use them. Not the
   * timer's {@link Tick}, which would restart the timer armed for the recheck.
   */
  enum PermitsHanded implements VirtualQueue.Internal {
    INSTANCE
  }

  /**
   * A row of the log its host shares with other queues, read back for all of them ({@link
   * GroupReadAhead}): this queue's events in it.
   */
  record ReadAhead(long sequenceNr, List<JobEvent> events) implements VirtualQueue.Internal {}

  private static final Object TIMER = "dispatch";

  /** How often a paused queue with jobs looks whether it was resumed. */
  private static final Duration PAUSED_RECHECK = Duration.ofSeconds(1);

  /** The size at which the jobs to send alone are checked for those that left the queue. */
  private static final int PRUNE_ALONE_AT = 1024;

  private final QueueRuntime queue;
  private final PayloadReadBack readBack;
  private final ActorRef<DeliveryOutcomes> replyTo;
  private PairRate rate;

  /** The pair's permits of its destination's concurrency limit; null before the first send. */
  private PairPermits permits;

  /**
   * The destination's settings as the last pass found them: what the answers to its requests are
   * judged by, without a registry lookup per answer.
   */
  private Optional<DestinationSettings> destination = Optional.empty();

  /** The pair's in-flight limit as the last dispatch found it. */
  private int sendLimit;

  private long timerAt = Long.MAX_VALUE;

  /**
   * The last job of the schedule's head that the last pass found all under way (sent, or answered
   * and not yet persisted), or null: the next pass starts after it, unless a job was added to the
   * schedule at or before it. A drain holds hundreds of jobs under way at the head of the schedule,
   * and a pass runs for every few answers: stepping over them each time was most of a pass.
   */
  private PendingJob underWayUpTo;

  /** The jobs gathered for the next request, where the destination batches. */
  private final RequestBatch batch = new RequestBatch();

  /**
   * Jobs of a batch the destination refused as a whole, each to go alone in its next request. Not
   * persisted: after a restart such a job may share a request again, and be split again.
   */
  private final Set<Ksuid> alone = new HashSet<>();

  /** The queue is stopping: nothing new is sent. */
  private boolean halted;

  Dispatcher(QueueRuntime queue, PayloadReadBack readBack) {
    this.queue = queue;
    this.readBack = readBack;
    this.replyTo = queue.host().answersTo();
  }

  void tick(QueueState state) {
    timerAt = Long.MAX_VALUE;
    dispatch(state, PassCause.TIMER);
  }

  void dispatch(QueueState state, PassCause cause) {
    dispatch(state, Map.of(), cause);
  }

  /**
   * Jobs came or moved in the index (accepted, answered and written, carried forward, moved by a
   * lever): a pass, unless it could send nothing. With no job scheduled there is nothing to send,
   * and the pair leaves its destination's line as such a pass would have it. While the pair waits
   * in that line it is woken when permits are handed to it, and asks again on its timer; a pass
   * before would be refused. A cold pair's jobs come in writes of their own and its outcomes in
   * another, and most of the passes after those writes found nothing to send.
   */
  void written(QueueState state) {
    if (state.schedule().isEmpty()) {
      if (permits != null) {
        permits.leaveLine();
      }
    } else if (permits == null || !permits.waiting()) {
      dispatch(state, PassCause.WRITTEN);
    }
  }

  /** Sends nothing more: the queue waits for the requests under way, then stops. */
  void halt() {
    halted = true;
    if (permits != null) {
      permits.leaveLine();
    }
  }

  /**
   * Whether answers have freed enough of the pair's room for another pass: refilled by halves, so
   * that what a pass costs whatever it sends (the settings, the limit, the breaker, the rate) is
   * paid for several requests. Not while the destination's limit keeps the pair waiting: it is
   * woken when permits are handed to it, and a pass before that would be refused.
   */
  boolean wantsRefill() {
    return queue.inFlight().unanswered() <= sendLimit / 2
        && (permits == null || !permits.waiting());
  }

  /** An answer to a request this queue sent: its concurrency permit goes back. */
  void answered(DeliveryOutcome outcome) {
    permits.answered(outcome);
  }

  /** The queue stopped: the permits of requests still unanswered go back. */
  void stopped() {
    if (permits != null) {
      permits.stopped();
    }
  }

  /** The destination answered 429: this tenant's rate, not the destination's health. */
  void throttled() {
    if (rate != null) {
      rate.throttled();
    }
  }

  /** The pair's current rate limit in requests per second; 0 for none. */
  int rateLimit() {
    return queue
        .deps()
        .destinations()
        .find(queue.pair())
        .map(found -> rate(found.ratePerSecond()).limit())
        .orElse(rate == null ? 0 : rate.limit());
  }

  /** The destination's settings as the last pass found them; empty before the first send. */
  Optional<DestinationSettings> destination() {
    return destination;
  }

  @Override
  public boolean wantsTraces() {
    return false;
  }

  @Override
  public void read(
      QueueState state, Map<Ksuid, List<JobEvent>> live, Map<Ksuid, PendingJob> readAs) {
    Map<Ksuid, Job> read = new LinkedHashMap<>();
    live.forEach((id, events) -> read.put(id, JobPayloads.payloadOf(events)));
    // kept while there is room, first due first; the rest goes now or is read again when due
    queue.payloads().offerRead(read.values());
    dispatch(state, read, PassCause.READ);
  }

  /**
   * Payloads its host read ahead: those of jobs due now and still waiting for theirs (not finished,
   * carried forward, under way or read meanwhile) are kept while there is room, and a pass sends
   * what it can.
   */
  void readAhead(QueueState state, ReadAhead read) {
    long now = queue.nowMillis();
    Map<Ksuid, Job> wanted = new LinkedHashMap<>();
    for (JobEvent event : read.events()) {
      if (event instanceof JobEvent.WithPayload withPayload) {
        PendingJob job = state.get(event.jobId());
        if (job != null
            && job.payloadSequenceNr() == read.sequenceNr()
            && job.dueAtMillis() <= now
            && !queue.inFlight().contains(job.id())
            && queue.payloads().get(job.id()) == null) {
          wanted.put(job.id(), withPayload.job());
        }
      }
    }
    if (!wanted.isEmpty()) {
      queue.payloads().offerRead(wanted.values());
      dispatch(state, wanted, PassCause.READ);
    }
  }

  @Override
  public void readFailed() {
    schedule(queue.nowMillis() + PayloadReadBack.RETRY_AFTER.toMillis());
  }

  /**
   * A pass, told to the pair's permits: one that ends without being refused a permit takes the pair
   * out of its destination's line of waiters.
   */
  private void dispatch(QueueState state, Map<Ksuid, Job> justRead, PassCause cause) {
    if (halted) {
      return;
    }
    if (permits != null) {
      permits.passStarts();
    }
    pass(state, justRead);
    queue.deps().listener().dispatchPass(cause);
    if (permits != null) {
      permits.passEnds();
    }
  }

  /**
   * @param justRead payloads just read back, of jobs the cache had no room to keep
   */
  private void pass(QueueState state, Map<Ksuid, Job> justRead) {
    Optional<DestinationSettings> found = queue.deps().destinations().find(queue.pair());
    destination = found;
    if (found.isEmpty()) {
      if (!state.schedule().isEmpty()) {
        queue
            .host()
            .log()
            .warn(
                "destination of {} is not configured; its {} jobs are held",
                queue.pair(),
                state.schedule().size());
        schedule(queue.nowMillis() + QueueRuntime.UNCONFIGURED_RECHECK.toMillis());
      }
      return;
    }
    if (queue.deps().destinations().paused(queue.pair())) {
      if (!state.schedule().isEmpty()) {
        schedule(queue.nowMillis() + PAUSED_RECHECK.toMillis());
      }
      return;
    }
    DestinationSettings destination = found.get();
    CircuitBreaker breaker = queue.deps().breakers().of(destination);
    PairRate rate = rate(destination.ratePerSecond());
    joinLimit(destination);
    InFlight inFlight = queue.inFlight();
    PayloadCache payloads = queue.payloads();
    int limit = destination.maxInFlightPerPair();
    sendLimit = limit;
    DestinationAdapter adapter = destination.adapter();
    Batching batching = adapter.batching();
    // the in-flight limit counts requests: a batching destination's hold several jobs each
    int perRequest = batching.maxEvents();
    long now = queue.nowMillis();
    List<PendingJob> unread = new ArrayList<>();
    boolean sending = true;
    boolean readNow = false;
    int looked = 0;
    KeyOrder keys = new KeyOrder(state, inFlight);
    boolean allUnderWay = true;
    for (PendingJob job : unlessUnderWay(state)) {
      if (job.dueAtMillis() > now) {
        schedule(job.dueAtMillis());
        break;
      }
      if (inFlight.contains(job.id())) {
        if (allUnderWay) {
          underWayUpTo = job;
        }
        continue;
      }
      allUnderWay = false;
      if (job.expireAtMillis() <= now) {
        // an expired job waits for the expiry timer, which archives it
        continue;
      }
      if (!keys.mayGo(job)) {
        // an earlier job of its key is under way or waits for a retry: the pass goes on past it
        // (not counted as looked at: a key's backlog must not stop the other keys)
        continue;
      }
      // past the jobs it can send now it looks ahead, to read their payloads back in one go,
      // but only when a payload is missing: otherwise what it would find is not used
      if (!sending && !readNow
          || ++looked > Math.max((long) limit * perRequest, queue.settings().readBackBatch())) {
        break;
      }
      Job payload = payloads.get(job.id());
      if (payload == null) {
        payload = justRead.get(job.id());
      }
      if (payload != null) {
        payloads.reached(job);
      }
      if (payload == null) {
        if (queue.host().readsAhead(job.payloadSequenceNr())) {
          // its host reads that row for all its queues and hands this payload over: not read
          // alone, nor overtaken meanwhile (the timer in case the host gives up on the row)
          schedule(now + PayloadReadBack.RETRY_AFTER.toMillis());
          break;
        }
        if (sending && readBack.reading(this)) {
          // the pass that comes with the read goes on from here: looking ahead now for more to
          // read would find what that read is bringing (up to read-back-batch jobs, each pass)
          break;
        }
        unread.add(job);
        if (sending) {
          // no later job overtakes it while its payload is read: the room it could go in now
          // is still there when the payload comes, so it goes even if the cache cannot keep it
          readNow = inFlight.unanswered() < limit;
          sending = false;
        }
        continue;
      }
      if (!sending) {
        continue;
      }
      if (inFlight.unanswered() >= limit) {
        sending = false;
        continue;
      }
      // no lookup per job in the usual pass, with no batch split
      boolean single = !alone.isEmpty() && alone.contains(job.id());
      if (!batch.fits(adapter, payload, single)
          && (!send(batch, destination, breaker, rate, now) || inFlight.unanswered() >= limit)) {
        sending = false;
        continue;
      }
      batch.add(job, payload);
      // held for the rest of the pass: a key's later job neither joins this request nor another
      keys.sent(job);
      if ((single || batch.full(batching)) && !send(batch, destination, breaker, rate, now)) {
        sending = false;
      }
    }
    if (!batch.isEmpty()) {
      long sendAt = batch.sendAt(now, batching);
      if (sendAt > now) {
        batch.hold();
        schedule(sendAt);
      } else {
        send(batch, destination, breaker, rate, now);
      }
    }
    if (readNow) {
      // with no room to keep payloads, reading ahead would read them again: only what can go now
      // in longs, and none when more are under way than the limit now allows (an operator
      // lowered it): a limit of 2^31 - 1 times a batch's size is no int
      int wanted =
          payloads.hasRoom()
              ? unread.size()
              : (int)
                  Math.min(
                      unread.size(),
                      Math.max(0L, (long) (limit - inFlight.unanswered()) * perRequest));
      if (wanted > 0) {
        List<PendingJob> reading = unread.subList(0, wanted);
        payloads.reading(reading);
        readBack.read(this, reading);
      }
    }
  }

  /**
   * The schedule from the first job that may not be under way: after {@link #underWayUpTo}, unless
   * a job was added to the schedule at or before it since the last pass.
   */
  private NavigableSet<PendingJob> unlessUnderWay(QueueState state) {
    PendingJob added = state.takeEarliestScheduled();
    if (underWayUpTo != null
        && added != null
        && PendingJob.BY_DUE.compare(added, underWayUpTo) <= 0) {
      underWayUpTo = null;
    }
    return underWayUpTo == null ? state.schedule() : state.schedule().tailSet(underWayUpTo, false);
  }

  /**
   * Takes the pair's permits of its destination's limit, once (a pair's destination is its own).
   */
  private void joinLimit(DestinationSettings destination) {
    if (permits == null) {
      DestinationLimit limit = queue.deps().limits().of(destination.id());
      permits =
          new PairPermits(limit, queue.pair(), () -> queue.host().tellSelf(PermitsHanded.INSTANCE));
    }
  }

  /**
   * Sends the batch's jobs in one request, if the destination's concurrency limit, the breaker, the
   * pair's rate and the client let it go; false (and a timer armed) when one of them does not: its
   * jobs stay due, none charged an attempt. The request holds one in-flight slot and one permit of
   * the limit.
   */
  private boolean send(
      RequestBatch batch,
      DestinationSettings destination,
      CircuitBreaker breaker,
      PairRate rate,
      long now) {
    List<DeliveryRequest.Sent> jobs = batch.take();
    if (!permits.tryAcquire()) {
      // woken when a permit frees for this pair; the timer in case that wake-up is lost
      schedule(now + permits.recheckAfter().toMillis());
      return false;
    }
    if (!breaker.tryAcquirePermission()) {
      // open: nothing leaves for the destination, and no job is charged an attempt
      permits.notSent();
      schedule(now + breakerRetryMillis(destination));
      return false;
    }
    if (!rate.tryAcquire()) {
      notSent(breaker);
      schedule(now + rate.untilNextPermit().toMillis());
      return false;
    }
    if (!queue.deps().deliveryClient().send(queue.attempts().request(jobs, destination, replyTo))) {
      queue.attempts().notSent(jobs);
      notSent(breaker);
      schedule(now + queue.settings().busyRetryDelay().toMillis());
      return false;
    }
    queue.inFlight().sent(jobs);
    if (jobs.size() == 1) {
      alone.remove(jobs.get(0).job().id());
    }
    return true;
  }

  private void notSent(CircuitBreaker breaker) {
    breaker.releasePermission();
    permits.notSent();
  }

  /**
   * The job goes alone in its next request: the destination refused the batch it was in as a whole.
   * A job that leaves the queue before it is sent again (flushed, expired) is forgotten when the
   * set grows, so the set stays within the jobs the queue holds.
   */
  void sendAlone(Ksuid jobId, QueueState state) {
    if (alone.size() >= PRUNE_ALONE_AT) {
      alone.removeIf(id -> !state.contains(id));
    }
    alone.add(jobId);
  }

  /** While the breaker is open, queues look again at random within its open time. */
  private static long breakerRetryMillis(DestinationSettings destination) {
    long open = destination.breaker().openFor().toMillis();
    return open / 2 + ThreadLocalRandom.current().nextLong(open / 2 + 1);
  }

  /** The pair's rate, at the limit its settings give now (an operator may have changed it). */
  private PairRate rate(int configured) {
    if (rate == null) {
      rate = new PairRate(queue.pair().entityId(), configured);
    } else {
      rate.configure(configured);
    }
    return rate;
  }

  private void schedule(long atMillis) {
    if (atMillis >= timerAt && queue.host().timerActive(TIMER)) {
      return;
    }
    timerAt = atMillis;
    queue.host().startTimer(TIMER, Tick.INSTANCE, queue.delayUntil(atMillis));
  }
}
