package dev.eventrouter.persistence.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * One database of the journal and the pekko-persistence-jdbc plugins that write and read it. Shard
 * 0's are the plugins of the standard ids ({@code jdbc-journal}, ...), which journal.conf makes
 * Pekko's default: everything not placed by {@link #indexOf} (the operator controls, sharding's
 * remembered entities) is in it.
 *
 * @param index this database's place in {@code eventrouter.journal}: 0 is {@code url}, i is the
 *     i-th of {@code shard-urls}
 * @param count how many databases the journal has
 */
public record JournalShard(
    int index,
    int count,
    JournalSettings.Database database,
    String url,
    String user,
    String password,
    int maxConnections) {

  /**
   * The shard that holds a persistence id's events, out of {@code count}. CRC-32 of the id's UTF-8
   * bytes: fixed by its specification, so every node and every release agrees.
   */
  public static int indexOf(String persistenceId, int count) {
    CRC32 crc = new CRC32();
    crc.update(persistenceId.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % count);
  }

  /**
   * The journal plugin a persistent actor of this shard names. Shard 0's is Pekko's default (the
   * empty id), which is {@link #journalPlugin}'s all the same; so a test can run one such actor on
   * an in-memory journal by changing the default alone, as Pekko's EventSourcedBehaviorTestKit
   * does.
   */
  public String journalPluginId() {
    return index == 0 ? "" : journalPlugin();
  }

  /** The snapshot plugin a persistent actor of this shard names; see {@link #journalPluginId}. */
  public String snapshotPluginId() {
    return index == 0 ? "" : snapshotPlugin();
  }

  /** The configuration path of this shard's pekko-persistence-jdbc journal. */
  String journalPlugin() {
    return suffixed("jdbc-journal");
  }

  String snapshotPlugin() {
    return suffixed("jdbc-snapshot-store");
  }

  public String readJournalPluginId() {
    return suffixed("jdbc-read-journal");
  }

  String sharedDatabase() {
    return suffixed("journal");
  }

  private String suffixed(String name) {
    return index == 0 ? name : name + "-" + index;
  }

  /** A plain JDBC connection, for what runs before the plugins start (DDL, the layout check). */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url, user, password);
  }

  /**
   * This database's connection pool: pekko-persistence-jdbc's shared database {@link
   * #sharedDatabase}.
   */
  Config sharedDatabaseConfig() {
    Map<String, Object> db =
        Map.of(
            "url", url,
            "user", user,
            "password", password,
            "driver", database.driver,
            "numThreads", maxConnections,
            "maxConnections", maxConnections,
            "minConnections", maxConnections);
    String path = "pekko-persistence-jdbc.shared-databases." + sharedDatabase();
    return ConfigFactory.parseMap(Map.of(path + ".profile", database.profile))
        .withFallback(ConfigFactory.parseMap(db).atPath(path + ".db"));
  }

  /**
   * The plugins of a shard other than 0, copied from shard 0's in {@code resolved} (the journal's
   * settings as configured) and pointed at this shard's database.
   */
  Config pluginConfig(Config resolved) {
    Config journal =
        resolved
            .getConfig("jdbc-journal")
            .withValue("use-shared-db", ConfigValueFactory.fromAnyRef(sharedDatabase()));
    Config snapshots =
        resolved
            .getConfig("jdbc-snapshot-store")
            .withValue("use-shared-db", ConfigValueFactory.fromAnyRef(sharedDatabase()));
    Config reads =
        resolved
            .getConfig("jdbc-read-journal")
            .withValue("use-shared-db", ConfigValueFactory.fromAnyRef(sharedDatabase()))
            .withValue("write-plugin", ConfigValueFactory.fromAnyRef(journalPlugin()));
    Config pool =
        resolved
            .getConfig("pekko-persistence-jdbc.shared-databases.journal")
            .atPath("pekko-persistence-jdbc.shared-databases." + sharedDatabase());
    return journal
        .atKey(journalPlugin())
        .withFallback(snapshots.atKey(snapshotPlugin()))
        .withFallback(reads.atKey(readJournalPluginId()))
        .withFallback(sharedDatabaseConfig().withFallback(pool));
  }

  @Override
  public String toString() {
    return database.configName()
        + " "
        + withoutParameters(url)
        + " user="
        + user
        + (count > 1 ? " (journal shard " + index + " of " + count + ")" : "");
  }

  /**
   * A JDBC URL fit for a log: without its parameters ({@code ?...} or H2's {@code ;...}), which may
   * carry a password.
   */
  static String withoutParameters(String url) {
    int end = url.length();
    for (char separator : new char[] {'?', ';'}) {
      int at = url.indexOf(separator);
      if (at >= 0) {
        end = Math.min(end, at);
      }
    }
    return url.substring(0, end);
  }
}
