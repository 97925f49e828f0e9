package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import java.util.HashMap;
import java.util.HashSet;
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

  /** The jobs that hold a request's slot: each request's first. */
  private final Set<Ksuid> slots = new HashSet<>();

  private int unanswered;

  void sent(Ksuid jobId, int attempt) {
    sent(jobId, attempt, true);
  }

  /**
   * @param holdsSlot whether it is its request's first job, whose answer frees the request's slot
   *     (the others of a batch ride along)
   */
  void sent(Ksuid jobId, int attempt, boolean holdsSlot) {
    attempts.put(jobId, attempt);
    if (holdsSlot) {
      slots.add(jobId);
      unanswered++;
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
    if (!slots.remove(outcome.jobId())) {
      return Answer.RIDER;
    }
    unanswered--;
    return Answer.REQUEST;
  }

  /** The attempt's outcome is in the journal. */
  void persisted(Ksuid jobId) {
    attempts.remove(jobId);
    slots.remove(jobId);
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
