package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.journal.JdbcJournalCompaction;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.queues.delivery.DeliveryClientSettings;
import dev.eventrouter.queues.testing.TestQueues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The start's warm-up with each kind of client, on an H2 journal (every journal runs it in {@link
 * QueueRestartContract}).
 */
@ExtendWith(LogCapturingExtension.class)
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
class WarmUpTest {

  @Parameter DeliveryClientSettings.Kind kind;

  @TempDir static Path dataDir;

  static ActorTestKit node;

  static ActorTestKit node() {
    if (node == null) {
      node = TestQueues.startNode(TestJournals.h2(dataDir));
    }
    return node;
  }

  @AfterAll
  static void shutdown() {
    if (node != null) {
      node.shutdownTestKit();
      node = null;
    }
  }

  private DeliveryClientSettings client() {
    return new DeliveryClientSettings(kind, 1, "eventrouter-test");
  }

  @Test
  void everyJobIsDeliveredToItsOwnServerOnLoopback() throws Exception {
    long delivered =
        new WarmUp(1_000, 3, Duration.ofSeconds(10))
            .run(node().system(), client())
            .toCompletableFuture()
            .get(90, TimeUnit.SECONDS);

    assertThat(delivered).isEqualTo(1_000);
  }

  /**
   * More jobs than a minute could deliver: only its time limit ends it within one, and what its
   * queues still held is deleted all the same.
   */
  @Test
  void itEndsAtItsTimeLimitWithWhatWasDeliveredAndLeavesNoRow() throws Exception {
    String runId = UUID.randomUUID().toString();
    long delivered =
        new WarmUp(Integer.MAX_VALUE, 2, Duration.ofMillis(1_500))
            .run(node().system(), client(), runId)
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);

    assertThat(delivered).isLessThan(Integer.MAX_VALUE);
    JdbcJournalCompaction journal = new JdbcJournalCompaction(node().system());
    for (int i = 0; i < 2; i++) {
      String id = VirtualQueue.persistenceId(new PairId("warm-up-" + runId, "warm-up-" + i)).id();
      assertThat(journal.eventRows(id).toCompletableFuture().join()).isZero();
    }
  }

  @Test
  void noJobsMeansNoneSent() throws Exception {
    assertThat(
            new WarmUp(0, 8, Duration.ofSeconds(10))
                .run(node().system(), client())
                .toCompletableFuture()
                .get(1, TimeUnit.SECONDS))
        .isZero();
  }

  @Test
  void theDefaultsAreReadAndNonsenseRefused() {
    assertThat(WarmUp.fromConfig(ConfigFactory.load()))
        .isEqualTo(new WarmUp(20_000, 8, Duration.ofSeconds(10)));
    assertThatThrownBy(() -> new WarmUp(-1, 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("eventrouter.warm-up");
    assertThatThrownBy(() -> new WarmUp(1, 0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new WarmUp(1, 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
