package dev.eventrouter.queues;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableSet;

/**
 * A dispatch pass's walk over its queue's schedule, which the next pass takes up where this one
 * stopped while the schedule has not changed. Starting a walk anywhere but at the schedule's first
 * job is a descent of its tree, a cache miss or more per level once it holds thousands of jobs; a
 * drain makes a pass for nearly every answer (each permit its destination's limit hands the pair),
 * and the descent was a third of the pass. The schedule changes only when outcomes are persisted,
 * jobs accepted or moved: between two such writes, passes take the walk up.
 *
 * <p>Where the next pass starts: at the first job this one walked that is not under way when it
 * ends (neither sent before nor by it), so that it walks again every job this one passed over
 * without sending (its key held, expired, its payload missing, no room). The jobs before that one
 * are under way and stay so until their outcomes are persisted, which changes the schedule; a fresh
 * walk would find them under way and pass them over, as the taken-up walk does by not meeting them.
 */
final class ScheduleWalk implements Iterator<PendingJob> {

  /**
   * Jobs recorded as walked: past this many, the walk is not taken up (a pass that looks ahead to
   * read payloads back walks hundreds; the next pass after a read starts afresh).
   */
  private static final int RECORDED = 64;

  private final QueueState state;
  private final long scheduleChanges;
  private final Iterator<PendingJob> rest;

  /** Jobs the last pass walked, to be walked again first. */
  private final List<PendingJob> again;

  private int againAt;
  private final List<PendingJob> walked = new ArrayList<>();
  private boolean unrecorded;

  private ScheduleWalk(
      QueueState state, long scheduleChanges, Iterator<PendingJob> rest, List<PendingJob> again) {
    this.state = state;
    this.scheduleChanges = scheduleChanges;
    this.rest = rest;
    this.again = again;
  }

  /** A walk of this part of the state's schedule (the part after the jobs known under way). */
  static ScheduleWalk of(QueueState state, NavigableSet<PendingJob> part) {
    return new ScheduleWalk(state, state.scheduleChanges(), part.iterator(), List.of());
  }

  /** Whether a pass over this state's schedule may take this walk up: it has not changed since. */
  boolean takesUp(QueueState state) {
    return this.state == state && scheduleChanges == state.scheduleChanges();
  }

  @Override
  public boolean hasNext() {
    return againAt < again.size() || rest.hasNext();
  }

  @Override
  public PendingJob next() {
    PendingJob job = againAt < again.size() ? again.get(againAt++) : rest.next();
    if (walked.size() < RECORDED) {
      walked.add(job);
    } else {
      unrecorded = true;
    }
    return job;
  }

  /**
   * Where the pass stopped: the last job of the walk's unbroken run of jobs under way, and what the
   * next pass takes up.
   */
  record Stop(PendingJob lastUnderWay, ScheduleWalk next) {}

  /** The pass ends: where the next one starts, with the jobs under way now. */
  Stop stop(InFlight inFlight) {
    int first = 0;
    while (first < walked.size() && inFlight.contains(walked.get(first).id())) {
      first++;
    }
    PendingJob lastUnderWay = first == 0 ? null : walked.get(first - 1);
    ScheduleWalk next =
        unrecorded
            ? null
            : new ScheduleWalk(state, scheduleChanges, rest, walked.subList(first, walked.size()));
    return new Stop(lastUnderWay, next);
  }
}
