package dev.eventrouter.queues.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.queues.testing.TestQueues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.pekko.actor.UnhandledMessage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Entities started together in one shard start once each. Remembered queues that move to a new
 * shard (the topic grew while the router was stopped) are started there by {@code StartEntity}
 * messages arriving together, which makes Pekko's shard write each start on its own and receive the
 * extra writes' answers when it no longer waits for them.
 */
@ExtendWith(LogCapturingExtension.class)
class ShardBySourceTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dataDir;

  @Test
  void entitiesStartedTogetherInOneShardStartOnceEach() {
    ActorTestKit node = TestQueues.startNode(TestJournals.h2(dataDir));
    try {
      TestProbe<String> starts = node.createTestProbe();
      TestProbe<UnhandledMessage> unhandled = node.createTestProbe();
      node.system()
          .eventStream()
          .tell(new EventStream.Subscribe<>(UnhandledMessage.class, unhandled.ref()));
      EntityTypeKey<Object> type = EntityTypeKey.create(Object.class, "StartedOnce");
      ActorRef<Object> region =
          ClusterSharding.get(node.system())
              .init(
                  Entity.of(
                          type,
                          entity ->
                              Behaviors.setup(
                                  context -> {
                                    starts.ref().tell(entity.getEntityId());
                                    return Behaviors.receiveMessage(stop -> Behaviors.stopped());
                                  }))
                      .withStopMessage("stop")
                      .withMessageExtractor(new ShardBySource<>(source -> 0))
                      .withSettings(
                          ClusterShardingSettings.create(node.system())
                              .withRememberEntities(true)
                              .withRememberEntitiesStoreMode(
                                  ClusterShardingSettings.RememberEntitiesStoreModeEventSourced$
                                      .MODULE$)));

      List<String> ids =
          IntStream.range(0, 20)
              .mapToObj(i -> new PairId("moved-" + i, "webhook").entityId())
              .toList();
      ids.forEach(id -> region.tell(new ShardRegion.StartEntity(id)));

      // the race happened: an answer to one of the shard's own writes came when it was idle
      unhandled.fishForMessage(
          WAIT,
          message ->
              message.getMessage().getClass().getName().endsWith("UpdateDone")
                  ? FishingOutcomes.complete()
                  : FishingOutcomes.continueAndIgnore());
      Set<String> started = new HashSet<>();
      List<String> received = starts.receiveSeveralMessages(ids.size(), WAIT);
      received.forEach(id -> assertThat(started.add(id)).as("%s started again", id).isTrue());
      assertThat(started).containsExactlyInAnyOrderElementsOf(ids);
      // a shard restarted by it would start its remembered entities again
      starts.expectNoMessage(Duration.ofSeconds(1));
    } finally {
      node.shutdownTestKit();
    }
  }
}
