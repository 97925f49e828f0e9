package dev.eventrouter.queues;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.RecordPosition;
import java.util.List;
import java.util.Map;

/**
 * The stored form of a {@link QueueState}: its index and what it deduplicates by, without payloads.
 * Written under a stable name by {@link QueueSnapshotSerializer}.
 *
 * @param sequenceNr the sequence number of the last event the snapshot includes
 * @param finished the finished jobs it remembers: those from Kafka whose record lies at or above
 *     its partition's {@code persistedBelow}, and the others finished within the dedupe window
 * @param persistedBelow per partition of the ingest topic, the offset below which every record's
 *     jobs were persisted, as the ingest last told; empty in snapshots written before
 * @param topicId the topic incarnation (Kafka's topic id) of persistedBelow and of the finished
 *     jobs' positions; null when not told, and in snapshots written before
 */
public record QueueSnapshot(
    long sequenceNr,
    List<PendingJob> jobs,
    List<FinishedJob> finished,
    Map<Integer, Long> persistedBelow,
    String topicId) {

  public QueueSnapshot {
    persistedBelow = persistedBelow == null ? Map.of() : Map.copyOf(persistedBelow);
  }

  /**
   * A job finished at {@code atMillis} (epoch millis), remembered to drop a late duplicate.
   *
   * @param position the Kafka record it was made from; null for a job that came another way, and in
   *     snapshots written before positions were kept
   */
  @JsonFormat(shape = JsonFormat.Shape.ARRAY)
  @JsonPropertyOrder({"id", "atMillis", "position"})
  public record FinishedJob(Ksuid id, long atMillis, RecordPosition position) {}
}
