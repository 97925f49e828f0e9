package dev.eventrouter.queues;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.List;

/**
 * The stored form of a {@link QueueState}: its index and its dedupe window, without payloads.
 * Written under a stable name by {@link QueueSnapshotSerializer}.
 *
 * @param sequenceNr the sequence number of the last event the snapshot includes
 */
public record QueueSnapshot(long sequenceNr, List<PendingJob> jobs, List<FinishedJob> finished) {

  /** A job finished at {@code atMillis} (epoch millis), remembered to drop a late duplicate. */
  @JsonFormat(shape = JsonFormat.Shape.ARRAY)
  @JsonPropertyOrder({"id", "atMillis"})
  public record FinishedJob(Ksuid id, long atMillis) {}
}
