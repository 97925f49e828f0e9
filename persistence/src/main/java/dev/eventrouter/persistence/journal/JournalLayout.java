package dev.eventrouter.persistence.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * What must not change over a journal database's life, written into it at the first start and
 * compared at every start after: which shard of how many it is, and what the router places its
 * queues by. A changed placement does not fail loudly by itself; it makes queues start empty
 * beside the jobs they hold, so the router refuses to start instead.
 */
public final class JournalLayout {

  private JournalLayout() {}

  /** Pins every shard's place: shard i of n. */
  public static void pinShards(JournalSettings settings) {
    for (JournalShard shard : settings.shards()) {
      pin(shard, "journal-shard", shard.index() + " of " + shard.count(),
          "A queue finds its journal by a hash of its id over the number of shards, so a changed"
              + " eventrouter.journal.url / shard-urls would look for jobs in the wrong database."
              + " Keep the URLs in their first order; adding a shard needs every queue emptied first"
              + " (README: \"Sharding the journal\").");
    }
  }

  /**
   * Writes {@code key = value} into the shard when it holds no value for the key yet, else
   * compares: a different value stops the start, with {@code consequence} saying why it matters.
   */
  public static void pin(JournalShard shard, String key, String value, String consequence) {
    JournalSettings.Database db = shard.database();
    String table = db.identifier("journal_layout");
    String keyColumn = db.identifier("layout_key");
    String valueColumn = db.identifier("layout_value");
    try (Connection c = shard.connect()) {
      c.setAutoCommit(true);
      String pinned = read(c, table, keyColumn, valueColumn, key);
      if (pinned == null) {
        try (PreparedStatement insert = c.prepareStatement(
            "INSERT INTO " + table + " (" + keyColumn + ", " + valueColumn + ") VALUES (?, ?)")) {
          insert.setString(1, key);
          insert.setString(2, value);
          insert.executeUpdate();
          return;
        } catch (SQLException raced) {
          // another node pinned it between the read and the insert: compare with its value
          pinned = read(c, table, keyColumn, valueColumn, key);
          if (pinned == null) {
            throw raced;
          }
        }
      }
      if (!pinned.equals(value)) {
        throw new IllegalStateException("journal database " + shard + " was set up with " + key
            + " = " + pinned + ", the configuration now gives " + value + ". " + consequence);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read or write the journal layout (table journal_layout,"
          + " created by the scripts in eventrouter/schema/) in " + shard + ": " + e.getMessage(), e);
    }
  }

  private static String read(Connection c, String table, String keyColumn, String valueColumn, String key)
      throws SQLException {
    try (PreparedStatement query = c.prepareStatement(
        "SELECT " + valueColumn + " FROM " + table + " WHERE " + keyColumn + " = ?")) {
      query.setString(1, key);
      try (ResultSet rs = query.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}
