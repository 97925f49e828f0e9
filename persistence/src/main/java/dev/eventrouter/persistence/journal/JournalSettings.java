package dev.eventrouter.persistence.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Which database holds the journal, and how to reach it: read from {@code eventrouter.journal}
 * and turned into the configuration of pekko-persistence-jdbc's shared database {@code journal},
 * used by the journal, the snapshot store and the read journal.
 *
 * @param url empty in configuration means "the database's default"; here it is always resolved
 */
public record JournalSettings(
    Database database, String url, String user, String password, int maxConnections, boolean createSchema) {

  /** The databases the journal runs on, with their Slick profile, driver and table script. */
  public enum Database {
    H2("slick.jdbc.H2Profile$", "org.h2.Driver"),
    POSTGRES("slick.jdbc.PostgresProfile$", "org.postgresql.Driver"),
    MARIADB("slick.jdbc.MySQLProfile$", "org.mariadb.jdbc.Driver");

    final String profile;
    final String driver;

    Database(String profile, String driver) {
      this.profile = profile;
      this.driver = driver;
    }

    String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    String schemaResource() {
      return "/eventrouter/schema/" + configName() + ".sql";
    }

    static Database named(String name) {
      for (Database d : values()) {
        if (d.configName().equals(name.trim().toLowerCase(Locale.ROOT))) {
          return d;
        }
      }
      throw new IllegalArgumentException(
          "eventrouter.journal.database must be h2, postgres or mariadb, not '" + name + "'");
    }
  }

  /** Reads {@code eventrouter.journal} (and {@code eventrouter.data-dir} for H2's file). */
  public static JournalSettings fromConfig(Config config) {
    Config journal = config.getConfig("eventrouter.journal");
    Database database = Database.named(journal.getString("database"));
    Config defaults = journal.getConfig(database.configName());
    String url = journal.getString("url");
    if (url.isBlank()) {
      url = database == Database.H2
          ? h2Url(Path.of(config.getString("eventrouter.data-dir"), "journal", "journal"))
          : defaults.getString("url");
    }
    String user = journal.getString("user");
    String password = journal.getString("password");
    return new JournalSettings(
        database,
        url,
        user.isBlank() ? defaults.getString("user") : user,
        password.isBlank() ? defaults.getString("password") : password,
        journal.getInt("max-connections"),
        journal.getBoolean("create-schema"));
  }

  /**
   * {@code config} with the journal wired to this database ({@code eventrouter/journal.conf} and
   * the chosen database's connection); every actor system of the router and of its tests is
   * created from this.
   */
  public static Config applyTo(Config config) {
    return fromConfig(config).pekkoConfig()
        .withFallback(ConfigFactory.parseResources(JournalSettings.class, "/eventrouter/journal.conf"))
        .withFallback(config)
        .resolve();
  }

  /**
   * An embedded H2 file database. WRITE_DELAY=0: H2 keeps committed changes in memory for up to
   * half a second by default, so a killed process (not only a power loss) would lose jobs whose
   * Kafka offsets were already committed; this writes each commit to the file before it returns.
   * The other options are the ones pekko-persistence-jdbc needs.
   */
  public static String h2Url(Path file) {
    return "jdbc:h2:file:" + file.toAbsolutePath()
        + ";DATABASE_TO_UPPER=false;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
  }

  /** The pekko-persistence-jdbc settings for the shared database named {@code journal}. */
  public Config pekkoConfig() {
    Map<String, Object> db = Map.of(
        "url", url,
        "user", user,
        "password", password,
        "driver", database.driver,
        "numThreads", maxConnections,
        "maxConnections", maxConnections,
        "minConnections", maxConnections);
    return ConfigFactory.parseMap(Map.of(
            "pekko-persistence-jdbc.shared-databases.journal.profile", database.profile))
        .withFallback(ConfigFactory.parseMap(db).atPath("pekko-persistence-jdbc.shared-databases.journal.db"));
  }

  @Override
  public String toString() {
    // the password stays out of logs
    return "JournalSettings[" + database.configName() + " " + url + " user=" + user + "]";
  }
}
