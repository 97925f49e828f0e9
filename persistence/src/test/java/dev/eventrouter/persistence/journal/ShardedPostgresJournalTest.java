package dev.eventrouter.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.testing.TestJournals;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;

/**
 * The journal suite on a journal sharded over two PostgreSQL databases, and what sharding adds:
 * each persistence id lives in one database only, and a database refuses to become another shard.
 */
class ShardedPostgresJournalTest extends JournalContract {

  @Override
  protected Config journalConfig() {
    return TestJournals.postgresShards();
  }

  @Test
  void eachPersistenceIdIsWrittenToItsShardAndNowhereElse() throws SQLException {
    JournalSettings settings = JournalSettings.fromConfig(journalConfig());
    ActorTestKit testKit = startSystem();
    Map<String, Integer> placed = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      String pid = uniquePersistenceId();
      List<JobEvent> events = acceptedJobs(pid, 2, 64);
      append(testKit, pid, events);
      placed.put(pid, settings.shardOf(pid).index());
    }

    assertThat(placed.values()).as("both databases hold queues").contains(0, 1);
    List<JournalShard> shards = settings.shards();
    for (Map.Entry<String, Integer> pid : placed.entrySet()) {
      List<Long> rowsPerShard = new ArrayList<>();
      for (JournalShard shard : shards) {
        rowsPerShard.add(TestJournals.eventRows(shard, pid.getKey()));
      }
      assertThat(rowsPerShard)
          .as(pid.getKey())
          .isEqualTo(pid.getValue() == 0 ? List.of(2L, 0L) : List.of(0L, 2L));
    }
  }

  @Test
  void aDatabaseIsNotTakenForAnotherShard() throws SQLException {
    JournalSettings settings = JournalSettings.fromConfig(journalConfig());
    JournalSettings swapped =
        new JournalSettings(
            settings.database(),
            settings.shardUrls().get(0),
            settings.user(),
            settings.password(),
            settings.maxConnections(),
            true,
            List.of(settings.url()));
    assertThatThrownBy(() -> JournalSchema.prepare(swapped))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "_shard1 user=postgres (journal shard 0 of 2) was set up as journal-shard 1 of 2, the configuration now makes it 0 of 2");

    Config shardZeroAlone =
        journalConfig()
            .withValue(
                "eventrouter.journal.shard-urls", ConfigValueFactory.fromIterable(List.of()));
    assertThatThrownBy(() -> JournalSchema.prepare(JournalSettings.fromConfig(shardZeroAlone)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "was set up as journal-shard 0 of 2, the configuration now makes it 0 of 1");

    // a new database listed before the others is not marked by a list that is refused
    String fresh = TestJournals.postgresUrl(TestJournals.TEST_DATABASE + "_unmarked");
    JournalSettings growing =
        new JournalSettings(
            settings.database(),
            fresh,
            settings.user(),
            settings.password(),
            settings.maxConnections(),
            true,
            List.of(settings.url(), settings.shardUrls().get(0)));
    assertThatThrownBy(() -> JournalSchema.prepare(growing))
        .hasMessageContaining(
            "was set up as journal-shard 0 of 2, the configuration now makes it 1 of 3");
    assertThat(TestJournals.layout(growing.shards().get(0))).isEmpty();

    // as configured, it starts: the marks match
    JournalSchema.prepare(settings);
  }

  @Test
  void aShardListedTwiceIsRefused() {
    Config twice =
        journalConfig()
            .withValue(
                "eventrouter.journal.shard-urls",
                ConfigValueFactory.fromAnyRef(JournalSettings.fromConfig(journalConfig()).url()));
    assertThatThrownBy(() -> JournalSettings.fromConfig(twice))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("each shard needs a database of its own");
  }
}
