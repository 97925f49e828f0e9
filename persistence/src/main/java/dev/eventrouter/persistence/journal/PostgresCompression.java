package dev.eventrouter.persistence.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Has PostgreSQL compress the journal's payloads with lz4 instead of its default, pglz. A journal
 * value over 2 KB (a batch of jobs, a snapshot) is compressed before it is stored; storing rows of
 * 64 jobs of 1 KiB cost the server 20 us a job with pglz and 4 with lz4, which also kept JSON
 * smaller than pglz's failed attempts on less compressible payloads (BENCHMARKS.md, "The journal's
 * payloads compressed with lz4"). Only where the server has lz4 (PostgreSQL 14 and later, built
 * with it, as the common packages are); elsewhere the journal keeps pglz.
 *
 * <p>Set on the columns once: a column already set is left alone (no {@code ALTER TABLE}, with its
 * table lock, at every start), and a journal of an earlier version is switched at the first start
 * of this one. Values already stored keep their compression.
 */
final class PostgresCompression {

  private static final String[][] PAYLOAD_COLUMNS = {
    {"event_journal", "event_payload"}, {"snapshot", "snapshot_payload"}
  };

  private PostgresCompression() {}

  static void useLz4(Connection connection) throws SQLException {
    if (!lz4Available(connection)) {
      return;
    }
    for (String[] column : PAYLOAD_COLUMNS) {
      if (!usesLz4(connection, column[0], column[1])) {
        try (Statement alter = connection.createStatement()) {
          alter.execute(
              "ALTER TABLE " + column[0] + " ALTER COLUMN " + column[1] + " SET COMPRESSION lz4");
        }
      }
    }
  }

  /** True where the server can compress with lz4 (PostgreSQL 14 and later, built with it). */
  static boolean lz4Available(Connection connection) throws SQLException {
    try (Statement q = connection.createStatement();
        ResultSet rs =
            q.executeQuery(
                "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
                    + " AND 'lz4' = ANY(enumvals)")) {
      return rs.next();
    }
  }

  private static boolean usesLz4(Connection connection, String table, String column)
      throws SQLException {
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT attcompression = 'l' FROM pg_attribute"
                + " WHERE attrelid = to_regclass(?) AND attname = ?")) {
      q.setString(1, table);
      q.setString(2, column);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
