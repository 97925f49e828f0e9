package dev.eventrouter.persistence.journal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.persistence.jdbc.db.SlickDatabase;
import org.apache.pekko.persistence.jdbc.db.SlickExtension;
import org.apache.pekko.persistence.jdbc.db.SlickExtensionImpl;

/**
 * The connection pools pekko-persistence-jdbc writes the journal with, one per {@link
 * JournalShard}, for the statements this project runs on the journal's tables itself. They run on
 * Pekko's blocking dispatcher, never on an actor's thread.
 */
final class JournalPools {

  /** Work on one connection, which may fail with the driver's exception. */
  interface Work<T> {
    T on(Connection connection) throws SQLException;
  }

  private final List<SlickDatabase> shards;
  private final JournalSettings.Database database;
  private final Executor blocking;

  JournalPools(ActorSystem<?> system) {
    JournalSettings settings = JournalSettings.fromConfig(system.settings().config());
    SlickExtensionImpl slick = (SlickExtensionImpl) SlickExtension.get(system.classicSystem());
    this.shards =
        settings.shards().stream()
            .map(
                shard ->
                    slick.database(system.settings().config().getConfig(shard.journalPlugin())))
            .toList();
    this.database = settings.database();
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  /** The database the tables are in: how their names are spelled. */
  JournalSettings.Database database() {
    return database;
  }

  /**
   * Runs the work on a connection of the shard that holds the persistence id. A failure of the
   * driver fails the stage, as {@code failure} followed by the id; anything else the work throws
   * fails it as thrown.
   */
  <T> CompletionStage<T> run(String persistenceId, String failure, Work<T> work) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Connection c =
              shards
                  .get(JournalShard.indexOf(persistenceId, shards.size()))
                  .database()
                  .source()
                  .createConnection()) {
            return work.on(c);
          } catch (SQLException e) {
            throw new IllegalStateException(failure + " " + persistenceId, e);
          }
        },
        blocking);
  }
}
