package dev.eventrouter.router.ingest;

import com.typesafe.config.Config;
import dev.eventrouter.router.kafka.KafkaClientSettings;
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
    Duration batchMaxWait,
    int parallelism,
    Duration retryMinBackoff,
    Duration retryMaxBackoff) {

  /** @param client of the broker to read from (the embedded one when none is configured) */
  public static IngestSettings fromConfig(Config config, KafkaClientSettings client) {
    Config kafka = config.getConfig("eventrouter.kafka");
    Config ingest = config.getConfig("eventrouter.ingest");
    return new IngestSettings(
        client,
        kafka.getString("topic"),
        kafka.getString("dead-letter-topic"),
        deadLetterMaxValueBytes(kafka),
        kafka.getString("group-id"),
        ingest.getBytes("max-payload-bytes"),
        ingest.getInt("max-nesting-depth"),
        ingest.getInt("batch-max-records"),
        ingest.getDuration("batch-max-wait"),
        ingest.getInt("parallelism"),
        ingest.getDuration("retry-min-backoff"),
        ingest.getDuration("retry-max-backoff"));
  }

  private static int deadLetterMaxValueBytes(Config kafka) {
    long bytes = kafka.getBytes("dead-letter-max-value-bytes");
    if (bytes < 0 || bytes > 256L * 1024 * 1024) {
      throw new IllegalArgumentException(
          "eventrouter.kafka.dead-letter-max-value-bytes must be between 0 and 256MiB, not " + bytes);
    }
    return (int) bytes;
  }
}
