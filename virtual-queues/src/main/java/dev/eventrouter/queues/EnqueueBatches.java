package dev.eventrouter.queues;

import com.typesafe.config.Config;
import dev.eventrouter.persistence.job.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cuts a pair's jobs into Enqueues that each fit one Artery frame: a queue may run on another node,
 * and a message larger than {@code pekko.remote.artery.advanced.maximum-frame-size} is dropped
 * there, its ask timing out and being sent again, forever.
 *
 * @param maxBytes the most one Enqueue's jobs may weigh, as {@link #weight} counts
 */
public record EnqueueBatches(long maxBytes) {

  /** What the envelope, the reply address and a serializer's estimate error may take of a frame. */
  static final int HEADROOM_DIVISOR = 8;

  /** Per job: field names, ids, times and the encoding's framing, all short. */
  private static final int JOB_OVERHEAD = 512;

  public static EnqueueBatches fromConfig(Config config) {
    long frame = config.getBytes("pekko.remote.artery.advanced.maximum-frame-size");
    return new EnqueueBatches(frame - frame / HEADROOM_DIVISOR);
  }

  /** In order; a job heavier than {@link #maxBytes} alone is its own batch (it cannot be cut). */
  List<List<Job>> split(List<Job> jobs) {
    List<List<Job>> batches = new ArrayList<>();
    List<Job> batch = new ArrayList<>();
    long bytes = 0;
    for (Job job : jobs) {
      long weight = weight(job);
      if (!batch.isEmpty() && bytes + weight > maxBytes) {
        batches.add(batch);
        batch = new ArrayList<>();
        bytes = 0;
      }
      batch.add(job);
      bytes += weight;
    }
    if (!batch.isEmpty()) {
      batches.add(batch);
    }
    return batches;
  }

  /** An upper bound of the job's serialized size: a string's UTF-8 is at most 3 bytes a char. */
  static long weight(Job job) {
    long chars = job.messageId().length() + job.endpoint().length();
    for (Map.Entry<String, String> header : job.headers().entrySet()) {
      chars += header.getKey().length() + header.getValue().length();
    }
    if (job.trace() != null) {
      chars += job.trace().traceparent().length();
      chars += job.trace().tracestate() == null ? 0 : job.trace().tracestate().length();
    }
    return job.payload().length + 3 * chars + JOB_OVERHEAD;
  }

  /** Whether a payload of this many bytes, with room for its job's other fields, fits one batch. */
  public boolean fits(long payloadBytes) {
    return payloadBytes + JOB_OVERHEAD + 64 * 1024 <= maxBytes;
  }
}
