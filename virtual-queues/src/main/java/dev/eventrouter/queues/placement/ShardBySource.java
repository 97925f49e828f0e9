package dev.eventrouter.queues.placement;

import dev.eventrouter.persistence.job.PairId;
import java.util.function.ToIntFunction;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;

/**
 * A pair's queue is in the shard of its source: every queue a source feeds lives together, and
 * with {@code shardOfSource} being the source's Kafka partition, in the shard whose node consumes
 * that partition ({@link ConsumerAllocation}), so ingest's asks stay on the node.
 *
 * @param <M> the queue's protocol
 */
public final class ShardBySource<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {

  private final ToIntFunction<String> shardOfSource;

  /** @param shardOfSource must give every node of the cluster the same answer for a source */
  public ShardBySource(ToIntFunction<String> shardOfSource) {
    this.shardOfSource = shardOfSource;
  }

  @Override
  public String entityId(ShardingEnvelope<M> envelope) {
    return envelope.entityId();
  }

  @Override
  public String shardId(String entityId) {
    return Integer.toString(shardOfSource.applyAsInt(PairId.ofEntityId(entityId).source()));
  }

  @Override
  public M unwrapMessage(ShardingEnvelope<M> envelope) {
    return envelope.message();
  }
}
