package dev.eventrouter.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.testing.TestJournals;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A MariaDB journal whose tables an earlier version created (persistence ids compared without case)
 * is switched to exact ids at the first start when small, and left to the operator, with the
 * statement to run, when large.
 */
class MariaDbIdsTest {

  private static final String DATABASE = TestJournals.TEST_DATABASE + "_ids";

  @Test
  void aSmallJournalOfAnEarlierVersionIsSwitchedAtTheStart() throws SQLException {
    JournalSettings settings = earlierVersionsTables(1_000);

    JournalSchema.prepare(settings);

    try (Connection c = settings.shards().get(0).connect()) {
      assertThat(MariaDbIds.exact(c, "event_journal")).isTrue();
      assertThat(MariaDbIds.exact(c, "snapshot")).isTrue();
    }
  }

  @Test
  void aLargeJournalIsLeftToTheOperatorWithTheStatementToRun() throws SQLException {
    // twice the bound: the server's count of a table's rows is an estimate
    JournalSettings settings = earlierVersionsTables(2 * MariaDbIds.MAX_ROWS_AT_START);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger logger = (Logger) LoggerFactory.getLogger(MariaDbIds.class);
    logger.addAppender(logged);
    try {
      JournalSchema.prepare(settings);
    } finally {
      logger.detachAppender(logged);
    }

    try (Connection c = settings.shards().get(0).connect()) {
      assertThat(MariaDbIds.exact(c, "event_journal")).isFalse();
      assertThat(MariaDbIds.exact(c, "snapshot")).as("empty, so switched").isTrue();
    }
    assertThat(logged.list)
        .anySatisfy(
            event -> {
              assertThat(event.getLevel()).isEqualTo(Level.ERROR);
              assertThat(event.getFormattedMessage()).contains(MariaDbIds.alter("event_journal"));
            });
  }

  /** A database with the tables as versions before December 2026 made them, and journal rows. */
  private static JournalSettings earlierVersionsTables(long journalRows) throws SQLException {
    JournalSettings settings =
        JournalSettings.fromConfig(
            ConfigFactory.parseMap(
                    Map.of(
                        "eventrouter.journal.database", "mariadb",
                        "eventrouter.journal.url", TestJournals.mariadbUrl(DATABASE),
                        "eventrouter.journal.user", "root"))
                .withFallback(ConfigFactory.load())
                .resolve());
    try (Connection c = settings.shards().get(0).connect();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS event_tag, event_journal, snapshot, journal_layout");
      for (String sql :
          JournalSchema.statements(JournalSettings.Database.MARIADB.schemaResource())) {
        s.execute(sql.replace(" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", ""));
      }
      // MariaDB's sequence engine: one row per number, made by the server
      s.execute(
          "INSERT INTO event_journal (persistence_id, sequence_number, writer, write_timestamp,"
              + " adapter_manifest, event_payload, event_ser_id, event_ser_manifest)"
              + " SELECT 'source:destination', seq, '', 0, '', '', 0, '' FROM seq_1_to_"
              + journalRows);
      s.execute("ANALYZE TABLE event_journal");
      assertThat(MariaDbIds.exact(c, "event_journal")).as("made as before").isFalse();
    }
    return settings;
  }
}
