package dev.eventrouter.persistence.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * The unit of delivery: one event for one destination. Immutable; its life is told by the {@link
 * JobEvent}s that follow its {@link JobEvent.AwaitingScheduling}.
 *
 * @param id derived from (source, messageId, destination) and the Kafka record's time
 * @param messageId the event's own id, kept for tracing and the delivery audit
 * @param endpoint where the payload is POSTed, fixed when the job is created
 * @param payload the bytes to send, as received
 * @param headers request headers for the destination (never secrets: those are resolved at send
 *     time)
 * @param expireAt when an undelivered job stops being retried and is archived
 *     <p>Times are kept to the millisecond, as the journal stores them (and Kafka records carry
 *     them): a job read back equals the job written.
 * @param replayOf the archived job this one delivers again, or null
 * @param position the Kafka record it was made from; null for a job that came another way (a
 *     replay) or was written before positions were kept
 * @param orderingKey for a destination that wants its events in order per key (a user), a 64-bit
 *     hash of the event's key: the jobs of one hash are delivered one at a time, in the order their
 *     queue accepted them. 0 for none (the job is delivered in no particular order), the default,
 *     and what jobs written before ordering have. A hash, not the key: eight bytes per job whatever
 *     the key's length; two keys with one hash are only ordered together.
 * @param trace the trace its attempts continue; null when tracing was off as it was made, or for a
 *     job written before traces were kept
 */
public record Job(
    Ksuid id,
    PairId pair,
    String messageId,
    String endpoint,
    byte[] payload,
    Map<String, String> headers,
    Instant createdAt,
    Instant expireAt,
    Ksuid replayOf,
    // absent rather than null in the per-job journal format: replays and older events have none
    @JsonInclude(JsonInclude.Include.NON_NULL) RecordPosition position,
    // absent rather than 0 for the same reason, and from nodes of versions before ordering
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) long orderingKey,
    @JsonInclude(JsonInclude.Include.NON_NULL) TraceContext trace) {

  /** The hash of jobs that have no ordering key. */
  public static final long UNORDERED = 0L;

  public Job {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(pair, "pair");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(payload, "payload");
    headers = Map.copyOf(headers);
    createdAt = createdAt.truncatedTo(ChronoUnit.MILLIS);
    expireAt = expireAt.truncatedTo(ChronoUnit.MILLIS);
  }

  public Job(
      Ksuid id,
      PairId pair,
      String messageId,
      String endpoint,
      byte[] payload,
      Map<String, String> headers,
      Instant createdAt,
      Instant expireAt) {
    this(id, pair, messageId, endpoint, payload, headers, createdAt, expireAt, null, null);
  }

  public Job(
      Ksuid id,
      PairId pair,
      String messageId,
      String endpoint,
      byte[] payload,
      Map<String, String> headers,
      Instant createdAt,
      Instant expireAt,
      Ksuid replayOf) {
    this(id, pair, messageId, endpoint, payload, headers, createdAt, expireAt, replayOf, null);
  }

  public Job(
      Ksuid id,
      PairId pair,
      String messageId,
      String endpoint,
      byte[] payload,
      Map<String, String> headers,
      Instant createdAt,
      Instant expireAt,
      Ksuid replayOf,
      RecordPosition position) {
    this(
        id, pair, messageId, endpoint, payload, headers, createdAt, expireAt, replayOf, position,
        UNORDERED);
  }

  public Job(
      Ksuid id,
      PairId pair,
      String messageId,
      String endpoint,
      byte[] payload,
      Map<String, String> headers,
      Instant createdAt,
      Instant expireAt,
      Ksuid replayOf,
      RecordPosition position,
      long orderingKey) {
    this(
        id,
        pair,
        messageId,
        endpoint,
        payload,
        headers,
        createdAt,
        expireAt,
        replayOf,
        position,
        orderingKey,
        null);
  }

  /** This job again, out of the archive, to the endpoint and with the headers it had. */
  public Job replay(Instant now, Duration expireAfter) {
    return replay(now, expireAfter, endpoint, headers);
  }

  /**
   * This job again, out of the archive: a new id derived from this one (so that replaying it twice
   * makes the same job, which its queue then holds once), a fresh expiry, no record position (it
   * does not come from Kafka), its ordering key; its attempts continue the original's trace, where
   * it has one. It goes to {@code endpoint} with {@code headers}: its pair's route at the replay.
   */
  public Job replay(
      Instant now, Duration expireAfter, String endpoint, Map<String, String> headers) {
    Ksuid original = replayOf != null ? replayOf : id;
    return new Job(
        Ksuid.derive(original.time(), "replay", original.toString()),
        pair,
        messageId,
        endpoint,
        payload,
        headers,
        now,
        now.plus(expireAfter),
        original,
        null,
        orderingKey,
        trace);
  }

  /** This job, its attempts continuing this trace. */
  public Job withTrace(TraceContext trace) {
    return new Job(
        id,
        pair,
        messageId,
        endpoint,
        payload,
        headers,
        createdAt,
        expireAt,
        replayOf,
        position,
        orderingKey,
        trace);
  }

  // A record compares arrays by identity; a job is equal to another with the same bytes.
  @Override
  public boolean equals(Object other) {
    return other instanceof Job j
        && id.equals(j.id)
        && pair.equals(j.pair)
        && messageId.equals(j.messageId)
        && endpoint.equals(j.endpoint)
        && Arrays.equals(payload, j.payload)
        && headers.equals(j.headers)
        && createdAt.equals(j.createdAt)
        && expireAt.equals(j.expireAt)
        && Objects.equals(replayOf, j.replayOf)
        && Objects.equals(position, j.position)
        && orderingKey == j.orderingKey
        && Objects.equals(trace, j.trace);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    // never the payload: it is customer data and can be large
    return "Job["
        + id
        + " "
        + pair
        + " messageId="
        + messageId
        + " "
        + payload.length
        + " bytes"
        + (position == null ? "" : " record " + position)
        + (orderingKey == UNORDERED ? "" : " ordered")
        + "]";
  }
}
