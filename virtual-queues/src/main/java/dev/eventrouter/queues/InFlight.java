package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The attempts of one queue under way: sent and not answered, or answered and their outcome not yet
 * persisted. Such a job is not sent again, expired nor moved by a lever. Only the unanswered ones
 * count against max-in-flight-per-pair: an answer frees its slot at once, so that outcomes can wait
 * to be written in a batch without holding the pair back.
 */
final class InFlight {

  /** Job id to the number of its attempt under way. */
  private final Map<Ksuid, Integer> attempts = new HashMap<>();

  /** The jobs of requests of one job: each holds its request's slot. */
  private final Set<Ksuid> slots = new HashSet<>();

  /** The jobs of requests of several (a batch), each to its request. */
  private final Map<Ksuid, Batch> batches = new HashMap<>();

  private int unanswered;

  /**
   * Where a host running many queues in one actor finds, by job, the queue an answer is for (its
   * answers all come to the one actor); null for a queue that has an actor of its own.
   */
  private final Map<Ksuid, PairId> routes;

  private final PairId pair;

  InFlight() {
    this(null, null);
  }

  /** Keeps {@code routes} telling, for each job under way, that it is {@code pair}'s. */
  InFlight(Map<Ksuid, PairId> routes, PairId pair) {
    this.routes = routes;
    this.pair = pair;
  }

  /**
   * A batch under way: it holds its slot until one of its jobs that went out is answered, or all of
   * them are. An API adapter answers at once the jobs it refuses (none of their bytes sent): such
   * an answer says nothing of the request, which still carries the others.
   */
  private static final class Batch {
    int waiting;
    boolean holdsSlot = true;

    Batch(int jobs) {
      this.waiting = jobs;
    }
  }

  /** The jobs of one request went out: the request takes one slot. */
  void sent(List<DeliveryRequest.Sent> jobs) {
    unanswered++;
    if (routes != null) {
      jobs.forEach(sent -> routes.put(sent.job().id(), pair));
    }
    if (jobs.size() == 1) {
      DeliveryRequest.Sent sent = jobs.get(0);
      attempts.put(sent.job().id(), sent.attempt());
      slots.add(sent.job().id());
      return;
    }
    Batch batch = new Batch(jobs.size());
    for (DeliveryRequest.Sent sent : jobs) {
      attempts.put(sent.job().id(), sent.attempt());
      batches.put(sent.job().id(), batch);
    }
  }

  /** What an outcome is to the queue's attempts under way. */
  enum Answer {
    /** Not an attempt this incarnation of the queue made (before a restart): ignored. */
    UNKNOWN,
    /** Its request's answer: frees the slot, and tells the breaker and the rate. */
    REQUEST,
    /** Another job of a batch, answered by the same request. */
    RIDER
  }

  /**
   * Whether the outcome answers an attempt this incarnation of the queue made; one it did not make
   * (before a restart) is ignored, since the job is attempted again anyway.
   */
  Answer answered(DeliveryOutcome outcome) {
    Integer attempt = attempts.get(outcome.jobId());
    if (attempt == null || attempt != outcome.attempt()) {
      return Answer.UNKNOWN;
    }
    Batch batch = batches.remove(outcome.jobId());
    if (batch == null) {
      if (!slots.remove(outcome.jobId())) {
        return Answer.RIDER;
      }
      unanswered--;
      return Answer.REQUEST;
    }
    batch.waiting--;
    if (!batch.holdsSlot
        || (outcome.signal() == DeliveryOutcome.Signal.NOT_SENT && batch.waiting > 0)) {
      return Answer.RIDER;
    }
    batch.holdsSlot = false;
    unanswered--;
    return Answer.REQUEST;
  }

  /** The attempt's outcome is in the journal. */
  void persisted(Ksuid jobId) {
    if (routes != null && attempts.containsKey(jobId)) {
      routes.remove(jobId);
    }
    attempts.remove(jobId);
    slots.remove(jobId);
    batches.remove(jobId);
  }

  /** The queue is let go: answers still to come for it find no queue, and are dropped. */
  void forget() {
    if (routes != null) {
      attempts.keySet().forEach(routes::remove);
    }
  }

  /** The jobs under way. Read-only to callers. */
  Set<Ksuid> jobIds() {
    return attempts.keySet();
  }

  boolean contains(Ksuid jobId) {
    return attempts.containsKey(jobId);
  }

  int unanswered() {
    return unanswered;
  }

  int size() {
    return attempts.size();
  }

  boolean isEmpty() {
    return attempts.isEmpty();
  }
}
