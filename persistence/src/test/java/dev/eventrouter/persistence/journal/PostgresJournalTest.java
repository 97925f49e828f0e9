package dev.eventrouter.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.testing.TestJournals;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class PostgresJournalTest extends JournalContract {

  @Override
  protected Config journalConfig() {
    return TestJournals.postgres();
  }

  /**
   * Where the server has lz4, the journal's payloads are compressed with it, not with pglz, in a
   * journal made now and in one an earlier version made. In a database of its own: the tables are
   * made again.
   */
  @Test
  void payloadsAreCompressedWithLz4() throws SQLException {
    String url = TestJournals.postgresUrl(TestJournals.TEST_DATABASE + "_lz4");
    JournalSettings settings =
        JournalSettings.fromConfig(
            ConfigFactory.parseMap(
                    Map.of(
                        "eventrouter.journal.database", "postgres",
                        "eventrouter.journal.url", url,
                        "eventrouter.journal.user", "postgres"))
                .withFallback(ConfigFactory.load())
                .resolve());
    try (Connection c = DriverManager.getConnection(url, "postgres", "");
        Statement s = c.createStatement()) {
      Assumptions.assumeTrue(
          PostgresCompression.lz4Available(c), "this PostgreSQL server has no lz4");
      s.execute("DROP TABLE IF EXISTS event_tag, event_journal, snapshot, journal_layout");
      // the tables as an earlier version made them
      for (String sql :
          JournalSchema.statements(JournalSettings.Database.POSTGRES.schemaResource())) {
        s.execute(sql);
      }
      insertRow(c, 1);
      assertThat(compressionOf(s, 1)).isEqualTo("pglz");

      JournalSchema.createIfMissing(settings);
      insertRow(c, 2);

      assertThat(compressionOf(s, 2)).isEqualTo("lz4");
      assertThat(compressionOf(s, 1)).as("a value stored before keeps its own").isEqualTo("pglz");
      List<String> lz4Columns = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT attname FROM pg_attribute WHERE attcompression = 'l'"
                  + " AND attrelid IN ('event_journal'::regclass, 'snapshot'::regclass)"
                  + " ORDER BY attname")) {
        while (rs.next()) {
          lz4Columns.add(rs.getString(1));
        }
      }
      assertThat(lz4Columns).containsExactly("event_payload", "snapshot_payload");
    }
  }

  /** About 12 KB of JSON: over the 2 KB at which PostgreSQL compresses a row's values. */
  private static void insertRow(Connection c, long sequenceNumber) throws SQLException {
    byte[] payload =
        "{\"type\":\"track\",\"event\":\"Order Completed\",\"properties\":{\"plan\":\"pro\"}}"
            .repeat(200)
            .getBytes(StandardCharsets.UTF_8);
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO event_journal (persistence_id, sequence_number, writer, event_ser_id,"
                + " event_ser_manifest, event_payload) VALUES ('lz4', ?, 'test', 1, 'm', ?)")) {
      insert.setLong(1, sequenceNumber);
      insert.setBytes(2, payload);
      insert.executeUpdate();
    }
  }

  private static String compressionOf(Statement s, long sequenceNumber) throws SQLException {
    try (ResultSet rs =
        s.executeQuery(
            "SELECT pg_column_compression(event_payload) FROM event_journal"
                + " WHERE persistence_id = 'lz4' AND sequence_number = "
                + sequenceNumber)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
