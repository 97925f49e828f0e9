package dev.eventrouter.router.cluster;

import com.typesafe.config.Config;
import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Keeps a node out of a cluster whose virtual queues are sharded otherwise: a pair's shard is its
 * source's Kafka partition, so a node that read another partition count (the topic grew while the
 * cluster ran) would route a pair to another shard than the others do, and the pair's queue would
 * run twice, two writers on one journal. Registered in {@code cluster.conf}; the router sets
 * {@value #KEY} before its actor system starts. After a full stop, every node starts with the new
 * count, and remembered queues follow their new shard (Pekko starts them through the region, so
 * that a changed shard function places them right).
 */
public final class QueueShardsCheck extends JoinConfigCompatChecker {

  public static final String KEY = "eventrouter.cluster.queue-shards";
  private static final Seq<String> KEYS = CollectionConverters.asScala(List.of(KEY)).toList();

  /** The value of {@value #KEY} for queues sharded by the partitions of the ingest topic. */
  public static String byPartitions(int partitions) {
    return "kafka-partitions/" + partitions;
  }

  @Override
  public Seq<String> requiredKeys() {
    return KEYS;
  }

  @Override
  public ConfigValidation check(Config joining, Config cluster) {
    return JoinConfigCompatChecker.fullMatch(KEYS, joining, cluster);
  }
}
