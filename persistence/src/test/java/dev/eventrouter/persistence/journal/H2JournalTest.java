package dev.eventrouter.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.testing.TestJournals;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2JournalTest extends JournalContract {

  @TempDir static Path dataDir;

  @Override
  protected Config journalConfig() {
    return TestJournals.h2(dataDir);
  }

  /** H2 fails a write that waits on another session for over a second (its LOCK_TIMEOUT). */
  @Override
  protected boolean writersWaitOnALock() {
    return false;
  }

  /**
   * A journal made by the versions before: "ordering" indexed twice, and its identity handed out 32
   * values at a time (each 32 a commit of the whole store). Starting on it fixes both, and the
   * identity goes on from where it was.
   */
  @Test
  void aJournalOfAnEarlierVersionIsIndexedOnceAndItsIdentityGoesOn(@TempDir Path earlier)
      throws SQLException {
    // not TestJournals.h2: that one creates the tables as they are now
    JournalSettings settings =
        JournalSettings.fromConfig(
            ConfigFactory.parseMap(Map.of("eventrouter.data-dir", earlier.toString()))
                .withFallback(ConfigFactory.load()));
    JournalShard shard = settings.shards().get(0);
    try (Connection c = shard.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE \"event_journal\" (\"ordering\" BIGINT UNIQUE NOT NULL AUTO_INCREMENT,"
              + " \"deleted\" BOOLEAN DEFAULT false NOT NULL, \"persistence_id\" VARCHAR(255) NOT"
              + " NULL, \"sequence_number\" BIGINT NOT NULL, \"writer\" VARCHAR NOT NULL,"
              + " \"write_timestamp\" BIGINT NOT NULL, \"adapter_manifest\" VARCHAR NOT NULL,"
              + " \"event_payload\" VARBINARY NOT NULL, \"event_ser_id\" INTEGER NOT NULL,"
              + " \"event_ser_manifest\" VARCHAR NOT NULL, \"meta_payload\" VARBINARY,"
              + " \"meta_ser_id\" INTEGER, \"meta_ser_manifest\" VARCHAR,"
              + " PRIMARY KEY(\"persistence_id\", \"sequence_number\"))");
      s.execute(
          "CREATE UNIQUE INDEX \"event_journal_ordering_idx\" ON \"event_journal\" (\"ordering\")");
      insertRow(s, 1);
      insertRow(s, 2);
      assertThat(orderingIndexes(s)).hasSize(2);
      assertThat(identityCache(s)).isEqualTo(32);
    }

    JournalSchema.createIfMissing(settings);

    try (Connection c = shard.connect();
        Statement s = c.createStatement()) {
      assertThat(orderingIndexes(s)).hasSize(1);
      assertThat(identityCache(s)).isEqualTo(4096);
      insertRow(s, 3);
      try (ResultSet rs =
          s.executeQuery(
              "SELECT \"ordering\" FROM \"event_journal\" ORDER BY \"sequence_number\"")) {
        List<Long> ordering = new ArrayList<>();
        while (rs.next()) {
          ordering.add(rs.getLong(1));
        }
        assertThat(ordering).containsExactly(1L, 2L, 3L);
      }
    }
  }

  private static void insertRow(Statement s, long sequenceNr) throws SQLException {
    s.execute(
        "INSERT INTO \"event_journal\" (\"persistence_id\", \"sequence_number\", \"writer\","
            + " \"write_timestamp\", \"adapter_manifest\", \"event_payload\", \"event_ser_id\","
            + " \"event_ser_manifest\") VALUES ('q', "
            + sequenceNr
            + ", 'w', 0, '', X'00', 1, 'm')");
  }

  /** The unique indexes whose only column is "ordering". */
  private static List<String> orderingIndexes(Statement s) throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet rs =
        s.executeQuery(
            "SELECT i.INDEX_NAME FROM INFORMATION_SCHEMA.INDEXES i"
                + " JOIN INFORMATION_SCHEMA.INDEX_COLUMNS c ON c.INDEX_NAME = i.INDEX_NAME"
                + " AND c.TABLE_NAME = i.TABLE_NAME"
                + " WHERE i.TABLE_NAME = 'event_journal' AND i.INDEX_TYPE_NAME = 'UNIQUE INDEX'"
                + " GROUP BY i.INDEX_NAME HAVING count(*) = 1 AND max(c.COLUMN_NAME) = 'ordering'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  private static long identityCache(Statement s) throws SQLException {
    try (ResultSet rs =
        s.executeQuery(
            "SELECT IDENTITY_CACHE FROM INFORMATION_SCHEMA.COLUMNS"
                + " WHERE TABLE_NAME = 'event_journal' AND COLUMN_NAME = 'ordering'")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
