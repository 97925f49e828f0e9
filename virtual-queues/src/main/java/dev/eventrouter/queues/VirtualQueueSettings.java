package dev.eventrouter.queues;

import com.typesafe.config.Config;
import java.time.Duration;

/** The settings under {@code eventrouter.virtual-queue}; reference.conf documents each. */
public record VirtualQueueSettings(
    Duration outcomeBatchDelay,
    Duration orderedOutcomeBatchDelay,
    int outcomeBatchMax,
    long payloadCacheBytes,
    long payloadMemoryBytes,
    int readBackBatch,
    Duration passivateIdleAfter,
    Duration busyRetryDelay,
    Duration askTimeout,
    int deliveryQueueSize,
    Duration dedupeWindow,
    int dedupeMaxEntries,
    int archiveBatchMax,
    long archiveBatchMaxBytes,
    int snapshotEvery,
    int snapshotMaxJobs,
    long carryForwardLag,
    int carryForwardBatch,
    long traceScanEvents,
    int traceScansAtOnce,
    JournalFormat journalFormat,
    long journalEventMaxBytes,
    Duration stopWait,
    Duration groupSweepEvery) {

  /** How a queue writes its job events; every version reads both. */
  public enum JournalFormat {
    /** One journal event per job event: what versions before batches write and read. */
    PER_JOB,
    /** One journal event per write, carrying all its job events in a compact form. */
    BATCHED
  }

  private static JournalFormat journalFormat(String name) {
    return switch (name) {
      case "per-job" -> JournalFormat.PER_JOB;
      case "batched" -> JournalFormat.BATCHED;
      default ->
          throw new IllegalArgumentException(
              "eventrouter.virtual-queue.journal-format must be per-job or batched, not '"
                  + name
                  + "'");
    };
  }

  private static long positive(Config c, String key) {
    long bytes = c.getBytes(key);
    if (bytes <= 0) {
      throw new IllegalArgumentException(
          "eventrouter.virtual-queue." + key + " must be above 0, not " + bytes);
    }
    return bytes;
  }

  public static VirtualQueueSettings fromConfig(Config config) {
    Config c = config.getConfig("eventrouter.virtual-queue");
    return new VirtualQueueSettings(
        c.getDuration("outcome-batch-delay"),
        c.getDuration("ordered-outcome-batch-delay"),
        c.getInt("outcome-batch-max"),
        c.getBytes("payload-cache-bytes"),
        c.getBytes("payload-memory"),
        c.getInt("read-back-batch"),
        c.getDuration("passivate-idle-after"),
        c.getDuration("busy-retry-delay"),
        c.getDuration("ask-timeout"),
        c.getInt("delivery-queue-size"),
        c.getDuration("dedupe-window"),
        c.getInt("dedupe-max-entries"),
        c.getInt("archive-batch-max"),
        positive(c, "archive-batch-max-bytes"),
        c.getInt("snapshot-every"),
        c.getInt("snapshot-max-jobs"),
        c.getLong("carry-forward-lag"),
        c.getInt("carry-forward-batch"),
        c.getLong("trace-scan-events"),
        c.getInt("trace-scans-at-once"),
        journalFormat(c.getString("journal-format")),
        c.getBytes("journal-event-max-bytes"),
        c.getDuration("stop-wait"),
        c.getDuration("group-sweep-every"));
  }
}
