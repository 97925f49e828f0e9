package dev.eventrouter.persistence.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Which databases hold the journal, and how to reach them: read from {@code eventrouter.journal}
 * and turned into the configuration of pekko-persistence-jdbc, one shared database (used by a
 * journal, a snapshot store and a read journal) per {@link JournalShard}.
 *
 * @param url shard 0's; empty in configuration means "the database's default", here it is always
 *     resolved
 * @param shardUrls the further shards' URLs (same kind of database, user and password)
 */
public record JournalSettings(
    Database database,
    String url,
    String user,
    String password,
    int maxConnections,
    boolean createSchema,
    List<String> shardUrls) {

  /** The longest persistence id the tables hold ({@code VARCHAR(255)} in every script). */
  public static final int MAX_PERSISTENCE_ID_LENGTH = 255;

  public JournalSettings {
    shardUrls = List.copyOf(shardUrls);
  }

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

    /** A table or column name as this project's DDL spells it (quoted lower case on H2). */
    public String identifier(String name) {
      return this == H2 ? '"' + name + '"' : name;
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
      url =
          database == Database.H2
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
        journal.getBoolean("create-schema"),
        shardUrls(journal, url));
  }

  /**
   * A list, or one comma-separated string (what an environment variable can hold), split only
   * before a {@code jdbc:}: a URL may hold commas itself (PostgreSQL's and MariaDB's several
   * hosts).
   */
  private static List<String> shardUrls(Config journal, String url) {
    List<String> urls =
        journal.getValue("shard-urls").valueType() == ConfigValueType.STRING
            ? Arrays.stream(journal.getString("shard-urls").split(",\\s*(?=jdbc:)"))
                .map(String::strip)
                .filter(u -> !u.isEmpty())
                .toList()
            : journal.getStringList("shard-urls");
    List<String> seen = new ArrayList<>(List.of(url));
    for (String shardUrl : urls) {
      if (shardUrl.isBlank() || seen.contains(shardUrl)) {
        throw new IllegalArgumentException(
            "eventrouter.journal.shard-urls: each shard needs a database"
                + " of its own; '"
                + JournalShard.withoutParameters(shardUrl)
                + "' is "
                + (shardUrl.isBlank() ? "empty" : "given twice"));
      }
      seen.add(shardUrl);
    }
    return urls;
  }

  /** The journal's databases, shard 0 ({@link #url}) first. */
  public List<JournalShard> shards() {
    List<JournalShard> shards = new ArrayList<>();
    for (int i = 0; i <= shardUrls.size(); i++) {
      shards.add(shard(i));
    }
    return List.copyOf(shards);
  }

  /**
   * The shard holding a persistence id placed by hash (a virtual queue's). Made alone, not picked
   * from {@link #shards()}: every queue that starts asks.
   */
  public JournalShard shardOf(String persistenceId) {
    return shard(JournalShard.indexOf(persistenceId, 1 + shardUrls.size()));
  }

  private JournalShard shard(int index) {
    return new JournalShard(
        index,
        1 + shardUrls.size(),
        database,
        index == 0 ? url : shardUrls.get(index - 1),
        user,
        password,
        maxConnections);
  }

  /**
   * {@code config} with the journal wired to this database ({@code eventrouter/journal.conf} and
   * the chosen database's connection); every actor system of the router and of its tests is created
   * from this.
   */
  public static Config applyTo(Config config) {
    List<JournalShard> shards = fromConfig(config).shards();
    Config applied =
        shards
            .get(0)
            .sharedDatabaseConfig()
            .withFallback(
                ConfigFactory.parseResources(JournalSettings.class, "/eventrouter/journal.conf"))
            .withFallback(config)
            .resolve();
    Config more = ConfigFactory.empty();
    for (JournalShard shard : shards.subList(1, shards.size())) {
      more = more.withFallback(shard.pluginConfig(applied));
    }
    return more.withFallback(applied);
  }

  /**
   * An embedded H2 file database. WRITE_DELAY=0: H2 keeps committed changes in memory for up to
   * half a second by default, so a killed process (not only a power loss) would lose jobs whose
   * Kafka offsets were already committed; this writes each commit to the file before it returns.
   * The other options are the ones pekko-persistence-jdbc needs.
   */
  public static String h2Url(Path file) {
    return "jdbc:h2:file:"
        + file.toAbsolutePath()
        + ";DATABASE_TO_UPPER=false;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
  }

  @Override
  public String toString() {
    // the password stays out of logs
    return "JournalSettings" + shards();
  }
}
