package dev.eventrouter.persistence.testing;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.RecordPosition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Jobs as the router would build them, for tests. */
public final class JobFixtures {

  private JobFixtures() {}

  public static Job job(PairId pair, String messageId, String endpoint, Instant time) {
    byte[] payload =
        ("{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"event\":\"Order Completed\"}")
            .getBytes(StandardCharsets.UTF_8);
    return job(pair, messageId, endpoint, time, payload);
  }

  public static Job job(
      PairId pair, String messageId, String endpoint, Instant time, byte[] payload) {
    return new Job(
        Ksuid.derive(time, pair.source(), messageId, pair.destination()),
        pair,
        messageId,
        endpoint,
        payload,
        Map.of("Content-Type", "application/json"),
        time,
        time.plus(Duration.ofHours(4)));
  }

  /** The same job with these headers instead of its own (as its destination's would give it). */
  public static Job withHeaders(Job job, Map<String, String> headers) {
    return new Job(
        job.id(),
        job.pair(),
        job.messageId(),
        job.endpoint(),
        job.payload(),
        headers,
        job.createdAt(),
        job.expireAt(),
        job.replayOf(),
        job.position());
  }

  /** The job as the ingest makes it from the Kafka record at this position. */
  public static Job fromRecord(Job job, int partition, long offset) {
    return new Job(
        job.id(),
        job.pair(),
        job.messageId(),
        job.endpoint(),
        job.payload(),
        job.headers(),
        job.createdAt(),
        job.expireAt(),
        job.replayOf(),
        new RecordPosition(partition, offset));
  }

  /**
   * The job as the ingest makes it for a destination ordered per key, of the key with this hash.
   */
  public static Job ordered(Job job, long orderingKey) {
    return new Job(
        job.id(),
        job.pair(),
        job.messageId(),
        job.endpoint(),
        job.payload(),
        job.headers(),
        job.createdAt(),
        job.expireAt(),
        job.replayOf(),
        job.position(),
        orderingKey);
  }
}
