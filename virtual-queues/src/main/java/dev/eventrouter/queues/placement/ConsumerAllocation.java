package dev.eventrouter.queues.placement;

import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.sharding.external.ExternalShardAllocation;
import org.apache.pekko.cluster.sharding.external.ExternalShardAllocationStrategy;
import org.apache.pekko.cluster.sharding.external.javadsl.ExternalShardAllocationClient;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Set;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Shards go where they were placed ({@link #place}: the node consuming the matching Kafka
 * partition), through Pekko's external shard allocation, which also moves a shard that is elsewhere
 * when its place changes.
 *
 * <p>One difference from Pekko's strategy alone: a shard the coordinator starts on its own (a
 * remembered one after a restart, or one of a node that left), with no live place known yet, goes
 * to the node with the fewest shards. Pekko's would hand it to the asker, which there is no node,
 * and leave it unallocated until a message came for it: queues holding jobs would wait, with no
 * timer running, for traffic that may never come.
 */
public final class ConsumerAllocation implements ShardCoordinator.StartableAllocationStrategy {

  private final ExternalShardAllocationStrategy placed;

  private ConsumerAllocation(ExternalShardAllocationStrategy placed) {
    this.placed = placed;
  }

  /**
   * @param timeout how long an allocation waits for the local copy of the places, after which the
   *     asking node gets the shard
   */
  public static ConsumerAllocation create(ActorSystem system, String typeName, Duration timeout) {
    return new ConsumerAllocation(
        ExternalShardAllocationStrategy.create(system, typeName, timeout));
  }

  /**
   * Places shards on nodes, for every node's coordinator to read (distributed data); a shard
   * already running elsewhere moves at the coordinator's next rebalance.
   */
  public static CompletionStage<Done> place(
      ActorSystem system, String typeName, Map<String, Address> places) {
    ExternalShardAllocationClient client =
        ((ExternalShardAllocation) ExternalShardAllocation.get(system)).getClient(typeName);
    return client.setShardLocations(places);
  }

  @Override
  public void start() {
    placed.start();
  }

  @Override
  public Future<ActorRef> allocateShard(
      ActorRef requester,
      String shardId,
      scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> current) {
    return placed
        .allocateShard(requester, shardId, current)
        .map(
            region -> current.contains(region) ? region : fewestShards(current),
            ExecutionContext.parasitic$.MODULE$);
  }

  @Override
  public Future<Set<String>> rebalance(
      scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> current,
      Set<String> inProgress) {
    return placed.rebalance(current, inProgress);
  }

  /** The coordinator only asks with at least one region up. */
  private static ActorRef fewestShards(
      scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> current) {
    return CollectionConverters.asJava(current).entrySet().stream()
        .min(
            Comparator.<Map.Entry<ActorRef, IndexedSeq<String>>>comparingInt(
                    e -> e.getValue().size())
                .thenComparing(e -> e.getKey().path().address().toString()))
        .orElseThrow()
        .getKey();
  }
}
