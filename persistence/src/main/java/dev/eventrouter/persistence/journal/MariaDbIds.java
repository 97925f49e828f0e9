package dev.eventrouter.persistence.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Has MariaDB compare persistence ids byte for byte, as H2 and PostgreSQL do. A column takes the
 * server's default collation, which is case-insensitive: two pairs whose ids differ only in case
 * ({@code Shop:hook} and {@code shop:hook}, two sources) would share one journal, each replaying
 * the other's events, their writes colliding, and one's compaction deleting the other's rows.
 *
 * <p>Set on the columns once: the scripts declare it for new tables, and a journal of an earlier
 * version is switched at the first start of this one, if it is small. The change rebuilds the
 * table: a large one would hold the start past its probes (and be killed, and start over), so it is
 * left to the operator, with the statement to run logged at every start until it is done (README,
 * "Upgrading a running cluster"). A journal holding two ids that already collide refuses the
 * change, and the router does not start, rather than go on.
 */
final class MariaDbIds {

  private static final Logger log = LoggerFactory.getLogger(MariaDbIds.class);

  private static final String[] TABLES = {"event_journal", "snapshot"};

  /** The most rows (the server's estimate) a table may have to be rebuilt at start. */
  static final long MAX_ROWS_AT_START = 100_000;

  private MariaDbIds() {}

  /** Changes the small tables, and says what to run for the others. */
  static void compareExactly(Connection connection) throws SQLException {
    for (String table : TABLES) {
      if (exact(connection, table)) {
        continue;
      }
      if (rows(connection, table) <= MAX_ROWS_AT_START) {
        try (Statement alter = connection.createStatement()) {
          alter.execute(alter(table));
        }
      } else {
        notExact(table);
      }
    }
  }

  /** Says what to run for each table not changed yet (the schema is the operator's to create). */
  static void check(Connection connection) throws SQLException {
    for (String table : TABLES) {
      if (!exact(connection, table)) {
        notExact(table);
      }
    }
  }

  private static void notExact(String table) {
    log.error(
        "the journal's table {} compares persistence ids without case: two pairs whose ids differ"
            + " only in case would share one journal. Run, at a quiet time (it rebuilds the"
            + " table): {}",
        table,
        alter(table));
  }

  static String alter(String table) {
    return "ALTER TABLE "
        + table
        + " MODIFY persistence_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL";
  }

  /** Whether the table's persistence ids compare byte for byte (a binary collation). */
  static boolean exact(Connection connection, String table) throws SQLException {
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT COLLATION_NAME FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                + " AND COLUMN_NAME = 'persistence_id'")) {
      q.setString(1, table);
      try (ResultSet rs = q.executeQuery()) {
        // no such table (the operator has not created it yet): nothing to change
        return !rs.next() || rs.getString(1) == null || rs.getString(1).endsWith("_bin");
      }
    }
  }

  private static long rows(Connection connection, String table) throws SQLException {
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT TABLE_ROWS FROM information_schema.TABLES"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")) {
      q.setString(1, table);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }
}
