package dev.eventrouter.queues;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.Comparator;

/**
 * A live job in a queue's index: no payload, only what scheduling needs. Part of the queue's
 * snapshot, written as a CBOR array in this order (the stored format: append new fields only):
 * a snapshot may hold a million of them, and field names would double its size.
 *
 * @param payloadSequenceNr the journal sequence number of the event that carries the payload,
 *     where it is read back from when it is not in memory
 * @param attempts attempts made so far
 * @param dueAtMillis when the next attempt is due (epoch millis); 0 for a job never attempted, so
 *     new jobs go in arrival order
 * @param archiving on its way to the archive: no longer scheduled
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonPropertyOrder({"id", "payloadSequenceNr", "attempts", "dueAtMillis", "expireAtMillis", "archiving"})
public record PendingJob(Ksuid id, long payloadSequenceNr, int attempts, long dueAtMillis,
    long expireAtMillis, boolean archiving) {

  /**
   * The order of the schedule: due first, then by the payload's place in the journal, which for
   * new jobs is their arrival order, so that payloads read back come from one stretch of it.
   */
  static final Comparator<PendingJob> BY_DUE = Comparator.comparingLong(PendingJob::dueAtMillis)
      .thenComparingLong(PendingJob::payloadSequenceNr)
      .thenComparing(PendingJob::id);

  /** The order of expiry. */
  static final Comparator<PendingJob> BY_EXPIRY =
      Comparator.comparingLong(PendingJob::expireAtMillis).thenComparing(PendingJob::id);

  PendingJob retryAt(int attempts, long dueAtMillis) {
    return new PendingJob(id, payloadSequenceNr, attempts, dueAtMillis, expireAtMillis, false);
  }

  PendingJob carriedTo(long sequenceNr) {
    return new PendingJob(id, sequenceNr, attempts, dueAtMillis, expireAtMillis, archiving);
  }

  PendingJob toArchive() {
    return new PendingJob(id, payloadSequenceNr, attempts, dueAtMillis, expireAtMillis, true);
  }
}
