package dev.eventrouter.router.kafka;

import java.nio.charset.StandardCharsets;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition of the ingest topic a source's records are in, as Kafka's default partitioner
 * places a record keyed by the source id (UTF-8): the shard of that source's virtual queues.
 * Records a producer placed otherwise are still delivered, from whichever node reads them.
 */
public record SourcePartitions(int partitions) implements ToIntFunction<String> {

  public SourcePartitions {
    if (partitions < 1) {
      throw new IllegalArgumentException("a topic has at least one partition, not " + partitions);
    }
  }

  @Override
  public int applyAsInt(String source) {
    return Utils.toPositive(Utils.murmur2(source.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
