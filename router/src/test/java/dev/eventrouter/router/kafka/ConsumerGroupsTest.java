package dev.eventrouter.router.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.eventrouter.router.testing.TestRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer that died without leaving (its broker stopped first, as when the router that embeds
 * the broker is killed) is still a member when the broker starts again, and holds the group's next
 * rebalance for its whole session. Removing the members lets a new consumer in at once.
 */
@ExtendWith(LogCapturingExtension.class)
class ConsumerGroupsTest {

  private static final String TOPIC = "events";
  private static final String GROUP = "eventrouter";
  // far longer than the awaits below: only the removal can let the new consumer in in time
  private static final Duration STALE_SESSION = Duration.ofMinutes(5);

  @TempDir Path dataDir;

  @Test
  void aConsumerLeftByACrashNoLongerHoldsTheGroup() throws Exception {
    Config embedded = embedded(TestRouter.freePort(), TestRouter.freePort());
    KafkaClientSettings client;
    try (EmbeddedKafka broker = EmbeddedKafka.start(embedded, dataDir)) {
      client = KafkaClientSettings.plain(broker.bootstrapServers());
      Topics.createIfMissing(client, List.of(new Topics.Spec(TOPIC, 2, (short) 1, 1_048_576)));
      KafkaConsumer<byte[], byte[]> stale = consumer(client, STALE_SESSION);
      stale.subscribe(List.of(TOPIC));
      awaitAssignment(stale, 2);
      broker.close();
      // the broker is gone: the consumer cannot say it leaves
      stale.close(Duration.ofMillis(100));
    }

    try (EmbeddedKafka broker = EmbeddedKafka.start(embedded, dataDir)) {
      assertThat(members(client)).as("the dead consumer, still listed").isEqualTo(1);

      assertThat(ConsumerGroups.removeMembers(client, GROUP)).isEqualTo(1);

      assertThat(members(client)).isZero();
      try (KafkaConsumer<byte[], byte[]> next = consumer(client, Duration.ofSeconds(45))) {
        next.subscribe(List.of(TOPIC));
        assertThat(awaitAssignment(next, 2))
            .containsExactlyInAnyOrder(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
      }
    }
  }

  @Test
  void aGroupThatNeverExistedHasNoMembersToRemove() throws Exception {
    try (EmbeddedKafka broker =
        EmbeddedKafka.start(embedded(TestRouter.freePort(), TestRouter.freePort()), dataDir)) {
      assertThat(
              ConsumerGroups.removeMembers(
                  KafkaClientSettings.plain(broker.bootstrapServers()), "no-such-group"))
          .isZero();
    }
  }

  private static Config embedded(int port, int controllerPort) {
    return EmbeddedBrokers.config(port, controllerPort, "1MiB");
  }

  private static KafkaConsumer<byte[], byte[]> consumer(
      KafkaClientSettings client, Duration session) {
    return new KafkaConsumer<>(
        client.with(
            ConsumerConfig.GROUP_ID_CONFIG,
            GROUP,
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
            Long.toString(session.toMillis())),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  /** Polls until the consumer is assigned that many partitions; fails after a minute. */
  private static Set<TopicPartition> awaitAssignment(
      KafkaConsumer<byte[], byte[]> consumer, int partitions) {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (consumer.assignment().size() < partitions) {
      assertThat(System.nanoTime()).as("assigned within a minute").isLessThan(deadline);
      consumer.poll(Duration.ofMillis(200));
    }
    return consumer.assignment();
  }

  private static int members(KafkaClientSettings client) throws Exception {
    try (Admin admin = Admin.create(client.with())) {
      return admin
          .describeConsumerGroups(List.of(GROUP))
          .describedGroups()
          .get(GROUP)
          .get()
          .members()
          .size();
    }
  }
}
