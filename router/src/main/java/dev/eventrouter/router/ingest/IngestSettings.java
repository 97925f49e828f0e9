package dev.eventrouter.router.ingest;

import com.typesafe.config.Config;
import dev.eventrouter.queues.EnqueueBatches;
import dev.eventrouter.router.kafka.KafkaClientSettings;
import dev.eventrouter.router.settings.BoundedSettings;
import java.time.Duration;

/** {@code eventrouter.kafka} and {@code eventrouter.ingest}; reference.conf documents each. */
public record IngestSettings(
    KafkaClientSettings client,
    String topic,
    String deadLetterTopic,
    int deadLetterMaxValueBytes,
    String groupId,
    long maxPayloadBytes,
    int maxNestingDepth,
    int batchMaxRecords,
    long batchMaxBytes,
    Duration batchMaxWait,
    int parallelism,
    Duration retryMinBackoff,
    Duration retryMaxBackoff) {

  /**
   * @param client of the broker to read from (the embedded one when none is configured)
   */
  public static IngestSettings fromConfig(Config config, KafkaClientSettings client) {
    Config kafka = config.getConfig("eventrouter.kafka");
    Config ingest = config.getConfig("eventrouter.ingest");
    // a value the stream refuses would stop the ingest at run time, with the node up and
    // consuming nothing
    BoundedSettings bounded = new BoundedSettings(config, "eventrouter.ingest");
    return new IngestSettings(
        client,
        kafka.getString("topic"),
        kafka.getString("dead-letter-topic"),
        deadLetterMaxValueBytes(kafka),
        kafka.getString("group-id"),
        maxPayloadBytes(config),
        ingest.getInt("max-nesting-depth"),
        bounded.positiveInt("batch-max-records"),
        bounded.positiveBytes("batch-max-bytes"),
        bounded.positiveDuration("batch-max-wait"),
        bounded.positiveInt("parallelism"),
        bounded.positiveDuration("retry-min-backoff"),
        bounded.durationAtLeast("retry-max-backoff", "retry-min-backoff"));
  }

  /**
   * A job carries its event whole, and a pair's queue may run on another node: one event must fit
   * one cluster message, or its Enqueue would be dropped on the way, and sent again forever.
   */
  private static long maxPayloadBytes(Config config) {
    long bytes = config.getBytes("eventrouter.ingest.max-payload-bytes");
    EnqueueBatches enqueues = EnqueueBatches.fromConfig(config);
    if (!enqueues.fits(bytes)) {
      throw new IllegalArgumentException(
          "eventrouter.ingest.max-payload-bytes ("
              + bytes
              + " bytes) "
              + "does not fit one message between cluster nodes ("
              + enqueues.maxBytes()
              + " bytes with "
              + "pekko.remote.artery.advanced.maximum-frame-size = "
              + config.getBytes("pekko.remote.artery.advanced.maximum-frame-size")
              + "): raise the frame "
              + "size on every node, or lower the payload maximum");
    }
    return bytes;
  }

  private static int deadLetterMaxValueBytes(Config kafka) {
    long bytes = kafka.getBytes("dead-letter-max-value-bytes");
    if (bytes < 0 || bytes > 256L * 1024 * 1024) {
      throw new IllegalArgumentException(
          "eventrouter.kafka.dead-letter-max-value-bytes must be between 0 and 256MiB, not "
              + bytes);
    }
    return (int) bytes;
  }
}
