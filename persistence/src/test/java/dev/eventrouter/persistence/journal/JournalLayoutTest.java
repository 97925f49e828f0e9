package dev.eventrouter.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.journal.JournalSettings.Database;
import dev.eventrouter.persistence.testing.TestJournals;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shard marks of {@link JournalLayout} on each database, in databases of this test's own (the
 * suites' journals are marked already). PostgreSQL and MariaDB cases are skipped where there is no
 * server ({@link dev.eventrouter.persistence.testing.TestServer}).
 */
class JournalLayoutTest {

  @TempDir Path h2Dir;

  /**
   * A new database listed twice, under two spellings of its URL, is refused before either spelling
   * marks it: marked "0 of 2", it would refuse the corrected list too.
   */
  @ParameterizedTest
  @EnumSource(Database.class)
  void oneDatabaseUnderTwoSpellingsIsRefusedAndStaysNew(Database database) throws SQLException {
    String url = newDatabase(database, "twice");
    String otherSpelling = otherSpelling(database, url);
    JournalSettings twice = settings(database, url, List.of(otherSpelling));
    assertThat(twice.shards()).as("the settings take them for two databases").hasSize(2);

    assertThatThrownBy(() -> JournalSchema.prepare(twice))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(JournalShard.withoutParameters(url) + " user=")
        .hasMessageContaining(JournalShard.withoutParameters(otherSpelling) + " user=")
        .hasMessageContaining("are one database");

    JournalSettings once = settings(database, url, List.of());
    JournalShard shard = once.shards().get(0);
    assertThat(TestJournals.layout(shard)).as("neither a mark nor a probe left").isEmpty();
    JournalSchema.prepare(once);
    assertThat(TestJournals.layout(shard)).isEqualTo(Map.of("journal-shard", "0 of 1"));
  }

  /**
   * Nodes of one cluster start together: each checks the new databases with probes of its own, and
   * the node whose mark comes second finds the first one's, the same.
   */
  @ParameterizedTest
  @EnumSource(Database.class)
  void twoNodesMarkingNewDatabasesAtOnceBothStart(Database database) throws Exception {
    JournalSettings settings =
        settings(database, newDatabase(database, "race0"), List.of(newDatabase(database, "race1")));
    CyclicBarrier together = new CyclicBarrier(2);
    ExecutorService nodes = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> starts = new ArrayList<>();
      for (int node = 0; node < 2; node++) {
        starts.add(
            nodes.submit(
                () -> {
                  together.await();
                  JournalLayout.pinShards(settings);
                  return null;
                }));
      }
      for (Future<?> start : starts) {
        start.get(60, TimeUnit.SECONDS);
      }
    } finally {
      nodes.shutdownNow();
    }

    List<JournalShard> shards = settings.shards();
    assertThat(TestJournals.layout(shards.get(0))).isEqualTo(Map.of("journal-shard", "0 of 2"));
    assertThat(TestJournals.layout(shards.get(1))).isEqualTo(Map.of("journal-shard", "1 of 2"));
  }

  /**
   * A start that crashed between writing its probes and removing them left one behind: later starts
   * look only for probes of their own.
   */
  @ParameterizedTest
  @EnumSource(Database.class)
  void aProbeLeftByACrashedStartIsIgnored(Database database) throws SQLException {
    JournalSettings settings =
        settings(database, newDatabase(database, "left0"), List.of(newDatabase(database, "left1")));
    JournalShard shard = settings.shards().get(0);
    // shard 1's probe as that start wrote it; read now, it would make shards 0 and 1 one database
    String leftover = JournalLayout.PROBE + UUID.randomUUID() + " 1";
    try (Connection c = shard.connect();
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO " + database.identifier("journal_layout") + " VALUES (?, '1')")) {
      insert.setString(1, leftover);
      insert.executeUpdate();
    }

    JournalSchema.prepare(settings);

    assertThat(TestJournals.layout(shard))
        .isEqualTo(Map.of("journal-shard", "0 of 2", leftover, "1"));
  }

  /** A database with the journal's tables and no mark. */
  private String newDatabase(Database database, String name) throws SQLException {
    String serverDatabase = TestJournals.TEST_DATABASE + "_layout_" + name;
    String url =
        switch (database) {
          case H2 -> JournalSettings.h2Url(h2Dir.resolve(name));
          case POSTGRES -> TestJournals.postgresUrl(serverDatabase);
          case MARIADB -> TestJournals.mariadbUrl(serverDatabase);
        };
    JournalSettings alone = settings(database, url, List.of());
    JournalSchema.createIfMissing(alone);
    try (Connection c = alone.shards().get(0).connect();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM " + database.identifier("journal_layout"));
    }
    return url;
  }

  /** The same database by another URL, as an operator may write it. */
  private String otherSpelling(Database database, String url) {
    if (database == Database.H2) {
      return url.replace(h2Dir.toString(), h2Dir.resolve(".").toString());
    }
    return url.contains("//127.0.0.1:")
        ? url.replace("//127.0.0.1:", "//localhost:")
        : url.replace("//localhost:", "//127.0.0.1:");
  }

  private static JournalSettings settings(Database database, String url, List<String> shardUrls) {
    return JournalSettings.fromConfig(
        ConfigFactory.parseMap(
                Map.of(
                    "eventrouter.journal.database", database.configName(),
                    "eventrouter.journal.url", url,
                    "eventrouter.journal.shard-urls", shardUrls))
            .withFallback(ConfigFactory.load())
            .resolve());
  }
}
