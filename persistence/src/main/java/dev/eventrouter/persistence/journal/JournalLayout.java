package dev.eventrouter.persistence.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Which shard of how many each journal database is, written into it (table {@code journal_layout})
 * at the first start and compared at every start after. A queue finds its database by a hash of its
 * id over the number of shards; a reordered or resized list would not fail by itself, it would
 * start queues empty beside the jobs they hold. The router refuses to start instead.
 */
public final class JournalLayout {

  private static final String KEY = "journal-shard";

  /**
   * Probe rows: the key holds a token fresh at each start, so a probe a crashed start left is never
   * read again and cannot make two databases look like one.
   */
  static final String PROBE = KEY + " probe ";

  private JournalLayout() {}

  /**
   * Checks every database first and only then marks the new ones, so that a wrong list leaves no
   * database marked with it. A new database listed twice under two spellings of its URL (localhost
   * and 127.0.0.1, say) reads unmarked through both; marked through the first, it would refuse the
   * corrected list too. So each new database gets a probe row first, and one found through another
   * shard's URL refuses the start.
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
    if (unmarked.isEmpty()) {
      return;
    }
    try (Probes probes = new Probes()) {
      for (JournalShard shard : unmarked) {
        probes.write(shard);
      }
      List<JournalShard> shards = settings.shards();
      for (JournalShard shard : shards) {
        for (int other : probes.foundIn(shard)) {
          if (other != shard.index()) {
            throw oneDatabase(
                shards.get(Math.min(other, shard.index())),
                shards.get(Math.max(other, shard.index())));
          }
        }
      }
    }
    for (JournalShard shard : unmarked) {
      String marked = call(shard, c -> mark(c, shard));
      compare(shard, marked);
    }
  }

  private static IllegalStateException oneDatabase(JournalShard first, JournalShard second) {
    return new IllegalStateException(
        "journal databases "
            + first
            + " and "
            + second
            + " are one database (a row written through the one URL was read through the"
            + " other): each shard needs a database of its own. List it once in"
            + " eventrouter.journal.url and shard-urls (README: \"Sharding the journal\").");
  }

  /**
   * This start's probe rows, one per new database, removed on close whatever happened; a failed
   * removal leaves a row no start reads ({@link #PROBE}).
   */
  private static final class Probes implements AutoCloseable {

    private final String prefix = PROBE + UUID.randomUUID() + " ";
    private final List<JournalShard> written = new ArrayList<>();

    void write(JournalShard shard) {
      call(shard, c -> insert(c, shard));
      written.add(shard);
    }

    /** The indexes of the shards whose probe this shard's database holds. */
    List<Integer> foundIn(JournalShard shard) {
      return call(shard, c -> found(c, shard));
    }

    @Override
    public void close() {
      IllegalStateException failed = null;
      for (JournalShard shard : written) {
        try {
          call(shard, c -> remove(c, shard));
        } catch (IllegalStateException e) {
          if (failed == null) {
            failed = e;
          } else {
            failed.addSuppressed(e);
          }
        }
      }
      if (failed != null) {
        throw failed;
      }
    }

    private Void insert(Connection c, JournalShard shard) throws SQLException {
      insertRow(c, shard, prefix + shard.index(), Integer.toString(shard.index()));
      return null;
    }

    private List<Integer> found(Connection c, JournalShard shard) throws SQLException {
      return values(c, shard, "LIKE", prefix + "%").stream().map(Integer::parseInt).toList();
    }

    private Void remove(Connection c, JournalShard shard) throws SQLException {
      JournalSettings.Database db = shard.database();
      try (PreparedStatement delete =
          c.prepareStatement(
              "DELETE FROM " + table(db) + " WHERE " + db.identifier("layout_key") + " = ?")) {
        delete.setString(1, prefix + shard.index());
        delete.executeUpdate();
      }
      return null;
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
    try {
      insertRow(c, shard, KEY, place(shard));
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
    List<String> marked = values(c, shard, "=", KEY);
    return marked.isEmpty() ? null : marked.get(0);
  }

  private static void insertRow(Connection c, JournalShard shard, String key, String value)
      throws SQLException {
    JournalSettings.Database db = shard.database();
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO "
                + table(db)
                + " ("
                + db.identifier("layout_key")
                + ", "
                + db.identifier("layout_value")
                + ") VALUES (?, ?)")) {
      insert.setString(1, key);
      insert.setString(2, value);
      insert.executeUpdate();
    }
  }

  /** The values of the rows whose key compares so ({@code =} or {@code LIKE}) with the given. */
  private static List<String> values(
      Connection c, JournalShard shard, String comparison, String key) throws SQLException {
    JournalSettings.Database db = shard.database();
    try (PreparedStatement query =
        c.prepareStatement(
            "SELECT "
                + db.identifier("layout_value")
                + " FROM "
                + table(db)
                + " WHERE "
                + db.identifier("layout_key")
                + " "
                + comparison
                + " ?")) {
      query.setString(1, key);
      List<String> values = new ArrayList<>();
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          values.add(rs.getString(1));
        }
      }
      return values;
    }
  }

  private static String table(JournalSettings.Database db) {
    return db.identifier("journal_layout");
  }

  private interface Statement<T> {
    T run(Connection c) throws SQLException;
  }

  private static <T> T call(JournalShard shard, Statement<T> statement) {
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
