package dev.eventrouter.persistence.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Has MariaDB compare persistence ids byte for byte, as H2 and PostgreSQL do. A column takes the
 * server's default collation, which is case-insensitive: two pairs whose ids differ only in case
 * ({@code Shop:hook} and {@code shop:hook}, two sources) would share one journal, each replaying
 * the other's events, their writes colliding, and one's compaction deleting the other's rows.
 *
 * <p>Set on the columns once: the scripts declare it for new tables, and a journal of an earlier
 * version is switched at the first start of this one (the table is rebuilt; a journal holding two
 * ids that already collide refuses the change, and the router does not start, rather than go on).
 */
final class MariaDbIds {

  private static final String[] TABLES = {"event_journal", "snapshot"};

  private MariaDbIds() {}

  static void compareExactly(Connection connection) throws SQLException {
    for (String table : TABLES) {
      if (!exact(connection, table)) {
        try (Statement alter = connection.createStatement()) {
          alter.execute(
              "ALTER TABLE "
                  + table
                  + " MODIFY persistence_id VARCHAR(255)"
                  + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL");
        }
      }
    }
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
        return rs.next() && rs.getString(1) != null && rs.getString(1).endsWith("_bin");
      }
    }
  }
}
