package dev.eventrouter.persistence.journal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import scala.util.Try;

/**
 * A persistence id's journal rows read with one prepared statement on the journal's own pool, and
 * deserialized as pekko-persistence-jdbc's read journal does. That read journal answers the same
 * query with a stream built and run for each read, which cost a queue reading payloads back about
 * 0.65 ms of an actor's thread a read (BENCHMARKS.md), more than the statement itself.
 */
final class JdbcJournalRows implements JobPayloads.Rows {

  /**
   * Sequence numbers one statement reads at most. PostgreSQL's and MariaDB's drivers hold every row
   * of a result at once unless a cursor is opened, and a row may weigh a megabyte (a batch of
   * jobs): a range is read in chunks of this many.
   */
  static final long CHUNK = 64;

  private final JournalPools journals;
  private final Serialization serialization;
  private final String select;

  JdbcJournalRows(ActorSystem<?> system) {
    this.journals = new JournalPools(system);
    this.serialization = SerializationExtension.get(system.classicSystem());
    JournalSettings.Database db = journals.database();
    String seq = db.identifier("sequence_number");
    this.select =
        "SELECT "
            + String.join(
                ", ",
                seq,
                db.identifier("event_ser_id"),
                db.identifier("event_ser_manifest"),
                db.identifier("event_payload"))
            + " FROM "
            + db.identifier("event_journal")
            + " WHERE "
            + db.identifier("persistence_id")
            + " = ? AND "
            + seq
            + " >= ? AND "
            + seq
            + " <= ? AND "
            + db.identifier("deleted")
            + " = ? ORDER BY "
            + seq;
  }

  @Override
  public CompletionStage<?> read(String persistenceId, List<long[]> ranges, JobPayloads.Row row) {
    return journals.run(
        persistenceId,
        "cannot read the journal of",
        c -> {
          try (PreparedStatement query = c.prepareStatement(select)) {
            query.setString(1, persistenceId);
            query.setBoolean(4, false);
            for (long[] range : ranges) {
              for (long from = range[0]; from <= range[1]; from += CHUNK) {
                query.setLong(2, from);
                query.setLong(3, Math.min(from + CHUNK - 1, range[1]));
                try (ResultSet rs = query.executeQuery()) {
                  while (rs.next()) {
                    long sequenceNr = rs.getLong(1);
                    row.take(
                        sequenceNr,
                        deserialized(
                            persistenceId,
                            sequenceNr,
                            serialization.deserialize(
                                rs.getBytes(4), rs.getInt(2), rs.getString(3))));
                  }
                }
              }
            }
          }
          return null;
        });
  }

  /** The event, or the serializer's failure (its cause) with the row it was reading. */
  private static Object deserialized(String persistenceId, long sequenceNr, Try<Object> event) {
    if (event.isFailure()) {
      throw new IllegalStateException(
          "row " + sequenceNr + " of " + persistenceId + " cannot be deserialized",
          event.failed().get());
    }
    return event.get();
  }
}
