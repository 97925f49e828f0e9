package dev.eventrouter.queues;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.RecordPosition;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A live job in a queue's index: no payload, only what scheduling needs. Part of the queue's
 * snapshot, written as a CBOR array in this order (the stored format: append new fields only): a
 * snapshot may hold a million of them, and field names would double its size.
 *
 * @param payloadSequenceNr the journal sequence number of the event that carries the payload, where
 *     it is read back from when it is not in memory
 * @param attempts attempts made so far
 * @param dueAtMillis when the next attempt is due (epoch millis); 0 for a job never attempted, so
 *     new jobs go in arrival order
 * @param archiving on its way to the archive: no longer scheduled
 * @param traceSequenceNrs the sequence numbers of the job's transitions after its payload event
 *     (retries, archiving): with the payload's, where its trace is read back from. A few longs per
 *     job, and only for jobs attempted: the index stays compact.
 * @param position the Kafka record the job was made from, remembered when it finishes (a record
 *     read again is told by it); null for a replay, and in snapshots written before positions
 * @param orderingKey the hash of the job's ordering key ({@link Job#orderingKey()}); 0 for none
 * @param arrival for a job with an ordering key, its place in the order its queue accepted such
 *     jobs, which is the order of their Kafka records (an ingest batch keeps it): the jobs of one
 *     key go in this order. Not the payload's sequence number, which the jobs of one batch share,
 *     nor the id, a hash within a second. 0 for a job without a key, which goes by the payload's
 *     place as before ordering (and so before the keyed jobs of its pair that are due as it is).
 *     Both are written as one element, null for a job without a key: a byte.
 * @param arrivedAtSeconds when the router accepted the job (its {@link Job#createdAt()}, epoch
 *     seconds): what the age of a queue's oldest job counts from. Not the time in its id, which is
 *     the event's own (a Segment timestamp, a Kafka record's time), set by clients: an event a
 *     phone kept offline for days is not days in the router. Written as the seconds from the id's
 *     time, mostly a byte; in snapshots written before it, the id's time.
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonPropertyOrder({
  "id",
  "payloadSequenceNr",
  "attempts",
  "dueAtMillis",
  "expireAtMillis",
  "archiving",
  "traceSequenceNrs",
  "position",
  "ordering",
  "arrivalLag"
})
public record PendingJob(
    Ksuid id,
    long payloadSequenceNr,
    int attempts,
    long dueAtMillis,
    long expireAtMillis,
    boolean archiving,
    long[] traceSequenceNrs,
    RecordPosition position,
    @JsonIgnore long orderingKey,
    @JsonIgnore long arrival,
    @JsonIgnore long arrivedAtSeconds) {

  private static final long[] NO_TRACE = new long[0];

  /** As a snapshot holds it: the ordering key and arrival, or null for a job without a key. */
  @JsonCreator
  static PendingJob read(
      @JsonProperty("id") Ksuid id,
      @JsonProperty("payloadSequenceNr") long payloadSequenceNr,
      @JsonProperty("attempts") int attempts,
      @JsonProperty("dueAtMillis") long dueAtMillis,
      @JsonProperty("expireAtMillis") long expireAtMillis,
      @JsonProperty("archiving") boolean archiving,
      @JsonProperty("traceSequenceNrs") long[] traceSequenceNrs,
      @JsonProperty("position") RecordPosition position,
      @JsonProperty("ordering") long[] ordering,
      @JsonProperty("arrivalLag") Long arrivalLag) {
    return new PendingJob(
        id,
        payloadSequenceNr,
        attempts,
        dueAtMillis,
        expireAtMillis,
        archiving,
        traceSequenceNrs,
        position,
        ordering == null ? Job.UNORDERED : ordering[0],
        ordering == null ? 0L : ordering[1],
        id.epochSecond() + (arrivalLag == null ? 0L : arrivalLag));
  }

  @JsonProperty("ordering")
  long[] ordering() {
    return orderingKey == Job.UNORDERED ? null : new long[] {orderingKey, arrival};
  }

  /** The seconds from the time in the job's id to its arrival: as a snapshot holds it. */
  @JsonProperty("arrivalLag")
  long arrivalLag() {
    return arrivedAtSeconds - id.epochSecond();
  }

  /**
   * An entry as snapshots written before ordering have them: no ordering key, and arrived at the
   * time in its id.
   */
  public PendingJob(
      Ksuid id,
      long payloadSequenceNr,
      int attempts,
      long dueAtMillis,
      long expireAtMillis,
      boolean archiving,
      long[] traceSequenceNrs,
      RecordPosition position) {
    this(
        id,
        payloadSequenceNr,
        attempts,
        dueAtMillis,
        expireAtMillis,
        archiving,
        traceSequenceNrs,
        position,
        Job.UNORDERED,
        0L);
  }

  /** An entry as snapshots written before arrival times have them: arrived at its id's time. */
  public PendingJob(
      Ksuid id,
      long payloadSequenceNr,
      int attempts,
      long dueAtMillis,
      long expireAtMillis,
      boolean archiving,
      long[] traceSequenceNrs,
      RecordPosition position,
      long orderingKey,
      long arrival) {
    this(
        id,
        payloadSequenceNr,
        attempts,
        dueAtMillis,
        expireAtMillis,
        archiving,
        traceSequenceNrs,
        position,
        orderingKey,
        arrival,
        id.epochSecond());
  }

  public PendingJob {
    // snapshots written before the trace was kept have none
    traceSequenceNrs =
        traceSequenceNrs == null || traceSequenceNrs.length == 0 ? NO_TRACE : traceSequenceNrs;
  }

  /**
   * @param arrival the job's place among the keyed jobs its queue accepted; not used for a job
   *     without a key
   */
  static PendingJob accepted(Job job, long payloadSequenceNr, long arrival) {
    return new PendingJob(
        job.id(),
        payloadSequenceNr,
        0,
        0L,
        job.expireAt().toEpochMilli(),
        false,
        NO_TRACE,
        job.position(),
        job.orderingKey(),
        job.orderingKey() == Job.UNORDERED ? 0L : arrival,
        job.createdAt().getEpochSecond());
  }

  /**
   * The order of the schedule: due first, then (for keyed jobs) in arrival order, the order in
   * which the jobs of one ordering key go, then by the payload's place in the journal, which for
   * new jobs is their arrival order, so that payloads read back come from one stretch of it.
   */
  static final Comparator<PendingJob> BY_DUE = PendingJob::compareByDue;

  /** The order of expiry. */
  static final Comparator<PendingJob> BY_EXPIRY = PendingJob::compareByExpiry;

  // Written out rather than chained (Comparator.comparingLong(...).thenComparing...): the index
  // compares on every job added, removed and looked up, and a chain is a lambda call per key
  // (5 % of a drain's CPU with a backlog of thousands of jobs per queue).
  private static int compareByDue(PendingJob a, PendingJob b) {
    int c = Long.compare(a.dueAtMillis, b.dueAtMillis);
    if (c == 0) {
      c = Long.compare(a.arrival, b.arrival);
    }
    if (c == 0) {
      c = Long.compare(a.payloadSequenceNr, b.payloadSequenceNr);
    }
    return c != 0 ? c : a.id.compareTo(b.id);
  }

  private static int compareByExpiry(PendingJob a, PendingJob b) {
    int c = Long.compare(a.expireAtMillis, b.expireAtMillis);
    return c != 0 ? c : a.id.compareTo(b.id);
  }

  /** Where its trace is: the payload event and the transitions after it, in journal order. */
  SortedSet<Long> traceSequenceNrsWithPayload() {
    SortedSet<Long> nrs = new TreeSet<>();
    nrs.add(payloadSequenceNr);
    for (long nr : traceSequenceNrs) {
      nrs.add(nr);
    }
    return nrs;
  }

  PendingJob retryAt(int attempts, long dueAtMillis, long eventSequenceNr) {
    return new PendingJob(
        id,
        payloadSequenceNr,
        attempts,
        dueAtMillis,
        expireAtMillis,
        false,
        traced(eventSequenceNr),
        position,
        orderingKey,
        arrival,
        arrivedAtSeconds);
  }

  /** The carried event holds the earlier attempts: the trace starts again from it. */
  PendingJob carriedTo(long sequenceNr) {
    return new PendingJob(
        id,
        sequenceNr,
        attempts,
        dueAtMillis,
        expireAtMillis,
        archiving,
        NO_TRACE,
        position,
        orderingKey,
        arrival,
        arrivedAtSeconds);
  }

  PendingJob toArchive(long eventSequenceNr) {
    return new PendingJob(
        id,
        payloadSequenceNr,
        attempts,
        dueAtMillis,
        expireAtMillis,
        true,
        traced(eventSequenceNr),
        position,
        orderingKey,
        arrival,
        arrivedAtSeconds);
  }

  private long[] traced(long eventSequenceNr) {
    long[] nrs = Arrays.copyOf(traceSequenceNrs, traceSequenceNrs.length + 1);
    nrs[traceSequenceNrs.length] = eventSequenceNr;
    return nrs;
  }

  // a record compares arrays by identity; the index entries are compared by value in tests
  @Override
  public boolean equals(Object other) {
    return other instanceof PendingJob p
        && id.equals(p.id)
        && payloadSequenceNr == p.payloadSequenceNr
        && attempts == p.attempts
        && dueAtMillis == p.dueAtMillis
        && expireAtMillis == p.expireAtMillis
        && archiving == p.archiving
        && Arrays.equals(traceSequenceNrs, p.traceSequenceNrs)
        && Objects.equals(position, p.position)
        && orderingKey == p.orderingKey
        && arrival == p.arrival
        && arrivedAtSeconds == p.arrivedAtSeconds;
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "PendingJob["
        + id
        + " payload@"
        + payloadSequenceNr
        + " attempts="
        + attempts
        + " due="
        + dueAtMillis
        + " expire="
        + expireAtMillis
        + (archiving ? " archiving" : "")
        + " trace@"
        + Arrays.toString(traceSequenceNrs)
        + (position == null ? "" : " record " + position)
        + (orderingKey == Job.UNORDERED ? "" : " ordered")
        + " arrival="
        + arrival
        + " arrivedAt="
        + arrivedAtSeconds
        + "]";
  }
}
