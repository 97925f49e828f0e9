package dev.eventrouter.persistence.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * {@link JournalCompaction} on the tables this project's DDL creates, through the journal's own
 * connection pool. Pekko's own event deletion removes everything up to a snapshot, which would take
 * the payloads of jobs still waiting with it; hence these statements.
 */
public final class JdbcJournalCompaction implements JournalCompaction {

  /**
   * Rows deleted per statement and commit. An embedded H2 holds the rows a statement deletes in
   * memory until it commits, and a row may weigh a megabyte (a batch of jobs, or one large
   * payload): 5,000 rows at a time took a queue draining a backlog of a million jobs, whose first
   * compaction after the backlog deletes hundreds of batch rows, past a 1 GiB heap.
   */
  private static final long CHUNK = 32;

  private final JournalPools journals;

  private final String oldestEvent;
  private final String deleteEvents;
  private final String deleteSnapshots;
  private final String countEvents;
  private final String countSnapshots;

  /** Compacts the persistence ids placed by {@link JournalSettings#shardOf}, each in its shard. */
  public JdbcJournalCompaction(ActorSystem<?> system) {
    this.journals = new JournalPools(system);
    JournalSettings.Database db = journals.database();
    String events = db.identifier("event_journal");
    String snapshots = db.identifier("snapshot");
    String pid = db.identifier("persistence_id");
    String seq = db.identifier("sequence_number");
    this.oldestEvent = "SELECT MIN(" + seq + ") FROM " + events + " WHERE " + pid + " = ?";
    this.deleteEvents =
        "DELETE FROM " + events + " WHERE " + pid + " = ? AND " + seq + " >= ? AND " + seq + " < ?";
    this.deleteSnapshots =
        "DELETE FROM " + snapshots + " WHERE " + pid + " = ? AND " + seq + " < ?";
    this.countEvents = "SELECT COUNT(*) FROM " + events + " WHERE " + pid + " = ?";
    this.countSnapshots = "SELECT COUNT(*) FROM " + snapshots + " WHERE " + pid + " = ?";
  }

  @Override
  public CompletionStage<Integer> deleteBelow(
      String persistenceId, long eventsBelow, long snapshotsBelow) {
    return journals.run(
        persistenceId,
        "cannot compact the journal of",
        c -> {
          int deleted = 0;
          for (long from = oldest(c, persistenceId); from < eventsBelow; from += CHUNK) {
            deleted +=
                update(c, deleteEvents, persistenceId, from, Math.min(from + CHUNK, eventsBelow));
          }
          update(c, deleteSnapshots, persistenceId, snapshotsBelow);
          return deleted;
        });
  }

  /** How many journal rows a persistence id has: what compaction keeps small. */
  public CompletionStage<Long> eventRows(String persistenceId) {
    return count(countEvents, persistenceId);
  }

  /** How many snapshots a persistence id has: none before its first. */
  public CompletionStage<Long> snapshotRows(String persistenceId) {
    return count(countSnapshots, persistenceId);
  }

  private CompletionStage<Long> count(String sql, String persistenceId) {
    return journals.run(
        persistenceId,
        "cannot count the rows of",
        c -> {
          try (PreparedStatement count = c.prepareStatement(sql)) {
            count.setString(1, persistenceId);
            try (ResultSet rs = count.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        });
  }

  private long oldest(Connection c, String persistenceId) throws SQLException {
    try (PreparedStatement query = c.prepareStatement(oldestEvent)) {
      query.setString(1, persistenceId);
      try (ResultSet rs = query.executeQuery()) {
        long oldest = rs.next() ? rs.getLong(1) : 0;
        return rs.wasNull() || oldest == 0 ? Long.MAX_VALUE : oldest;
      }
    }
  }

  private static int update(Connection c, String sql, String persistenceId, long... bounds)
      throws SQLException {
    try (PreparedStatement statement = c.prepareStatement(sql)) {
      statement.setString(1, persistenceId);
      for (int i = 0; i < bounds.length; i++) {
        statement.setLong(i + 2, bounds[i]);
      }
      int rows = statement.executeUpdate();
      if (!c.getAutoCommit()) {
        c.commit();
      }
      return rows;
    }
  }
}
