package dev.eventrouter.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.Valid$;
import org.junit.jupiter.api.Test;

/** Nodes whose queues are sharded by another partition count do not form one cluster. */
class QueueShardsCheckTest {

  private final QueueShardsCheck check = new QueueShardsCheck();

  @Test
  void aNodeShardingByTheSamePartitionsJoins() {
    assertThat(check.check(shards(8), shards(8))).isEqualTo(Valid$.MODULE$);
  }

  @Test
  void aNodeShardingByOtherPartitionsOrUnknownShardsIsRefused() {
    assertThat(check.check(shards(12), shards(8)))
        .isInstanceOf(Invalid.class)
        .asString()
        .contains(QueueShardsCheck.KEY);
    assertThat(check.check(ConfigFactory.empty(), shards(8))).isInstanceOf(Invalid.class);
  }

  @Test
  void theRoutersClusterConfigurationRegistersIt() {
    assertThat(
            ConfigFactory.load()
                .getString(
                    "pekko.cluster.configuration-compatibility-check.checkers.eventrouter-queue-shards"))
        .isEqualTo(QueueShardsCheck.class.getName());
  }

  private static Config shards(int partitions) {
    return ConfigFactory.parseMap(
        Map.of(QueueShardsCheck.KEY, QueueShardsCheck.byPartitions(partitions)));
  }
}
