package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.journal.JobPayloads;
import java.time.Duration;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Reads a queue group's log back in order, a row at a time, for the payloads its pairs did not keep
 * in memory, and hands each row's jobs to all its pairs at once (docs/queues-per-shard.md, step 3).
 * A group's row holds the jobs of hundreds of pairs: read back by each pair when its jobs come due,
 * which is when its destination's limit hands it permits, in no order of the rows, every row was
 * read and decoded about once per job it holds.
 *
 * <p>A row is read once the node's payload memory has room for it: its payloads then wait in their
 * pairs' caches for permits, and the next row is read as sends free memory. A pair leaves to this
 * reader the jobs of rows it has not read yet ({@link #brings}), and reads alone what it passed
 * without handing over (a job not due yet, or one that found no room). Should the memory stay full
 * for {@link #STALLED_AFTER} (held by pairs that cannot send: a destination down or paused), the
 * pairs stop waiting for it and read their jobs back alone, as in the layout of a queue per pair;
 * the reader goes on once memory frees.
 *
 * <p>Only the group's thread: it is the group's part, as {@link Dispatcher} is a pair's.
 */
final class GroupReadAhead {

  /** How long a row may wait for room in payload memory before the pairs read alone. */
  static final Duration STALLED_AFTER = Duration.ofSeconds(5);

  /** How often a reader waiting for room looks again. */
  static final Duration ROOM_RECHECK = Duration.ofMillis(100);

  /** What the reader asks of its group. */
  interface Group {

    /** Reads the row from its journal; the outcome comes back to {@link #read}. */
    void read(long sequenceNr);

    /** {@link #next} again after that delay. */
    void recheckIn(Duration delay);

    /** The row could not be read. */
    void failed(long sequenceNr, Throwable failure);
  }

  private final Group group;
  private final PayloadBudget budget;
  private final long room;
  private final LongSupplier nanoTime;

  /** The rows holding payloads not kept of jobs that may still be live, not read yet. */
  private final TreeSet<Long> behind = new TreeSet<>();

  private boolean reading;

  /** Before this (nanoTime), no row is read: the journal's last answer was a failure. */
  private long retryAt;

  /** The first row behind waits for room, since {@link #waitingSince} (nanoTime). */
  private boolean waiting;

  private long waitingSince;

  /**
   * @param room the free payload memory a row is read into: its payloads at most (a journal event
   *     weighs no more than journal-event-max-bytes)
   */
  GroupReadAhead(Group group, PayloadBudget budget, long room, LongSupplier nanoTime) {
    this.group = group;
    this.budget = budget;
    this.room = room;
    this.nanoTime = nanoTime;
    this.retryAt = nanoTime.getAsLong();
  }

  /** A pair did not keep payloads of jobs in that row. */
  void notKept(long sequenceNr) {
    behind.add(sequenceNr);
  }

  /** Whether the payloads of that row are handed to the pairs soon: they need not read them. */
  boolean brings(long sequenceNr) {
    return behind.contains(sequenceNr)
        && (!waiting || nanoTime.getAsLong() - waitingSince < STALLED_AFTER.toNanos());
  }

  /**
   * Reads the first row behind, once memory has room for it, unless a read is under way (or the
   * journal's last answer was a failure: then the group calls again after the retry's delay).
   */
  void next() {
    if (reading || behind.isEmpty() || nanoTime.getAsLong() - retryAt < 0) {
      return;
    }
    if (budget.available() < room) {
      if (!waiting) {
        waiting = true;
        waitingSince = nanoTime.getAsLong();
      }
      group.recheckIn(ROOM_RECHECK);
      return;
    }
    waiting = false;
    reading = true;
    group.read(behind.first());
  }

  /**
   * The row read: what the group hands to its pairs (then it reads the next, {@link #next}). A row
   * the journal did not answer is read again after {@link PayloadReadBack#RETRY_AFTER}; one that is
   * gone or cannot be deserialized is left to the pairs, each of which then reads its jobs alone
   * and discards those with no readable payload.
   */
  Optional<GroupBatch> read(long sequenceNr, Optional<GroupBatch> row, Throwable failure) {
    reading = false;
    if (failure != null && !JobPayloads.isUnreadable(failure)) {
      group.failed(sequenceNr, failure);
      retryAt = nanoTime.getAsLong() + PayloadReadBack.RETRY_AFTER.toNanos();
      group.recheckIn(PayloadReadBack.RETRY_AFTER);
      return Optional.empty();
    }
    behind.remove(sequenceNr);
    return failure == null ? row : Optional.empty();
  }
}
