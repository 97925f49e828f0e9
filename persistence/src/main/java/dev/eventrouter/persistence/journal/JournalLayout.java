package dev.eventrouter.persistence.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which shard of how many each journal database is, written into it (table {@code journal_layout})
 * at the first start and compared at every start after. A queue finds its database by a hash of its
 * id over the number of shards; a reordered or resized list would not fail by itself, it would
 * start queues empty beside the jobs they hold. The router refuses to start instead.
 */
public final class JournalLayout {

  private static final String KEY = "journal-shard";

  private JournalLayout() {}

  /**
   * Checks every database first and only then marks the new ones, so that a wrong list (a database
   * given twice under two spellings, say) leaves no database marked with it.
   */
  public static void pinShards(JournalSettings settings) {
    List<JournalShard> unmarked = new ArrayList<>();
    for (JournalShard shard : settings.shards()) {
      String marked = call(shard, c -> read(c, shard));
      if (marked == null) {
        unmarked.add(shard);
      } else {
        compare(shard, marked);
      }
    }
    for (JournalShard shard : unmarked) {
      String marked = call(shard, c -> mark(c, shard));
      compare(shard, marked);
    }
  }

  private static String place(JournalShard shard) {
    return shard.index() + " of " + shard.count();
  }

  private static void compare(JournalShard shard, String marked) {
    if (!marked.equals(place(shard))) {
      throw new IllegalStateException(
          "journal database "
              + shard
              + " was set up as "
              + KEY
              + " "
              + marked
              + ", the configuration now makes it "
              + place(shard)
              + ". A queue finds its"
              + " database by a hash of its id over the number of shards: keep eventrouter.journal.url"
              + " and shard-urls as they were (README: \"Sharding the journal\").");
    }
  }

  /** Marks the shard; completes with what it holds then (another node's mark if one came first). */
  private static String mark(Connection c, JournalShard shard) throws SQLException {
    JournalSettings.Database db = shard.database();
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO "
                + db.identifier("journal_layout")
                + " ("
                + db.identifier("layout_key")
                + ", "
                + db.identifier("layout_value")
                + ") VALUES (?, ?)")) {
      insert.setString(1, KEY);
      insert.setString(2, place(shard));
      insert.executeUpdate();
      return place(shard);
    } catch (SQLException raced) {
      String marked = read(c, shard);
      if (marked == null) {
        throw raced;
      }
      return marked;
    }
  }

  private static String read(Connection c, JournalShard shard) throws SQLException {
    JournalSettings.Database db = shard.database();
    try (PreparedStatement query =
        c.prepareStatement(
            "SELECT "
                + db.identifier("layout_value")
                + " FROM "
                + db.identifier("journal_layout")
                + " WHERE "
                + db.identifier("layout_key")
                + " = ?")) {
      query.setString(1, KEY);
      try (ResultSet rs = query.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private interface Statement {
    String run(Connection c) throws SQLException;
  }

  private static String call(JournalShard shard, Statement statement) {
    try (Connection c = shard.connect()) {
      c.setAutoCommit(true);
      return statement.run(c);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read or write the journal layout (table journal_layout,"
              + " created by the scripts in eventrouter/schema/) in "
              + shard
              + ": "
              + e.getMessage(),
          e);
    }
  }
}
