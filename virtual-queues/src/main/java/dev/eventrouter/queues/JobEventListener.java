package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import java.util.List;

/**
 * Told what the queues do, for metrics: the transitions they persisted (once durable), how long
 * their journal writes took, how many jobs each holds. Called on a queue's thread: it must be quick
 * and must not block.
 */
@FunctionalInterface
public interface JobEventListener {

  JobEventListener NONE = (pair, events) -> {};

  void persisted(PairId pair, List<JobEvent> events);

  /** A journal write of {@code events} events took {@code nanos}. */
  default void journalWrite(int events, long nanos) {}

  /**
   * {@code jobs} jobs were read back from the journal (payloads the cache could not keep, or traces
   * for the archive and carry-forward), reading {@code rows} rows, each decoded whole.
   */
  default void payloadsRead(int jobs, int rows) {}

  /** What made a queue look over its schedule for jobs to send. */
  enum PassCause {
    /** Jobs came or moved in its index: a write (accepted jobs, outcomes, levers), a recovery. */
    WRITTEN,
    /** Its destination's limit handed it permits it had been refused. */
    HANDED,
    /** Answers freed room for its requests. */
    ANSWERED,
    /** A timer: a job came due, a recheck, a held batch to send. */
    TIMER,
    /** Payloads it could not hold were read back. */
    READ
  }

  /**
   * A queue looked over its schedule for jobs to send: passes per delivered job tell how many
   * requests a pass amortizes its cost over, and their causes which passes could be spared.
   */
  default void dispatchPass(PassCause cause) {}

  /** The pair's queue on this node now holds {@code jobs} jobs (0 once it stopped here). */
  default void depth(PairId pair, int jobs) {}

  /**
   * A queue group on this node (the layout groups) holds the states of {@code pairs} pairs: those
   * with jobs and those remembering finished jobs whose records may be read again (0 once it
   * stopped here). Told after each look over its idle pairs.
   */
  default void groupPairs(String group, int pairs) {}
}
